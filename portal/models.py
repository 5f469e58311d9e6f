"""Municipalities, their units and staff, and the public pages of each municipality's policy."""

import base64
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .translations import (
    SOURCE_LANGUAGE,
    TextState,
    active_language,
    is_content_language,
    prefetch_translations,
    text_state,
)

# Path segments the portal uses, or keeps free, directly under "/" or under "/<municipality>/": among them
# every configured language's code (a municipality at /ar/ would be hidden behind the Arabic pages).
RESERVED_SLUGS = frozenset(
    {
        "admin",
        "konto",
        "static",
        "healthz",
        "i18n",
        "media",
        "personale",
        "tilgaengelighed",
        "find-rundt",
        "samtykke",
        "undersoegelse",
        "saadan-gaar-det",
        "hele-politikken",
        "soeg",
    }
) | frozenset(code.lower() for code, _name in settings.LANGUAGES)


def validate_not_reserved(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(
            _("“%(value)s” is used by the portal itself. Choose another address."),
            code="reserved",
            params={"value": value},
        )


class HttpsURLField(models.URLField):
    """A URL field whose form reads "kommune.dk" as https://kommune.dk."""

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})


class TranslatedText(str):
    """A text that knows the language it is written in and, in another language than Danish, whether it is
    a checked translation, a draft, outdated or missing (`portal.translations.TextState`), so a page can mark
    Danish text in a page of another language and say what is not translated."""

    lang: str
    state: str

    def __new__(cls, text: str, lang: str, state: str = "original"):
        instance = super().__new__(cls, text)
        instance.lang = lang
        instance.state = state
        return instance


class TranslatedFieldsMixin:
    """Content is written in Danish in the model's own fields; `TRANSLATED_FIELDS` names those an editor
    may translate into each configured language (`Translation` rows, see portal.translations)."""

    TRANSLATED_FIELDS: ClassVar[tuple[str, ...]] = ()
    # Filter arguments for the rows worth translating (portal.translations.translatable_rows); empty: every row.
    TRANSLATABLE_ROWS: ClassVar[dict] = {}
    # Kinds of this content an editor filters the translations by apart from the rest of the model's rows:
    # {name: (label, filter arguments)}, e.g. the standard pages among the policy pages.
    TRANSLATION_KINDS: ClassVar[dict] = {}

    def refresh_from_db(self, *args, **kwargs):
        self.__dict__.pop("_translation_cache", None)
        super().refresh_from_db(*args, **kwargs)

    def source_text(self, field: str) -> str:
        """The Danish text of `field` a translation is made from (a model whose field is not a text, such as a
        list of answers, overrides this to give it as text)."""
        return getattr(self, field) or ""

    def translated(self, field: str, language: str | None = None) -> TranslatedText:
        """The text to show for `field` in `language` (the active one by default): the translation when
        there is one, else the Danish, each marked with its language and state."""
        language = language or active_language()
        danish = self.source_text(field)
        if language == SOURCE_LANGUAGE or not danish:
            return TranslatedText(danish, SOURCE_LANGUAGE, TextState.ORIGINAL)
        if language not in self.__dict__.get("_translation_cache", {}):
            prefetch_translations([self], language)
        translation = self._translation_cache[language].get(field)
        state = text_state(translation, danish)
        published_at = self.__dict__.get("published_at")
        if state == TextState.OUTDATED and published_at and translation.updated_at > published_at:
            # A published page shares its ids with the editors' draft. A translation that does not fit the
            # published Danish but was saved after publishing is one of an unpublished draft: not for the public.
            state = TextState.MISSING
        if state == TextState.MISSING:
            return TranslatedText(danish, SOURCE_LANGUAGE, state)
        return TranslatedText(translation.text, language, state)


class Region(models.TextChoices):
    HOVEDSTADEN = "hovedstaden", _("Capital Region of Denmark")
    SJAELLAND = "sjaelland", _("Region Zealand")
    SYDDANMARK = "syddanmark", _("Region of Southern Denmark")
    MIDTJYLLAND = "midtjylland", _("Central Denmark Region")
    NORDJYLLAND = "nordjylland", _("North Denmark Region")


