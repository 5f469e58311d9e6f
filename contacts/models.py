"""The "Find rundt" directory: needs, situations in everyday words, and whom to contact about them."""

from typing import ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from portal.models import HttpsURLField, Municipality, TranslatedFieldsMixin

from .validators import format_phone, normalize_phone, validate_email, validate_phone

CHECK_AGAIN_AFTER_DAYS = 365
NEED_NAME_TAKEN = "need_name_taken"
OPENING_HOURS_EXAMPLE = "Mandag\N{EN DASH}torsdag 8\N{EN DASH}15, fredag 8\N{EN DASH}13"  # Danish in either language


class PhoneField(models.CharField):
    """Stores the 8 digits; accepts "36 39 28 80" or "+45 36392880" on the way in."""

    default_validators = (validate_phone,)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 8)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        try:
            return normalize_phone(value)
        except ValidationError:
            return value  # left as typed; the validator explains what is wrong

    def formfield(self, **kwargs):
        return super().formfield(**{"max_length": 20, **kwargs})


class EmailAddressField(models.CharField):
    """An e-mail address as the municipalities write them, letters such as æ, ø and å included."""

    default_validators = (validate_email,)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 254)
        super().__init__(*args, **kwargs)


class Need(TranslatedFieldsMixin, models.Model):
    """A group of situations, e.g. "Akutte behov" or "Ekstra behov i hverdagen"."""

    TRANSLATED_FIELDS = ("name",)
    MUNICIPALITY_LOOKUP = "municipality"

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="needs", verbose_name=_("municipality")
    )
    name = models.CharField(_("name"), max_length=150)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering: ClassVar = ["municipality", "order", "pk"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["municipality", "name"],
                name="need_name_unique",
                violation_error_message=_("The municipality already has a need with this name. Choose another name."),
                violation_error_code=NEED_NAME_TAKEN,
            )
        ]

    def __str__(self) -> str:
        return self.name

    def validate_constraints(self, exclude=None):
        """As Model's, with a name another need already has reported at the name, where the editor typed it."""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict({})
            general = errors.pop(NON_FIELD_ERRORS, [])
            taken = [e for e in general if getattr(e, "code", None) == NEED_NAME_TAKEN]
            if taken:
                errors.setdefault("name", []).extend(taken)
            if rest := [e for e in general if e not in taken]:
                errors[NON_FIELD_ERRORS] = rest
            raise ValidationError(errors) from None


class ContactPoint(TranslatedFieldsMixin, models.Model):
    """Someone to contact: a team, a coordinator, an office."""

    TRANSLATED_FIELDS = ("description", "opening_hours")
    MUNICIPALITY_LOOKUP = "municipality"

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="contact_points", verbose_name=_("municipality")
    )
    name = models.CharField(_("name"), max_length=150, help_text=_("E.g. Visitationen, Demenskoordinator."))
    description = models.TextField(_("description"), blank=True)
    phone = PhoneField(_("phone"), blank=True, help_text=_("8 digits, e.g. 36 39 28 80."))
    email = EmailAddressField(_("e-mail"), blank=True)
    website = HttpsURLField(_("website"), blank=True)
    address = models.TextField(_("address"), blank=True)
    opening_hours = models.TextField(
        _("opening hours"),
        blank=True,
        help_text=format_lazy(_("E.g. “{example}”."), example=OPENING_HOURS_EXAMPLE),
    )
    last_checked = models.DateField(
        _("last checked"), default=timezone.localdate, help_text=_("When someone last checked the details.")
    )
    external_id = models.CharField(
        _("key in the imported file"),
        max_length=200,
        blank=True,
        help_text=_(
            "The contact point's id in the file or system it was imported from (the column “id”, or an HSDS "
            "service's id): importing a row with the same key again updates this contact point."
        ),
    )

    class Meta:
        ordering: ClassVar = ["municipality", "name", "pk"]
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(phone="") | models.Q(phone__regex=r"^[0-9]{8}$"), name="contact_phone_8_digits"
            ),
            models.UniqueConstraint(
                fields=["municipality", "external_id"],
                condition=~models.Q(external_id=""),
                name="contact_external_id_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("contacts:contact", kwargs={"municipality_slug": self.municipality.slug, "pk": self.pk})

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)

    @property
    def needs_checking(self) -> bool:
        return (timezone.localdate() - self.last_checked).days > CHECK_AGAIN_AFTER_DAYS


