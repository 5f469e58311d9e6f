"""The managers' set-up of the relatives' survey: questionnaires, indicators, waves and results from outside.

Managers (the group "Leder", staff) use these screens; every choice is limited to their own municipality
(portal.admin_scoping). Nothing is typed as JSON or as an id: a question's answers are written one per
line, an indicator's positive answers are ticked among its question's answers, a wave's open link is a
tick box, and a result measured outside the portal is entered as the share and n its report gives.
"""

import uuid
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminTextareaWidget
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from portal.admin_scoping import MunicipalityScopedAdmin, MunicipalityScopedInline

from .models import (
    DEFAULT_POSITIVE,
    DONT_KNOW,
    ExternalResult,
    Indicator,
    Question,
    Response,
    Scale,
    Survey,
    Wave,
    YesNo,
)

# --- Questions --------------------------------------------------------------------------------------


class LinesField(forms.CharField):
    """A list of texts, written one per line (blank lines and spaces around each line are left out)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", AdminTextareaWidget(attrs={"rows": 4}))
        super().__init__(required=False, **kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return list(value)
        return [line.strip() for line in super().to_python(value).splitlines() if line.strip()]


class QuestionForm(forms.ModelForm):
    choices = LinesField(
        label=capfirst(_("choices")),
        help_text=_("For single choice: one answer per line. “Don't know / not relevant” is added by itself."),
    )

    class Meta:
        model = Question
        fields = ["order", "kind", "required", "text", "choices", "theme", "text_en"]
        widgets = {"text": AdminTextareaWidget(attrs={"rows": 2}), "text_en": AdminTextareaWidget(attrs={"rows": 2})}


class QuestionFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            if form.instance.pk is not None and form.instance.answers.exists():
                raise ValidationError(
                    _("“%(question)s” has answers, so it cannot be deleted."), params={"question": form.instance}
                )


class QuestionInline(MunicipalityScopedInline):
    model = Question
    form = QuestionForm
    formset = QuestionFormSet
    extra = 0
    ordering = ["order", "pk"]
    fields = [("order", "kind", "required"), "text", "choices", "theme", "text_en"]


def has_responses(survey_or_wave) -> bool:
    lookup = "wave__survey" if isinstance(survey_or_wave, Survey) else "wave"
    return Response.objects.filter(**{lookup: survey_or_wave}).exists()


@admin.register(Survey)
class SurveyAdmin(MunicipalityScopedAdmin):
    list_display = ["title", "municipality"]
    fields = ["municipality", "title", "intro", "title_en", "intro_en"]
    inlines = [QuestionInline]

    def has_delete_permission(self, request, obj=None):
        # Deleting would delete the anonymous answers too, which nobody can give again.
        return super().has_delete_permission(request, obj) and not (obj is not None and has_responses(obj))


# --- Indicators -------------------------------------------------------------------------------------

ANSWER_LABELS = dict(Scale.choices) | dict(YesNo.choices)


def positive_answer_choices(question: Question) -> list[tuple[str, str]]:
    """The answers of `question` that can count as positive (all but "don't know"), labelled as asked."""
    if question.kind == Question.Kind.CHOICE:
        return [(choice, choice) for choice in question.choices]
    return [(value, ANSWER_LABELS[value]) for value in question.answer_values() if value != DONT_KNOW]


def question_label(question: Question) -> str:
    return f"{question.survey} · {question}"


class ShareField(forms.DecimalField):
    """A share from 0 to 1 (0.75 for 75 %), refused with a message that says so."""

    def __init__(self, **kwargs):
        super().__init__(required=False, decimal_places=3, **kwargs)

    def validate(self, value):
        super().validate(value)
        if value is not None and not 0 <= value <= 1:
            raise ValidationError(_("Give the share as a number from 0 to 1, e.g. 0.75 for 75 %."), code="share")


class IndicatorForm(forms.ModelForm):
    """Positive answers are ticked among the chosen question's answers and stored exactly as ticked."""

    positive_answers = forms.MultipleChoiceField(
        label=capfirst(_("answers counted as positive")),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose among the question's own answers.")},
        help_text=_(
            "Tick the answers that count as positive. None ticked: “To a very high degree” and “To a high "
            "degree” on the five-point scale, “Yes” on yes or no. A single-choice question has no default."
        ),
    )
    target = ShareField(label=capfirst(_("target share")), help_text=_("E.g. 0.75 for 75 %."))
    baseline = ShareField(
        label=capfirst(_("baseline share")), help_text=_("E.g. 0.66 for 66 %. Give its date as well.")
    )

    class Meta:
        model = Indicator
        fields = [
            "question", "name", "positive_answers", "theme", "is_headline", "order", "target", "deadline", "baseline",
            "baseline_date", "baseline_n", "baseline_note", "name_en",
        ]  # fmt: skip
        labels = {"question": capfirst(_("question"))}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "question" not in self.fields:
            return
        self.fields["question"].error_messages["invalid_choice"] = _(
            "Choose a question of your own survey with a scale, yes or no, or single choice."
        )
        question = self._chosen_question()
        if question is not None:
            self.fields["positive_answers"].choices = positive_answer_choices(question)
        else:  # no question chosen yet: every kind's answers, under the kind or the question they belong to
            scale, yes_no = Question(kind=Question.Kind.SCALE), Question(kind=Question.Kind.YES_NO)
            groups = [
                (Question.Kind.SCALE.label, positive_answer_choices(scale)),
                (Question.Kind.YES_NO.label, positive_answer_choices(yes_no)),
            ]
            for choice_question in self.fields["question"].queryset.filter(kind=Question.Kind.CHOICE):
                groups.append((str(choice_question), positive_answer_choices(choice_question)))
            self.fields["positive_answers"].choices = groups

    def _chosen_question(self) -> Question | None:
        """The question posted, else the one in the URL (?question=…) or the indicator's own."""
        if self.is_bound:
            key = self.data.get(self.add_prefix("question"))
        else:
            key = self.initial.get("question") or self.instance.question_id
        if not key:
            return None
        try:
            return self.fields["question"].queryset.filter(pk=key).first()
        except (ValueError, TypeError, ValidationError):
            return None

    def clean(self):
        cleaned_data = super().clean()
        question = cleaned_data.get("question")
        if question is not None and "positive_answers" in cleaned_data:
            answers = list(dict.fromkeys(cleaned_data["positive_answers"]))  # as ticked, each once
            cleaned_data["positive_answers"] = answers or list(DEFAULT_POSITIVE.get(question.kind, []))
            if not cleaned_data["positive_answers"]:
                self.add_error("positive_answers", _("Tick the answers that count as positive."))
        return cleaned_data


