"""The relatives' survey: questionnaires, indicators tied to the policy's targets, waves and answers.

Answers are anonymous: a response records its wave, its unit and the day it came, nothing else; it
has a random id and no link to the invitation that allowed it, and an invitation keeps only the day it
was used. Invitation codes are stored as hashes.

What a questionnaire, an indicator, a wave or a result from outside must be is in surveys.rules, and
every write goes through surveys.services, which checks those rules; the models hold the data and the
database's own constraints.
"""

import uuid
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.models import Area, Municipality, Page, TranslatedFieldsMixin, Unit, validate_interface_language


class Scale(models.TextChoices):
    """The five-point scale, plus "don't know / not relevant", which counts in no share."""

    VERY_HIGH = "i_meget_hoej_grad", _("To a very high degree")
    HIGH = "i_hoej_grad", _("To a high degree")
    SOME = "i_nogen_grad", _("To some degree")
    LOW = "i_mindre_grad", _("To a lesser degree")
    NOT_AT_ALL = "slet_ikke", _("Not at all")
    DONT_KNOW = "ved_ikke", _("Don't know / not relevant")


class YesNo(models.TextChoices):
    YES = "ja", _("Yes")
    NO = "nej", _("No")
    DONT_KNOW = "ved_ikke", _("Don't know / not relevant")


DONT_KNOW = "ved_ikke"
ANSWER_MAX_LENGTH = 100  # Answer.value


class Survey(TranslatedFieldsMixin, models.Model):
    TRANSLATED_FIELDS = ("title", "intro")

    MUNICIPALITY_LOOKUP = "municipality"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="surveys")
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)

    class Meta:
        ordering = ("municipality", "title")
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.title