class Municipality(TranslatedFieldsMixin, models.Model):
    TRANSLATED_FIELDS = ("policy_title", "policy_subtitle")

    MUNICIPALITY_LOOKUP = "pk"

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(
        _("address in the portal"),
        unique=True,
        validators=[validate_not_reserved],
        help_text=_("Lower-case letters, digits and hyphens; the municipality's pages live under it, e.g. /hvidovre/."),
    )
    kommunekode = models.CharField(
        _("municipality code"),
        max_length=4,
        unique=True,
        validators=[
            RegexValidator(
                r"^0[0-9]{3}$", _("A municipality code has four digits and begins with 0, e.g. 0167 for Hvidovre.")
            )
        ],
        help_text=_("The four-digit code of Danmarks Statistik and the CPR register, e.g. 0167."),
    )
    website = HttpsURLField(_("website"))
    region = models.CharField(
        _("region"),
        max_length=20,
        choices=Region.choices,
        blank=True,
        help_text=_("Decides which urgent medical help line the contact directory names."),
    )
    policy_title = models.CharField(_("policy title"), max_length=200)
    policy_subtitle = models.CharField(_("policy subtitle"), max_length=300, blank=True)
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    opening_hours = models.TextField(_("opening hours"), blank=True, help_text=_("One line per day or period."))
    logo = models.BinaryField(_("logo"), blank=True, editable=False)
    logo_type = models.CharField(_("logo's file type"), max_length=20, blank=True, editable=False)
    accent_colour = models.CharField(
        _("accent colour"),
        max_length=7,
        blank=True,
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Write the colour as # and six hex digits, e.g. #00507A."))],
        help_text=_("The municipality's colour, e.g. #00507A; it must have at least 3:1 contrast against white."),
    )
    policy_adopted_by = models.CharField(
        _("policy adopted by"), max_length=200, blank=True, help_text=_("E.g. Kommunalbestyrelsen.")
    )
    policy_adopted_on = models.DateField(_("policy adopted on"), null=True, blank=True)
    accessibility_statement_url = HttpsURLField(
        _("accessibility statement"),
        blank=True,
        help_text=_("The municipality's own accessibility statement. Empty: the portal's statement is linked."),
    )
    content_changed_at = models.DateTimeField(
        _("content last changed"),
        default=timezone.now,
        editable=False,
        help_text=_("Moves whenever a page or section changes, so that cached pages are renewed."),
    )

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(kommunekode__regex=r"^0[0-9]{3}$"), name="kommunekode_four_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("municipality", kwargs={"municipality_slug": self.slug})

    @property
    def logo_data_uri(self) -> str:
        """The logo inside the page (the Content Security Policy allows data: images), or ""."""
        if not self.logo_type or not self.logo:
            return ""
        return f"data:{self.logo_type};base64,{base64.b64encode(bytes(self.logo)).decode()}"


class Area(models.TextChoices):
    ELDERLY = "aeldre", _("Elderly care")
    DISABILITY = "handicap", _("Disability")
    PSYCHIATRY = "psykiatri", _("Psychiatry")
    ADDICTION = "misbrug", _("Addiction")
    HEALTH = "sundhed", pgettext_lazy("area of care", "Health")


class Unit(models.Model):
    """A unit (enhed) of a municipality: a nursing home, a home care district, a bofællesskab, …"""

    MUNICIPALITY_LOOKUP = "municipality"

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="units", verbose_name=_("municipality")
    )
    name = models.CharField(_("name"), max_length=150)
    area = models.CharField(_("area"), max_length=20, choices=Area.choices)
    closed_on = models.DateField(
        _("closed on"),
        null=True,
        blank=True,
        help_text=_("A closed unit keeps its history, but takes no new citizens and has no staff."),
    )

    class Meta:
        ordering: ClassVar = ["municipality", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["municipality", "name"], name="unit_name_unique_per_municipality"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class User(AbstractUser):
    """A staff user. Everyone but a platform superuser belongs to exactly one municipality."""

    MUNICIPALITY_LOOKUP = "municipality"

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("municipality"),
    )
    units = models.ManyToManyField(
        Unit,
        blank=True,
        related_name="staff",
        verbose_name=_("units"),
        help_text=_("A caseworker sees the citizens of these units."),
    )
    wants_reminder_emails = models.BooleanField(
        _("e-mails from the portal"),
        default=True,
        help_text=_("Reminders and notices by e-mail (follow-ups due, contact points to check, waves)."),
    )

    class Meta(AbstractUser.Meta):
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(is_superuser=True) | models.Q(municipality__isnull=False),
                name="staff_user_belongs_to_a_municipality",
            ),
        ]

    @property
    def display_name(self) -> str:
        """How pages name this member of staff: the full name, or the username when no name is given."""
        return self.get_full_name() or self.get_username()

    def role_labels(self) -> list[str]:
        """The user's roles, named in the active language."""
        from .roles import Role, role_names

        group_names = role_names(self)
        return [str(role.label) for role in Role if role.value in group_names]

    def clean(self) -> None:
        super().clean()
        if not self.is_superuser and self.municipality_id is None:
            raise ValidationError({"municipality": _("Choose the municipality this person works for.")})


class StaffInvitation(models.Model):
    """A single-use link by which a new member of staff sets their own password. Only a hash of the token is kept."""

    MUNICIPALITY_LOOKUP = "user__municipality"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("user"))
    token_digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")

    def __str__(self) -> str:
        return str(self.user)