class Situation(TranslatedFieldsMixin, models.Model):
    """A situation as a citizen or relative would put it, and the contact points for it."""

    TRANSLATED_FIELDS = ("text", "note")
    MUNICIPALITY_LOOKUP = "need__municipality"

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="situations", verbose_name=_("need"))
    text = models.CharField(_("situation"), max_length=300, help_text=_("In the citizen's or relative's own words."))
    note = models.TextField(_("note"), blank=True, help_text=_("Shown under the contacts, e.g. who can get the help."))
    keywords = models.TextField(
        _("search words"), blank=True, help_text=_("Other words people use for this situation, separated by commas.")
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    contact_points = models.ManyToManyField(
        ContactPoint, through="SituationContact", related_name="situations", verbose_name=_("contact points")
    )

    class Meta:
        ordering: ClassVar = ["need__order", "order", "pk"]
        verbose_name = _("situation")
        verbose_name_plural = _("situations")

    def __str__(self) -> str:
        return self.text

    def get_absolute_url(self) -> str:
        return reverse("contacts:situation", kwargs={"municipality_slug": self.need.municipality.slug, "pk": self.pk})


class SituationContact(TranslatedFieldsMixin, models.Model):
    """One contact point of a situation, with what to ask it about."""

    TRANSLATED_FIELDS = ("ask_about",)
    MUNICIPALITY_LOOKUP = "situation__need__municipality"

    situation = models.ForeignKey(Situation, on_delete=models.CASCADE, related_name="contacts")
    contact_point = models.ForeignKey(
        ContactPoint, on_delete=models.PROTECT, related_name="situation_links", verbose_name=_("contact point")
    )
    ask_about = models.TextField(
        _("what to ask about"), blank=True, help_text=_("E.g. “Kontakt visitator og hør om mulighederne for …”.")
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering: ClassVar = ["order", "pk"]
        verbose_name = _("contact for the situation")
        verbose_name_plural = _("contacts for the situation")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["situation", "contact_point"], name="situation_contact_once"),
        ]

    def __str__(self) -> str:
        return str(self.contact_point)