class Question(TranslatedFieldsMixin, models.Model):
    # "choices" is translated as text, one answer per line in the Danish order (surveys.languages.translated_choices)
    TRANSLATED_FIELDS = ("text", "choices")

    MUNICIPALITY_LOOKUP = "survey__municipality"
    TRANSLATABLE_ROWS: ClassVar[dict] = {"is_current": True}  # an earlier version's wording is not asked any more

    class Kind(models.TextChoices):
        SCALE = "scale", _("Five-point scale")
        YES_NO = "yes_no", _("Yes or no")
        CHOICE = "choice", _("Single choice")
        TEXT = "text", _("Free text")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveIntegerField(_("order"), default=0)
    text = models.TextField(_("question"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    choices = models.JSONField(
        _("choices"), default=list, blank=True, help_text=_("For single choice: the answers, one per item.")
    )
    required = models.BooleanField(_("required"), default=False)
    theme = models.ForeignKey(
        Page, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("policy theme")
    )
    # Versions: once a question has answers its wording and choices are locked; a change makes a new question
    # (surveys.services.save_questions) that points to the one it replaces, which keeps its answers and text.
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_version", editable=False
    )
    is_current = models.BooleanField(_("current version"), default=True, editable=False)

    LOCKED_FIELDS = ("text", "kind", "choices")

    class Meta:
        ordering = ("survey", "order", "pk")
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text[:80]

    def source_text(self, field: str) -> str:
        if field == "choices":
            return "\n".join(self.choices or [])
        return super().source_text(field)

    def answer_values(self) -> list[str]:
        """The values an answer may take (empty for free text)."""
        if self.kind == self.Kind.SCALE:
            return list(Scale.values)
        if self.kind == self.Kind.YES_NO:
            return list(YesNo.values)
        if self.kind == self.Kind.CHOICE:
            return [*self.choices, DONT_KNOW]
        return []


class Indicator(TranslatedFieldsMixin, models.Model):
    """A question tied to a target of the policy, e.g. Haderslev's "75 % by 2024"."""

    TRANSLATED_FIELDS = ("name",)
    MUNICIPALITY_LOOKUP = "question__survey__municipality"

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("name"), max_length=200)
    positive_answers = models.JSONField(
        _("answers counted as positive"), default=list, help_text=_("Stored exactly; by default the top two.")
    )
    target = models.DecimalField(
        _("target share"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("E.g. 0.75 for 75 %."),
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    baseline = models.DecimalField(
        _("baseline share"), max_digits=4, decimal_places=3, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )  # fmt: skip
    baseline_date = models.DateField(_("baseline date"), null=True, blank=True)
    baseline_n = models.PositiveIntegerField(_("baseline n"), null=True, blank=True)
    baseline_note = models.TextField(_("about the baseline"), blank=True)
    theme = models.ForeignKey(
        Page, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("policy theme")
    )
    is_headline = models.BooleanField(_("shown on the public page"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ("order", "pk")
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = (
            models.CheckConstraint(
                condition=Q(baseline__isnull=True) | Q(baseline_date__isnull=False), name="baseline_has_date"
            ),
        )

    def __str__(self) -> str:
        return self.name


class Wave(TranslatedFieldsMixin, models.Model):
    """A round of the survey. An external wave holds results measured outside the portal, as aggregates."""

    MUNICIPALITY_LOOKUP = "survey__municipality"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="waves")
    name = models.CharField(_("name"), max_length=100, help_text=_("E.g. “2025”, “Marts 2021”."))
    opens_on = models.DateField(_("opens"))
    closes_on = models.DateField(_("closes"))
    units = models.ManyToManyField(Unit, blank=True, related_name="survey_waves", verbose_name=_("units"))
    is_external = models.BooleanField(
        _("measured outside the portal"), default=False, help_text=_("Results are entered as share and n.")
    )
    open_link_key = models.UUIDField(
        _("open link"), null=True, blank=True, unique=True, help_text=_("An anonymous link anyone may answer.")
    )
    open_link_limit = models.PositiveIntegerField(
        _("most answers through the open link"), default=500, help_text=_("Stops abuse of the open link.")
    )

    class Meta:
        ordering = ("survey", "opens_on", "pk")
        verbose_name = _("wave")
        verbose_name_plural = _("waves")
        constraints = (
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="wave_closes_after_opening"),
        )

    def __str__(self) -> str:
        return self.name

    def is_open_on(self, day) -> bool:
        """Whether relatives may answer on `day`."""
        return not self.is_external and self.opens_on <= day <= self.closes_on

    def opens_after(self, day) -> bool:
        """Whether the wave is still to open on `day` (a wave measured outside the portal never opens)."""
        return not self.is_external and day < self.opens_on

    def takes_invitations(self, day) -> bool:
        """Whether invitations may be handed out on `day`: until the wave closes, also before it opens."""
        return not self.is_external and day <= self.closes_on


class Invitation(models.Model):
    """A single-use code for one answer. Only a hash of the code is stored."""

    MUNICIPALITY_LOOKUP = "wave__survey__municipality"

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="invitations")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    code_digest = models.CharField(max_length=64, unique=True)
    used_on = models.DateField(null=True, blank=True)
    created_on = models.DateField(auto_now_add=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.wave} / {self.unit}"


class SurveyResponse(models.Model):
    """One anonymous answer to a wave: no user, no invitation, no time of day."""

    MUNICIPALITY_LOOKUP = "wave__survey__municipality"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="responses")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    submitted_on = models.DateField()
    via_open_link = models.BooleanField(default=False)
    # The interface language it was answered in; the answers themselves are the same in every language.
    language = models.CharField(
        pgettext_lazy("survey translations", "language"),
        max_length=10,
        default="da",
        validators=[validate_interface_language],
    )

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")

    def __str__(self) -> str:
        return f"{self.wave} {self.submitted_on}"


class Answer(models.Model):
    MUNICIPALITY_LOOKUP = "response__wave__survey__municipality"

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    value = models.CharField(max_length=100, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = (models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question"),)
        indexes = (models.Index(fields=["question", "value"]),)
        # Not given to a role by default: an administrator gives it to the managers who may read free text.
        permissions = (("view_answer_text", _("May download free-text answers")),)

    def __str__(self) -> str:
        return self.value or self.text[:40]


class ExternalResult(models.Model):
    """A result measured outside the portal (e.g. Haderslev's 2021 baseline), entered as share and n."""

    MUNICIPALITY_LOOKUP = "wave__survey__municipality"

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="external_results")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="external_results")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    positive = models.PositiveIntegerField(_("positive answers"))
    n = models.PositiveIntegerField(_("answers (n)"))
    dont_know = models.PositiveIntegerField(_("don't know"), default=0)

    class Meta:
        verbose_name = _("result measured outside the portal")
        verbose_name_plural = _("results measured outside the portal")
        constraints = (
            models.CheckConstraint(condition=Q(positive__lte=models.F("n")), name="positive_within_n"),
            models.UniqueConstraint(fields=["wave", "indicator", "unit"], name="one_external_result"),
        )

    def __str__(self) -> str:
        return f"{self.indicator}: {self.positive}/{self.n}"


