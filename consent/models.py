"""Aabenraa's model for systematic cooperation with relatives, as records a caseworker keeps.

Dialog med borger → Samtykke → Gensidighed → Aftaler og opfølgning. Consents are never edited in
place: a change or a revocation is a new version whose `supersedes` points at the one it replaces,
so the history stays and two people cannot both replace the same version (a unique constraint).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.models import Municipality, Unit

from .cpr import mask


class InformationCategory(models.TextChoices):
    """The kinds of information covered by the duty of confidentiality (tavshedspligt)."""

    HEALTH = "helbred", pgettext_lazy("kind of information", "Health")
    TREATMENT = "behandling", _("Treatment")
    SOCIAL = "sociale_forhold", _("Social circumstances")
    ADDICTION = "misbrug", _("Substance abuse")
    FINANCES = "oekonomi", _("Finances")
    CRIMINAL = "strafbare_forhold", _("Criminal matters")
    PRACTICAL = "praktiske_forhold", _("Practical matters")


CLOSING_REASONS = [
    ("moved", _("Moved away")),
    ("died", _("Died")),
    ("no_help", _("No longer receives help")),
]


class Citizen(models.Model):
    MUNICIPALITY_LOOKUP = "municipality"

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="citizens", verbose_name=_("municipality")
    )
    name = models.CharField(_("name"), max_length=200)
    cpr_digest = models.CharField(max_length=64, editable=False)
    birth_date = models.DateField(_("date of birth"), editable=False, null=True)  # None once erased
    cpr_birth_part = models.CharField(max_length=6, editable=False)
    units = models.ManyToManyField(Unit, related_name="citizens", verbose_name=_("units"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Closing the course makes the record read-only; after the retention period it is erased
    # (consent.retention): what stays is anonymous.
    closed_on = models.DateField(_("course closed on"), null=True, blank=True)
    closed_because = models.CharField(_("why the course closed"), max_length=20, choices=CLOSING_REASONS, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)

    class Meta:
        ordering = ("name", "pk")
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")
        constraints = (
            models.UniqueConstraint(fields=["municipality", "cpr_digest"], name="citizen_cpr_once_per_municipality"),
        )

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("consent:citizen", args=[self.pk])

    @property
    def cpr_masked(self) -> str:
        return mask(self.cpr_birth_part) if self.cpr_birth_part else "\N{EN DASH}"

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None


class Relative(models.Model):
    """A person in the citizen's network: a relative, a friend, a neighbour, or another professional."""

    MUNICIPALITY_LOOKUP = "citizen__municipality"

    class Kind(models.TextChoices):
        RELATIVE = "relative", _("Relative or friend")
        PROFESSIONAL = "professional", _("Other professional")

    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="relatives")
    name = models.CharField(_("name"), max_length=200)
    relation = models.CharField(_("relation to the citizen"), max_length=100, help_text=_("E.g. daughter, neighbour."))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.RELATIVE)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_minor = models.BooleanField(_("under 18"), default=False)
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="relative_of",
        verbose_name=_("is also a member of staff"),
        help_text=_("A member of staff who is this citizen's relative may not open the citizen's records."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name", "pk")
        verbose_name = _("relative")
        verbose_name_plural = _("relatives")

    def __str__(self) -> str:
        return f"{self.name} ({self.relation})"


class Dialogue(models.Model):
    """Dialog med borger, with gensidighed: who the relatives are, how the citizen wants them involved."""

    MUNICIPALITY_LOOKUP = "citizen__municipality"

    class Involvement(models.TextChoices):
        YES = "yes", _("Yes, the citizen wants relatives involved")
        PARTLY = "partly", _("Partly")
        NOT_NOW = "not_now", _("No, not now")

    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="dialogues")
    held_on = models.DateField(_("date of the conversation"), default=timezone.localdate)
    involvement = models.CharField(_("involvement of relatives"), max_length=10, choices=Involvement.choices)
    how_involved = models.TextField(_("how the citizen wants them involved"), blank=True)
    citizen_expectations = models.TextField(_("the citizen's expectations of the relatives"), blank=True)
    relatives_expectations = models.TextField(_("the relatives' expectations"), blank=True)
    staff_offer = models.TextField(_("what staff can offer, and the limits"), blank=True)
    ask_again_on = models.DateField(_("ask again on"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-held_on", "-pk")
        verbose_name = _("dialogue with the citizen")
        verbose_name_plural = _("dialogues with the citizen")
        constraints = (
            models.CheckConstraint(
                condition=~Q(involvement="not_now") | Q(ask_again_on__isnull=False), name="not_now_needs_ask_again"
            ),
        )

    def __str__(self) -> str:
        return f"{self.held_on}: {self.get_involvement_display()}"


class Consent(models.Model):
    """One version of a consent (or refusal) about one relative. Never changed after it is saved."""

    MUNICIPALITY_LOOKUP = "citizen__municipality"

    class Decision(models.TextChoices):
        PERMIT = "permit", _("Permitted")
        REFUSE = "refuse", _("Refused")
        REVOKED = "revoked", _("Revoked")

    class Form(models.TextChoices):
        ORAL = "oral", _("Orally")
        WRITTEN = "written", _("In writing")

    class Grantor(models.TextChoices):
        CITIZEN = "citizen", _("The citizen")
        GUARDIAN = "guardian", _("Guardian (værge) whose appointment covers health matters")
        POWER_OF_ATTORNEY = "power_of_attorney", _("Lasting power of attorney (fremtidsfuldmægtig)")

    class Contact(models.TextChoices):
        STAFF_MAY_CONTACT = "staff", _("Staff may contact the relative")
        CITIZEN_CONTACTS = "citizen", _("The citizen contacts the relative")

    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="consents")
    relative = models.ForeignKey(Relative, on_delete=models.PROTECT, related_name="consents")
    # One-to-one: only one version can replace a given version, so of two people saving a change to
    # the same consent at once, the database refuses the second (consent.services tells them).
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    categories = models.JSONField(_("kinds of information"), default=list)
    contact = models.CharField(_("contact"), max_length=10, choices=Contact.choices, blank=True)
    form = models.CharField(_("given"), max_length=10, choices=Form.choices)
    oral_note = models.TextField(_("note of the conversation"), blank=True)
    grantor = models.CharField(_("given by"), max_length=20, choices=Grantor.choices, default=Grantor.CITIZEN)
    grantor_document = models.CharField(
        _("document reference"), max_length=200, blank=True, help_text=_("The appointment or power of attorney.")
    )
    given_on = models.DateField(_("given on"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why it was revoked or changed."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-recorded_at", "-pk")
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        # The rules of consent.rules.validate_consent that the database can hold, as a last guard: the
        # services check the rules first and tell the user; these refuse what slipped past.
        constraints = (
            models.CheckConstraint(
                condition=~Q(form="oral") | ~Q(oral_note="") | Q(decision="revoked"), name="oral_consent_has_note"
            ),
            models.CheckConstraint(
                condition=Q(grantor="citizen") | ~Q(grantor_document=""), name="representative_has_document"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="consent_period_in_order",
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_decision_display()}: {self.relative.name}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError("Consent versions are never changed: record a new version.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Consent versions are never deleted.")

    def covers(self, category: str) -> bool:
        return category in self.categories


class Agreement(models.Model):
    """Aftaler og opfølgning: who does what, and when to follow up."""

    MUNICIPALITY_LOOKUP = "citizen__municipality"

    class Party(models.TextChoices):
        CITIZEN = "citizen", _("The citizen")
        RELATIVE = "relative", _("A relative")
        STAFF = "staff", _("Staff")

    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="agreements")
    description = models.TextField(_("what was agreed"))
    responsible = models.CharField(_("who does it"), max_length=10, choices=Party.choices)
    relative = models.ForeignKey(
        Relative, on_delete=models.PROTECT, null=True, blank=True, related_name="agreements", verbose_name=_("relative")
    )
    follow_up_every_days = models.PositiveIntegerField(_("follow up every (days)"))
    next_follow_up = models.DateField(_("next follow-up"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible caseworker"),
        help_text=_("Who is reminded of the follow-ups: at first whoever recorded the agreement."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ("next_follow_up", "pk")
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = (
            models.CheckConstraint(
                condition=~Q(responsible="relative") | Q(relative__isnull=False),
                name="relative_agreement_names_relative",
            ),
            models.CheckConstraint(condition=Q(follow_up_every_days__gte=1), name="follow_up_interval_positive"),
        )

    def __str__(self) -> str:
        return self.description[:60]


class FollowUp(models.Model):
    """One follow-up on an agreement: how it went, and when to follow up next (unless it ends)."""

    MUNICIPALITY_LOOKUP = "agreement__citizen__municipality"

    class Outcome(models.TextChoices):
        CONTINUE = "continue", _("Continue")
        CHANGE = "change", _("Change")
        END = "end", _("End")
        REASSESS = "reassess", _("Re-assess")

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="follow_ups")
    held_on = models.DateField(_("date"), default=timezone.localdate)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    note = models.TextField(_("note"), blank=True)
    next_date = models.DateField(_("next follow-up"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-held_on", "-pk")
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        return f"{self.held_on}: {self.get_outcome_display()}"


class HelpChange(models.Model):
    """A change in the help the citizen receives, recorded so that the relatives who may be told are told.

    Haderslev's policy, theme 1: "Det betyder meget, når kommunen selv følger op og giver pårørende besked
    ved ændringer i hjælpen." Which relatives may be told is "Må jeg oplyse?" for the kind of information
    (`category`), asked by consent.help_changes. Append-only (a PostgreSQL trigger): only the erasure
    after the retention period blanks the free text.
    """

    MUNICIPALITY_LOOKUP = "citizen__municipality"

    class Kind(models.TextChoices):
        NEW_HELP = "new_help", _("New help")
        ENDED_HELP = "ended_help", _("Help ended")
        CHANGED_TIMES = "changed_times", _("Changed times")
        CARE_HOME = "care_home", _("Move to a care home")
        HOSPITAL = "hospital", _("Hospital stay")

    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="help_changes")
    kind = models.CharField(_("what changed"), max_length=20, choices=Kind.choices)
    category = models.CharField(
        _("kind of information"),
        max_length=20,
        choices=InformationCategory.choices,
        help_text=_("What the relatives would be told about. Only those with a consent that covers it may be told."),
    )
    changes_on = models.DateField(_("from"))
    summary = models.TextField(
        _("what the relatives may be told"),
        help_text=_("In plain words, and no more than the consent covers: no diagnoses, no other matters."),
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-changes_on", "-pk")
        verbose_name = _("change in the help")
        verbose_name_plural = _("changes in the help")

    def __str__(self) -> str:
        return f"{self.changes_on}: {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("consent:help-change", args=[self.pk])


class RelativeTold(models.Model):
    """One relative told about a change in the help: how, when, what they were told, and the consent that allowed it.

    Written by consent.services.record_relative_told only, after it asked "Må jeg oplyse?" for the day told.
    Each telling is a row of its own, so two caseworkers recording at once both keep what they recorded.
    """

    MUNICIPALITY_LOOKUP = "help_change__citizen__municipality"

    class How(models.TextChoices):
        PHONE = "phone", _("By phone")
        LETTER = "letter", _("By letter")
        EMAIL = "email", _("By e-mail")
        IN_PERSON = "in_person", _("In person")

    help_change = models.ForeignKey(HelpChange, on_delete=models.PROTECT, related_name="told")
    relative = models.ForeignKey(Relative, on_delete=models.PROTECT, related_name="+")
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="+")
    how = models.CharField(_("how"), max_length=10, choices=How.choices)
    told_on = models.DateField(_("told on"))
    message = models.TextField(_("what the relative was told"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("told_on", "recorded_at", "pk")
        verbose_name = _("relative told")
        verbose_name_plural = _("relatives told")

    def __str__(self) -> str:
        return f"{self.told_on}: {self.relative_id} ({self.how})"


class AuditEvent(models.Model):
    """Append-only: who looked at or changed a citizen's consent data, and when. Ids only, no personal data."""

    class Event(models.TextChoices):
        CITIZEN_REGISTERED = "citizen.registered", _("Registered the citizen")
        CITIZEN_VIEWED = "citizen.viewed", _("Opened the citizen's page")
        CITIZEN_FOUND = "citizen.found", _("Found the citizen by search")
        RELATIVE_ADDED = "relative.added", _("Added a relative")
        DIALOGUE_RECORDED = "dialogue.recorded", _("Recorded a dialogue")
        CONSENT_RECORDED = "consent.recorded", _("Recorded a consent")
        CONSENT_CHANGED = "consent.changed", _("Changed a consent (new version)")
        CONSENT_REVOKED = "consent.revoked", _("Revoked a consent")
        DISCLOSURE_CHECKED = "disclosure.checked", _("Asked “may I tell?”")
        AGREEMENT_RECORDED = "agreement.recorded", _("Recorded an agreement")
        FOLLOW_UP_RECORDED = "follow_up.recorded", _("Recorded a follow-up")
        AGREEMENT_REASSIGNED = "agreement.reassigned", _("Gave an agreement to another caseworker")
        RECEIPT_VIEWED = "receipt.viewed", _("Opened the receipt")
        FHIR_EXPORTED = "consent.exported", _("Exported consents (FHIR)")
        AUDIT_VIEWED = "audit.viewed", _("Viewed the log")
        RECORD_CORRECTED = "record.corrected", _("Corrected a record")
        CITIZEN_CLOSED = "citizen.closed", _("Closed the citizen's course")
        CITIZEN_ERASED = "citizen.erased", _("Erased the citizen's personal data (retention period over)")
        RETENTION_SET = "retention.set", _("Set the retention period")
        ACCESS_REQUEST_MADE = "access_request.made", _("Made the citizen's access request (GDPR art. 15)")
        BREAK_GLASS = "citizen.break_glass", _("Opened a citizen outside their own units, stating a reason")
        LOG_CHECKED = "log.checked", _("Looked through the log checks")
        LOG_EXPORTED = "log.exported", _("Exported the log checks")
        HELP_CHANGE_RECORDED = "help_change.recorded", _("Recorded a change in the help")
        HELP_CHANGE_CHECKED = "help_change.checked", _("Asked which relatives may be told about a change in the help")
        RELATIVE_TOLD = "relative.told", _("Recorded that a relative was told about a change in the help")

    MUNICIPALITY_LOOKUP = "municipality"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    # None: the portal itself (the daily erasure job).
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, null=True, related_name="audit_events")
    event = models.CharField(max_length=40, choices=Event.choices)
    payload = models.JSONField(default=dict, help_text=_("Ids of the objects concerned, never personal data."))

    class Meta:
        ordering = ("-at", "-pk")
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.event}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError("Audit events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Audit events are never deleted.")


class Correction(models.Model):
    """One correction of a record about a citizen: the earlier value, the new one, who, when and why.

    One generic history for every correctable record (a relative, a dialogue, an agreement, the citizen
    themself); consents are never corrected (a change is a new version). Written by consent.services
    only, in the same transaction as the change; erased with the citizen's other personal data.
    """

    MUNICIPALITY_LOOKUP = "citizen__municipality"

    class Record(models.TextChoices):
        CITIZEN = "citizen", _("The citizen")
        RELATIVE = "relative", _("Relative")
        DIALOGUE = "dialogue", _("Dialogue")
        AGREEMENT = "agreement", _("Agreement")

    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="corrections")
    record = models.CharField(max_length=20, choices=Record.choices)
    record_id = models.PositiveBigIntegerField()
    field = models.CharField(max_length=50)
    field_label = models.CharField(max_length=200)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    reason = models.TextField(_("why"))
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    corrected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-corrected_at", "-pk")
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")

    def __str__(self) -> str:
        return f"{self.record} {self.record_id}: {self.field}"


class RecordRetention(models.Model):
    """A municipality's own retention period for closed citizens' records (else settings.CONSENT_RETENTION_YEARS)."""

    MUNICIPALITY_LOOKUP = "municipality"

    municipality = models.OneToOneField(Municipality, on_delete=models.CASCADE, related_name="+")
    years = models.PositiveSmallIntegerField(_("retention period (years after the course closed)"))
    changed_at = models.DateTimeField(auto_now=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("retention period")
        verbose_name_plural = _("retention periods")
        constraints = (models.CheckConstraint(condition=Q(years__gte=1), name="retention_at_least_one_year"),)

    def __str__(self) -> str:
        return f"{self.municipality}: {self.years}"


class BreakGlass(models.Model):
    """An administrator's stated reason for opening a citizen outside their own units ("break the glass").

    It opens the citizen to that administrator for consent.access.BREAK_GLASS_HOURS. Append-only, like the
    log it is part of: the audit event `citizen.break_glass` carries this row's id, the reason stays here.
    """

    MUNICIPALITY_LOOKUP = "municipality"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="break_glass")
    reason = models.TextField(_("reason"))

    class Meta:
        ordering = ("-at", "-pk")
        verbose_name = _("access outside one's own units")
        verbose_name_plural = _("accesses outside one's own units")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} → {self.citizen_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError("A stated reason is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("A stated reason is never deleted.")