class Page(TranslatedFieldsMixin, models.Model):
    """One page of a municipality's policy: a foreword, a theme, a model, …"""

    TRANSLATED_FIELDS = ("title",)
    TRANSLATION_KINDS: ClassVar[dict] = {"standard": (_("Standard pages"), {"kind": "standard"})}
    MUNICIPALITY_LOOKUP = "municipality"

    class Kind(models.TextChoices):
        PAGE = "page", _("Page")
        THEME = "theme", _("Theme")
        STANDARD = "standard", _("Standard page (complaints, privacy, …)")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="pages", verbose_name=_("municipality")
    )
    slug = models.SlugField(_("address"), validators=[validate_not_reserved])
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PAGE)
    number = models.PositiveSmallIntegerField(
        _("theme number"), null=True, blank=True, help_text=_("Shown as “Theme 1”, “Theme 2”, … on themes.")
    )
    order = models.PositiveIntegerField(_("order"), default=0, db_index=True)
    title_by_portal = models.BooleanField(
        _("title added by the portal"),
        default=False,
        help_text=_("The policy itself has no such heading; the page says that the portal added it."),
    )
    is_published = models.BooleanField(
        _("published"),
        default=False,
        editable=False,
        help_text=_("The public sees the published version; editors also see the draft, as a preview."),
    )
    published_version = models.ForeignKey(
        "PageVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("published version"),
    )
    publish_at = models.DateTimeField(
        _("publish at"),
        null=True,
        blank=True,
        help_text=_("Publish the draft as it is at this time (Danish time). Empty: publish by hand."),
    )
    publish_scheduled_by = models.ForeignKey(
        "User", on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        ordering: ClassVar = ["municipality", "order", "pk"]
        verbose_name = _("policy page")
        verbose_name_plural = _("policy pages")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="page_slug_unique_per_municipality"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("policy-page", kwargs={"municipality_slug": self.municipality.slug, "page_slug": self.slug})

    def validate_constraints(self, exclude=None) -> None:
        """A slug another page of the municipality has is told at the address field, in words."""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict({})
            unique = [
                e for e in errors.get(NON_FIELD_ERRORS, []) if getattr(e, "code", None) in ("unique", "unique_together")
            ]
            if not unique:  # (a clash of fields together is "unique_together")
                raise
            errors[NON_FIELD_ERRORS] = [e for e in errors[NON_FIELD_ERRORS] if e not in unique]
            if not errors[NON_FIELD_ERRORS]:
                del errors[NON_FIELD_ERRORS]
            errors.setdefault("slug", []).append(
                ValidationError(
                    _("Another page of the municipality already has the address “%(slug)s”. Choose another address."),
                    code="unique",
                    params={"slug": self.slug},
                )
            )
            raise ValidationError(errors) from error

    @cached_property
    def shown_sections(self) -> list | None:
        """A published version's sections (`PageVersion.as_page`), made when first read: a page lists every page
        but shows the sections of one. None for a page read from the database (a draft: its `sections`)."""
        fields = self.__dict__.get("_section_fields")
        if fields is None:
            return None
        # A section keeps the id of the section it was published from, so its translations are shown with it.
        sections = [
            Section(page=self, **{name: value for name, value in each.items() if name in Section.SNAPSHOT_FIELDS})
            for each in fields
        ]
        for section in sections:
            section.published_at = self.published_at
        return sections


class PageVersion(models.Model):
    """A published version of a page: what the public saw, kept for good (who published it, when, its texts)."""

    MUNICIPALITY_LOOKUP = "page__municipality"

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="versions", verbose_name=_("page"))
    number = models.PositiveIntegerField(_("version"))
    slug = models.SlugField(_("address"))
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=10, choices=Page.Kind.choices)
    theme_number = models.PositiveSmallIntegerField(_("theme number"), null=True, blank=True)
    title_by_portal = models.BooleanField(_("title added by the portal"), default=False)
    sections = models.JSONField(_("sections"), default=list)
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    published_by = models.ForeignKey(
        "User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("published by")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering: ClassVar = ["page", "-number"]
        verbose_name = _("published version")
        verbose_name_plural = _("published versions")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["page", "number"], name="page_version_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.number})"

    def as_page(self, page: Page, municipality: Municipality) -> Page:
        """`page` of `municipality` as this version shows it (not saved); its sections in `shown_sections`."""
        shown = Page(
            pk=page.pk,
            municipality=municipality,
            slug=self.slug,
            title=self.title,
            kind=self.kind,
            number=self.theme_number,
            title_by_portal=self.title_by_portal,
            order=page.order,
            is_published=True,
        )
        shown._section_fields = self.sections  # Section objects when read (Page.shown_sections)
        shown.published_at = self.published_at  # (portal.models.TranslatedFieldsMixin.translated)
        return shown


class Section(TranslatedFieldsMixin, models.Model):
    """A block of a policy page. Its kind decides how it is shown; the texts are the policy's own words."""

    TRANSLATED_FIELDS = ("heading", "body", "items", "attribution")
    TRANSLATION_KINDS: ClassVar[dict] = {"standard": (_("Sections of standard pages"), {"page__kind": "standard"})}
    MUNICIPALITY_LOOKUP = "page__municipality"

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        LIST = "list", _("Bulleted list")
        NUMBERED = "numbered", _("Numbered list")
        QUOTE = "quote", _("Quote")
        WISHES = "wishes", _("Relatives' wishes")
        AMBITIONS = "ambitions", _("Ambitions")
        TARGET = "target", _("Target")
        HIGHLIGHT = "highlight", _("Highlighted box")
        STEP = "step", _("Step of a model")
        VALUE = "value", _("Value")
        SIGNATURE = "signature", _("Signature")

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="sections", verbose_name=_("page"))
    order = models.PositiveIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.TEXT)
    heading = models.CharField(_("heading"), max_length=300, blank=True)
    figure = models.CharField(
        _("figure"), max_length=20, blank=True, help_text=_("A headline figure such as “75 %”, for targets.")
    )
    body = models.TextField(_("text"), blank=True, help_text=_("Separate paragraphs with an empty line."))
    items = models.TextField(_("list items"), blank=True, help_text=_("One item per line."))
    attribution = models.CharField(
        _("attribution"), max_length=200, blank=True, help_text=_("Who said it, for quotes.")
    )
    portal_note = models.CharField(
        _("the portal's note"),
        max_length=300,
        blank=True,
        help_text=_("A remark of the portal's own (not the policy's words), shown marked as such."),
    )

    VERSIONED_FIELDS = (
        "order", "kind", "heading", "figure", "body", "items", "attribution", "portal_note",
    )  # fmt: skip
    SNAPSHOT_FIELDS = ("id", *VERSIONED_FIELDS)  # a published version's section: its id (for its translations) too

    class Meta:
        ordering: ClassVar = ["page", "order", "pk"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self) -> str:
        return self.heading or self.get_kind_display()

    def clean(self) -> None:
        super().clean()
        if not (self.heading or self.body or self.items):
            raise ValidationError(_("A section needs a heading, a text or list items."))
        if self.kind == self.Kind.QUOTE and not self.body:
            raise ValidationError({"body": _("Write the quote in the text field.")})
        if self.kind in {self.Kind.LIST, self.Kind.NUMBERED, self.Kind.AMBITIONS} and not self.items.strip():
            raise ValidationError({"items": _("Write the list, one item per line.")})