@admin.register(Indicator)
class IndicatorAdmin(MunicipalityScopedAdmin):
    form = IndicatorForm
    list_display = ["name", "question", "target", "deadline", "baseline", "is_headline", "order"]
    list_editable = ["order", "is_headline"]
    list_select_related = ["question"]
    fieldsets = [
        (None, {"fields": ["question", "name", "positive_answers", "theme", "is_headline", "order"]}),
        (_("Target"), {"fields": ["target", "deadline"]}),
        (_("Baseline"), {"fields": ["baseline", "baseline_date", "baseline_n", "baseline_note"]}),
        (_("English"), {"fields": ["name_en"], "classes": ["collapse"]}),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "question":
            # A free-text question cannot measure a target, so it is not offered.
            field.queryset = field.queryset.exclude(kind=Question.Kind.TEXT).select_related("survey")
            field.label_from_instance = question_label
        return field


# --- Waves and results measured outside the portal --------------------------------------------------


class ExternalResultForm(forms.ModelForm):
    """Entered as a report gives it: the share (in per cent) and n. The positive answers are worked out.

    positive = round(share × n / 100), half up; the share shown again is positive / n. The count is what
    is stored, so a result from outside is pooled and tested exactly like the portal's own answers.
    """

    share = forms.DecimalField(
        label=capfirst(_("share answering positively (%)")), help_text=_("As in the report, e.g. 66 for 66 %.")
    )

    class Meta:
        model = ExternalResult
        fields = ["indicator", "unit", "share", "n", "dont_know"]
        labels = {"indicator": capfirst(_("indicator")), "unit": capfirst(_("unit"))}
        help_texts = {
            "unit": _("Leave empty for the result of the whole municipality."),
            "n": _("The number of answers the share is out of, without “don't know”."),
            "dont_know": _("Answers “Don't know / not relevant”, if the report gives them."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        result = self.instance
        if result.pk is not None and result.n:
            share = Decimal(result.positive * 100) / Decimal(result.n)
            self.initial.setdefault("share", share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))

    def clean_share(self):
        share = self.cleaned_data["share"]
        if not 0 <= share <= 100:
            raise ValidationError(_("Give the share in per cent, from 0 to 100, e.g. 66 for 66 %."), code="share")
        return share

    def clean(self):
        cleaned_data = super().clean()
        share, n = cleaned_data.get("share"), cleaned_data.get("n")
        changed = self.instance.pk is None or {"share", "n"} & set(self.changed_data)
        if share is not None and n is not None and changed:
            self.instance.positive = int((share * n / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return cleaned_data


class ExternalResultFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        totals = set()  # the database's unique constraint does not see two rows without a unit
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or self._should_delete_form(form) or data.get("unit") is not None:
                continue
            if data.get("indicator") in totals:
                raise ValidationError(_("An indicator can have only one result for the whole municipality in a wave."))
            if data.get("indicator") is not None:
                totals.add(data["indicator"])


class ExternalResultInline(MunicipalityScopedInline):
    model = ExternalResult
    form = ExternalResultForm
    formset = ExternalResultFormSet
    extra = 0
    fields = [("indicator", "unit"), ("share", "n", "dont_know"), "positive_count"]
    readonly_fields = ["positive_count"]

    @admin.display(description=_("positive answers (worked out from share and n)"))
    def positive_count(self, result):
        return result.positive if result.pk is not None else "–"


class WaveForm(forms.ModelForm):
    has_open_link = forms.BooleanField(
        label=capfirst(_("open link")),
        required=False,
        help_text=_(
            "An anonymous link anyone may answer, made when you save. Its address is shown here and on the "
            "survey overview. Untick to close it."
        ),
    )

    class Meta:
        model = Wave
        fields = ["survey", "name", "opens_on", "closes_on", "units", "is_external", "has_open_link", "open_link_limit"]
        labels = {"survey": capfirst(_("survey"))}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["has_open_link"].initial = self.instance.open_link_key is not None

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("has_open_link") and cleaned_data.get("is_external"):
            self.add_error(
                "has_open_link", _("A wave measured outside the portal takes no answers, so it has no open link.")
            )
        survey, units = cleaned_data.get("survey"), cleaned_data.get("units")
        if survey is not None and units and any(unit.municipality_id != survey.municipality_id for unit in units):
            self.add_error("units", _("Choose units of the survey's own municipality."))
        if not cleaned_data.get("has_open_link"):
            self.instance.open_link_key = None
        elif self.instance.open_link_key is None:
            self.instance.open_link_key = uuid.uuid4()
        return cleaned_data


@admin.register(Wave)
class WaveAdmin(MunicipalityScopedAdmin):
    form = WaveForm
    list_display = ["name", "survey", "opens_on", "closes_on", "is_external"]
    list_select_related = ["survey"]
    fields = [
        "survey", "name", ("opens_on", "closes_on"), "units", "is_external", "has_open_link", "open_link_address",
        "open_link_limit",
    ]  # fmt: skip
    readonly_fields = ["open_link_address"]
    filter_horizontal = ["units"]
    inlines = [ExternalResultInline]

    def get_inlines(self, request, obj):
        # Results from outside belong to a wave measured outside the portal (a new wave may become one).
        if obj is None or obj.is_external or obj.external_results.exists():
            return self.inlines
        return []

    @admin.display(description=_("address of the open link"))
    def open_link_address(self, wave):
        return reverse("surveys:open-link", args=[wave.open_link_key]) if wave.open_link_key else "–"

    def has_delete_permission(self, request, obj=None):
        # Deleting would delete the anonymous answers too, which nobody can give again.
        return super().has_delete_permission(request, obj) and not (obj is not None and has_responses(obj))
