"""The relatives' survey: questionnaires, indicators tied to the policy's targets, waves and answers.

Answers are anonymous: a response records its wave, its unit and the day it came, nothing else; it
has a random id and no link to the invitation that allowed it, and an invitation keeps only the day it
was used. Invitation codes are stored as hashes.
"""

import uuid

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import Municipality, Page, TranslatedFieldsMixin, Unit


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
DEFAULT_POSITIVE = {"scale": [Scale.VERY_HIGH.value, Scale.HIGH.value], "yes_no": [YesNo.YES.value]}
ANSWER_MAX_LENGTH = 100  # Answer.value


def _related(obj: models.Model, name: str):
    """obj.<name>, or None when it is not set (e.g. a form left it empty)."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


class FieldErrorsMixin:
    """Checks across fields in clean(), each error on its field, that also suit a form showing only some fields.

    `full_clean(exclude=…)` names the fields a ModelForm leaves out of model validation: those it does not
    show (e.g. the admin's list_editable rows, or `positive`, which the admin works out from share and n)
    and those already wrong on the form. Like Django's own constraint checks, clean() skips a check that
    involves such a field (`self.checks(...)`); an error on a field the form lacks would otherwise crash it
    (ValueError), so one that is raised anyway goes to the form as a whole.
    """

    _not_on_form: frozenset = frozenset()

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True):
        self._not_on_form = frozenset(exclude or ())
        try:
            super().full_clean(exclude, validate_unique, validate_constraints)
        finally:
            self._not_on_form = frozenset()

    def checks(self, *fields: str) -> bool:
        """Whether to check these fields now: not when full_clean leaves one of them out."""
        return not self._not_on_form.intersection(fields)

    def raise_errors(self, errors: dict) -> None:
        """Raise the errors ({field: message or messages}) found by clean(), if there are any."""
        placed: dict[str, list] = {}
        for name, messages in errors.items():
            target = NON_FIELD_ERRORS if name in self._not_on_form else name
            placed.setdefault(target, []).extend(messages if isinstance(messages, list) else [messages])
        if placed:
            raise ValidationError(placed)


class Survey(TranslatedFieldsMixin, models.Model):
    MUNICIPALITY_LOOKUP = "municipality"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="surveys")
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    intro = models.TextField(_("introduction"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)

    class Meta:
        ordering = ["municipality", "title"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.title


class Question(FieldErrorsMixin, TranslatedFieldsMixin, models.Model):
    MUNICIPALITY_LOOKUP = "survey__municipality"

    class Kind(models.TextChoices):
        SCALE = "scale", _("Five-point scale")
        YES_NO = "yes_no", _("Yes or no")
        CHOICE = "choice", _("Single choice")
        TEXT = "text", _("Free text")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveIntegerField(_("order"), default=0)
    text = models.TextField(_("question"))
    text_en = models.TextField(_("question (English)"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    choices = models.JSONField(
        _("choices"), default=list, blank=True, help_text=_("For single choice: the answers, one per item.")
    )
    required = models.BooleanField(_("required"), default=False)
    theme = models.ForeignKey(
        Page, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("policy theme")
    )

    class Meta:
        ordering = ["survey", "order", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text[:80]

    def clean(self) -> None:
        errors: dict[str, list] = {}
        choices = self.choices
        if not self.checks("kind", "choices"):
            pass
        elif not isinstance(choices, list) or not all(isinstance(choice, str) and choice.strip() for choice in choices):
            errors["choices"] = [_("Write each answer as a text, one per line.")]
        elif self.kind == self.Kind.CHOICE:
            problems = []
            if len(choices) < 2:
                problems.append(_("A single-choice question needs at least two answers."))
            if len(set(choices)) < len(choices):
                problems.append(_("Each answer may appear only once."))
            if DONT_KNOW in choices:
                problems.append(_("“ved_ikke” is kept for “Don't know / not relevant”, which is added by itself."))
            if any(len(choice) > ANSWER_MAX_LENGTH for choice in choices):
                problems.append(_("An answer can be at most 100 characters long."))
            if problems:
                errors["choices"] = problems
        elif choices:
            errors["choices"] = [_("Only a single-choice question lists its answers here. Leave this empty.")]
        if self.checks("kind", "choices") and "choices" not in errors and self.pk is not None:
            self._check_indicators_still_fit(errors)
        survey = _related(self, "survey")
        theme = _related(self, "theme") if self.checks("theme") else None
        if survey is not None and theme is not None and theme.municipality_id != survey.municipality_id:
            errors["theme"] = [_("Choose a page of the survey's own municipality's policy.")]
        self.raise_errors(errors)

    def _check_indicators_still_fit(self, errors: dict) -> None:
        """A question an indicator measures keeps the answers the indicator counts as positive."""
        allowed = set(self.answer_values()) - {DONT_KNOW}
        for indicator in self.indicators.all():
            if self.kind == self.Kind.TEXT:
                errors["kind"] = [_("An indicator measures this question, so it cannot be free text.")]
                return
            lost = [answer for answer in indicator.positive_answers if answer not in allowed]
            if lost:
                field = "choices" if self.kind == self.Kind.CHOICE else "kind"
                message = _(
                    "The indicator “%(indicator)s” counts “%(answer)s” as positive. Change the indicator first."
                )
                errors.setdefault(field, []).append(message % {"indicator": indicator.name, "answer": lost[0]})

    def answer_values(self) -> list[str]:
        """The values an answer may take (empty for free text)."""
        if self.kind == self.Kind.SCALE:
            return list(Scale.values)
        if self.kind == self.Kind.YES_NO:
            return list(YesNo.values)
        if self.kind == self.Kind.CHOICE:
            return [*self.choices, DONT_KNOW]
        return []


class Indicator(FieldErrorsMixin, TranslatedFieldsMixin, models.Model):
    """A question tied to a target of the policy, e.g. Haderslev's "75 % by 2024"."""

    MUNICIPALITY_LOOKUP = "question__survey__municipality"

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
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
        ordering = ["order", "pk"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.CheckConstraint(
                condition=Q(baseline__isnull=True) | Q(baseline_date__isnull=False), name="baseline_has_date"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def fill_in_default_positive_answers(self) -> None:
        """None chosen: the top two of the scale, or "yes" (a single-choice question has no default)."""
        if self.question_id and not self.positive_answers:
            self.positive_answers = list(DEFAULT_POSITIVE.get(self.question.kind, []))

    def clean_fields(self, exclude=None) -> None:
        self.fill_in_default_positive_answers()  # before the field check, which refuses an empty list
        super().clean_fields(exclude)

    def clean(self) -> None:
        self.fill_in_default_positive_answers()
        errors: dict[str, str] = {}
        question = _related(self, "question") if self.checks("question") else None
        if question is not None and question.kind == Question.Kind.TEXT:
            errors["question"] = _("A free-text question cannot measure a target.")
        elif question is not None:
            answers = self.positive_answers
            if not self.checks("positive_answers"):
                pass
            elif not answers:
                errors["positive_answers"] = _("Tick the answers that count as positive.")
            elif not isinstance(answers, list) or not set(answers) <= set(question.answer_values()) - {DONT_KNOW}:
                errors["positive_answers"] = _("Choose among the question's own answers.")
            theme = _related(self, "theme") if self.checks("theme") else None
            if theme is not None and theme.municipality_id != question.survey.municipality_id:
                errors["theme"] = _("Choose a page of the survey's own municipality's policy.")
        if self.checks("baseline", "baseline_date", "baseline_n"):
            if self.baseline is not None and not self.baseline_date:
                errors["baseline_date"] = _("Give the date of the baseline.")
            if self.baseline is None and (self.baseline_date or self.baseline_n is not None):
                errors["baseline"] = _("Give the baseline share, or leave its date and n empty.")
        dates = (self.baseline_date, self.deadline)
        if self.checks("deadline", "baseline_date") and None not in dates and dates[1] < dates[0]:
            errors["deadline"] = _("The deadline cannot be before the date of the baseline.")
        self.raise_errors(errors)


class Wave(FieldErrorsMixin, TranslatedFieldsMixin, models.Model):
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
        ordering = ["survey", "opens_on", "pk"]
        verbose_name = _("wave")
        verbose_name_plural = _("waves")
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="wave_closes_after_opening")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.checks("opens_on", "closes_on") and self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            self.raise_errors({"closes_on": _("A wave cannot close before it opens.")})

    def is_open_on(self, day) -> bool:
        return not self.is_external and self.opens_on <= day <= self.closes_on


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


class Response(models.Model):
    """One anonymous answer to a wave: no user, no invitation, no time of day."""

    MUNICIPALITY_LOOKUP = "wave__survey__municipality"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="responses")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    submitted_on = models.DateField()
    via_open_link = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")

    def __str__(self) -> str:
        return f"{self.wave} {self.submitted_on}"


class Answer(models.Model):
    MUNICIPALITY_LOOKUP = "response__wave__survey__municipality"

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    value = models.CharField(max_length=100, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question")]
        indexes = [models.Index(fields=["question", "value"])]

    def __str__(self) -> str:
        return self.value or self.text[:40]


class ExternalResult(FieldErrorsMixin, models.Model):
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
        constraints = [
            models.CheckConstraint(condition=Q(positive__lte=models.F("n")), name="positive_within_n"),
            models.UniqueConstraint(fields=["wave", "indicator", "unit"], name="one_external_result"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.positive}/{self.n}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.checks("n") and self.n is not None and self.n < 1:
            errors["n"] = _("n must be at least 1: the number of answers the share is out of.")
        elif self.checks("positive", "n") and None not in (self.positive, self.n) and self.positive > self.n:
            errors["positive"] = _("There cannot be more positive answers than answers (n).")
        wave = _related(self, "wave")
        survey = _related(wave, "survey") if wave is not None else None
        if wave is not None and not wave.is_external:
            errors[NON_FIELD_ERRORS] = _(
                "Results measured outside the portal belong to a wave marked “measured outside the portal”."
            )
        indicator = _related(self, "indicator") if self.checks("indicator") else None
        if survey is not None and indicator is not None and indicator.question.survey_id != survey.pk:
            errors["indicator"] = _("Choose an indicator of the wave's own survey.")
        unit = _related(self, "unit") if self.checks("unit") else None
        if survey is not None and unit is not None and unit.municipality_id != survey.municipality_id:
            errors["unit"] = _("Choose a unit of the survey's own municipality.")
        self.raise_errors(errors)