class ScheduledRun(models.Model):
    """That a periodic job (portal.schedule) was enqueued for a period: one row, so it is enqueued once."""

    job = models.CharField(max_length=100)
    period = models.DateTimeField()
    enqueued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = (models.UniqueConstraint(fields=("job", "period"), name="scheduled_run_once_per_period"),)

    def __str__(self) -> str:
        return f"{self.job} {self.period:%Y-%m-%d %H:%M}"


def validate_content_language(code: str) -> None:
    if not is_content_language(code):
        raise ValidationError(
            _("The portal has no language “%(code)s”. Choose one of the configured languages."),
            code="unknown_language",
            params={"code": code},
        )


def validate_interface_language(code: str) -> None:
    """One of the configured interface languages, Danish included (e.g. the language a survey was answered in)."""
    if code not in dict(settings.LANGUAGES):
        raise ValidationError(
            _("The portal has no language “%(code)s”. Choose one of the configured languages."),
            code="unknown_language",
            params={"code": code},
        )


class Translation(models.Model):
    """One field of one piece of content in one language other than Danish (see portal.translations)."""

    MUNICIPALITY_LOOKUP = "municipality"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft, not yet checked")
        APPROVED = "approved", _("Checked by the municipality")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="+", verbose_name=_("municipality")
    )
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    field = models.CharField(_("field"), max_length=40)
    language = models.CharField(_("language"), max_length=10, validators=[validate_content_language])
    text = models.TextField(_("translation"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    source_digest = models.CharField(
        _("fingerprint of the Danish text"),
        max_length=64,
        help_text=_("Of the Danish text this translates; when the Danish changes, the translation is outdated."),
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("changed by")
    )

    class Meta:
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "field", "language"], name="translation_once_per_language"
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["municipality", "language"], name="translation_by_language")]

    def __str__(self) -> str:
        return f"{self.field} ({self.language})"