class Offer(TranslatedFieldsMixin, models.Model):
    """Something for the relative themself: a peer group, respite, a day centre, an association, counselling.

    An offer loaded from a fixture keeps the sentence of the municipality's policy it comes from (`source`);
    an editor's own offer may leave it empty.
    """

    TRANSLATED_FIELDS = ("name", "description", "sign_up")
    MUNICIPALITY_LOOKUP = "municipality"

    class Kind(models.TextChoices):
        PEER_GROUP = "peer_group", _("Peer group for relatives")
        RESPITE = "respite", _("Respite")
        DAY_CENTRE = "day_centre", _("Day centre")
        COUNSELLING = "counselling", _("Counselling")
        COURSE = "course", _("Course")
        VOLUNTEERS = "volunteers", _("Volunteer association")
        NETWORK = "network", _("Network")

    class ForWhom(models.TextChoices):
        ALL = "all", _("All relatives")
        DEMENTIA = "dementia", _("Relatives of people with dementia")
        MENTAL_ILLNESS = "mental_illness", _("Relatives of people with mental illness")
        DISABILITY = "disability", _("Relatives of people with disabilities")
        BRAIN_INJURY = "brain_injury", _("Relatives of people with a brain injury")
        CANCER = "cancer", _("Relatives of people with cancer")
        ADDICTION = "addiction", _("Relatives of people with addiction")
        ELDERLY = "elderly", _("Relatives of older people")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="offers", verbose_name=_("municipality")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    for_whom = models.CharField(_("for whom"), max_length=20, choices=ForWhom.choices, default=ForWhom.ALL)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), help_text=_("What it is."))
    sign_up = models.TextField(_("how to sign up"), blank=True)
    price = models.CharField(_("price"), max_length=150, blank=True, help_text=_("E.g. “Gratis”."))
    where_and_when = models.TextField(_("where and when"), blank=True)
    contact_point = models.ForeignKey(
        ContactPoint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offers",
        verbose_name=_("contact point"),
        help_text=_("Whom to contact about the offer."),
    )
    website = HttpsURLField(_("website"), blank=True)
    source = models.TextField(
        _("the policy's words"),
        blank=True,
        help_text=_("The sentence of the municipality's policy that promises or names the offer, word for word."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering: ClassVar = ["municipality", "order", "pk"]
        verbose_name = _("offer for relatives")
        verbose_name_plural = _("offers for relatives")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        url = reverse("contacts:offers", kwargs={"municipality_slug": self.municipality.slug})
        return f"{url}#tilbud-{self.pk}"


class SearchWord(models.Model):
    """A word (a folded word or its Danish stem) that occurs in the municipality's directory: the search's vocabulary.

    Kept by contacts.search_index, never edited. Looked up by substring through an index: on PostgreSQL a GIN
    pg_trgm index, on SQLite an FTS5 trigram table (both created in migration 0003 for their database only).
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=100)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["municipality", "term"], name="search_word_once"),
        ]

    def __str__(self) -> str:
        return self.term


class SearchTerm(models.Model):
    """A word of the vocabulary found in one field (with that field's weight) of one situation."""

    situation = models.ForeignKey(Situation, on_delete=models.CASCADE, related_name="+")
    word = models.ForeignKey(SearchWord, on_delete=models.CASCADE, related_name="postings")
    weight = models.FloatField()

    def __str__(self) -> str:
        return f"{self.word_id}@{self.situation_id}"


class ContactRequest(models.Model):
    """A relative's request that the municipality call or write to them ("Ring mig op" / "Skriv til mig").

    Personal data, kept only until `erase_after` (the date the relative was told when they sent it), then
    erased by contacts.services.erase_expired_contact_requests (portal/personal_data.py, daily).
    """

    MUNICIPALITY_LOOKUP = "municipality"

    class Way(models.TextChoices):
        CALL = "call", _("Call me")
        WRITE = "write", _("Write to me")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for an answer")
        CLOSED = "closed", _("Answered and closed")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="contact_requests", verbose_name=_("municipality")
    )
    way = models.CharField(_("how to get in touch"), max_length=10, choices=Way.choices)
    name = models.CharField(_("name"), max_length=100)
    phone = PhoneField(_("phone"), blank=True)
    email = EmailAddressField(_("e-mail"), blank=True)
    message = models.TextField(_("a few words"), blank=True)
    consented_at = models.DateTimeField(_("consent given"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    erase_after = models.DateField(_("erased after"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    answer_note = models.TextField(_("what was done"), blank=True)
    answered_by = models.ForeignKey(
        "portal.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("answered by")
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["status", "created_at", "pk"]
        verbose_name = _("contact request")
        verbose_name_plural = _("contact requests")
        constraints: ClassVar = [
            models.CheckConstraint(condition=~models.Q(phone="", email=""), name="contact_request_phone_or_email"),
        ]

    def __str__(self) -> str:
        return str(_("Contact request %(number)s") % {"number": self.pk})

    def get_absolute_url(self) -> str:
        return reverse("contacts-staff:request", kwargs={"pk": self.pk})

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)


class DirectoryImport(models.Model):
    """An editor's confirmed import of the directory from a file, done by the task queue (contacts.tasks).

    The rows are the file's as the preview read them (directory data: needs, situations, contact points; no
    citizen's data), kept only until the import is done or has failed, then cleared. What the import did is
    kept as counts, and a failure as a message that may be shown to the editor (no traceback).
    """

    MUNICIPALITY_LOOKUP = "municipality"
    # What an import changed, as counted in contacts.services.DirectoryImportPlan (there: lists or counts).
    CHANGES = (
        "contacts_created",
        "contacts_changed",
        "needs_created",
        "situations_created",
        "links_created",
        "links_changed",
    )

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    ordered_by = models.ForeignKey("portal.User", on_delete=models.SET_NULL, null=True, related_name="+")
    ordered_at = models.DateTimeField(default=timezone.now)
    rows = models.JSONField(null=True, blank=True)  # ParsedDirectory.as_data(); None once done or failed
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.WAITING)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    contacts_created = models.PositiveIntegerField(default=0)
    contacts_changed = models.PositiveIntegerField(default=0)
    contacts_unchanged = models.PositiveIntegerField(default=0)
    needs_created = models.PositiveIntegerField(default=0)
    situations_created = models.PositiveIntegerField(default=0)
    links_created = models.PositiveIntegerField(default=0)
    links_changed = models.PositiveIntegerField(default=0)
    failure = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ("-ordered_at", "-pk")

    def __str__(self) -> str:
        return f"{self.municipality_id} / {self.ordered_at:%Y-%m-%d %H:%M} / {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def changed_nothing(self) -> bool:
        return not any(getattr(self, name) for name in self.CHANGES)