class EmailBatch(models.Model):
    """A manager's order to e-mail invitations (or a reminder round) for one unit of a wave.

    The work is done by the task queue (surveys.tasks), one row per recipient (`InvitationEmail`); the batch
    only says what was asked, by whom and when. Its progress is counted from the rows.
    """

    MUNICIPALITY_LOOKUP = "wave__survey__municipality"

    class Kind(models.TextChoices):
        INVITATIONS = "invitations", _("invitations")
        REMINDERS = "reminders", _("reminders")

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="email_batches")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INVITATIONS)
    reminds = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="reminders")
    created_by = models.ForeignKey("portal.User", on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    base_url = models.CharField(max_length=200)
    language = models.CharField(
        _("language of the e-mails"), max_length=10, default="da", validators=[validate_interface_language]
    )
    failures_shown = models.BooleanField(default=False)

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = _("e-mail round")
        verbose_name_plural = _("e-mail rounds")

    def __str__(self) -> str:
        return f"{self.wave} / {self.unit} / {self.kind}"


class InvitationEmail(models.Model):
    """One e-mail of a batch, to one address.

    The address is kept only while it is needed: a failed address until the manager has seen it once, a sent
    one until the wave closes (for the reminder round to the invitations not yet used), then it is blanked by
    the scheduled job `surveys.tasks.forget_invitation_addresses`. The code is never stored in clear: the
    worker makes a fresh one when it sends, stores its hash on the invitation and puts the code in the e-mail.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("already answered")

    batch = models.ForeignKey(EmailBatch, on_delete=models.CASCADE, related_name="emails")
    invitation = models.ForeignKey(Invitation, on_delete=models.SET_NULL, null=True, related_name="+")
    address = models.CharField(max_length=254, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.WAITING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claim = models.UUIDField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("invitation e-mail")
        verbose_name_plural = _("invitation e-mails")
        indexes = (models.Index(fields=("batch", "status", "next_attempt_at"), name="invitation_email_queue"),)

    def __str__(self) -> str:
        return f"{self.batch_id} / {self.pk}"


# --- from results to action: the local action plans ------------------------------------------------


class ActionPlan(models.Model):
    """A unit's or an area's plan for a year (Rudersdal: "handleplaner for hvert center eller afdeling"):
    actions tied to the policy's themes and the indicators they are meant to move."""

    MUNICIPALITY_LOOKUP = "municipality"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="action_plans")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="action_plans", verbose_name=_("unit")
    )
    area = models.CharField(_("area"), max_length=20, choices=Area.choices, blank=True)
    year = models.PositiveIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    theme = models.ForeignKey(
        Page, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("policy theme")
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ("municipality", "-year", "area", "unit__name", "pk")
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        constraints = (
            models.CheckConstraint(
                condition=(Q(unit__isnull=False) & Q(area="")) | (Q(unit__isnull=True) & ~Q(area="")),
                name="action_plan_for_a_unit_or_an_area",
            ),
        )

    def __str__(self) -> str:
        return self.title

    @property
    def for_whom(self) -> str:
        return self.unit.name if self.unit_id else str(Area(self.area).label)


class Action(models.Model):
    """One action of a plan: who, from when to when, how far it has come, and which indicators it should move."""

    MUNICIPALITY_LOOKUP = "plan__municipality"

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        UNDER_WAY = "under_way", _("Under way")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(_("action"), max_length=300)
    owner_name = models.CharField(_("owner"), max_length=200, blank=True, help_text=_("A name or a team."))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner on the staff"),
    )
    starts_on = models.DateField(_("start"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    note = models.TextField(_("what was done"), blank=True)
    indicators = models.ManyToManyField(
        Indicator, blank=True, related_name="actions", verbose_name=_("indicators it should move")
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ("plan", "deadline", "pk")
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = (
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("starts_on")), name="action_deadline_after_start"
            ),
        )

    def __str__(self) -> str:
        return self.title

    @property
    def owner_text(self) -> str:
        return self.owner.display_name if self.owner_id else self.owner_name


class YearlyReport(models.Model):
    """The yearly follow-up report's own words (Rudersdal: "vedtager en årlig opfølgning"): its figures are
    worked out when it is shown (surveys.report), only the summary and whether it is published are kept."""

    MUNICIPALITY_LOOKUP = "municipality"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="yearly_reports")
    year = models.PositiveIntegerField(_("year"))
    summary = models.TextField(_("summary"), blank=True)
    is_published = models.BooleanField(
        _("published"), default=False, help_text=_("The public web version is linked from “How it is going”.")
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ("municipality", "-year")
        verbose_name = _("yearly report")
        verbose_name_plural = _("yearly reports")
        constraints = (models.UniqueConstraint(fields=["municipality", "year"], name="one_report_per_year"),)

    def __str__(self) -> str:
        return f"{self.municipality} {self.year}"
