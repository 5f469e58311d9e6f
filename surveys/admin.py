"""The managers' set-up of the relatives' survey: questionnaires, indicators, waves and results from outside.

Managers (the group "Leder", staff) use these screens. Rows and choices come from surveys.access.survey_policy:
a manager's own municipality's. Nothing is typed as JSON or as an id: a question's answers are written one
per line, an indicator's positive answers are ticked among its question's answers, a wave's open link is a
tick box, and a result measured outside the portal is entered as the share and n its report gives.

The forms read the input; the survey's rules are checked by surveys.services (`check_*` in the forms'
clean(), so each message stands at its field) and every save and delete goes through a service.
"""

from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminTextareaWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet, construct_instance
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from portal.admin_scoping import MunicipalityScopedAdmin, MunicipalityScopedInline
from portal.errors import RuleViolation, show_on_form

from . import rules, services
from .access import survey_policy
from .models import DONT_KNOW, ExternalResult, Indicator, Question, Scale, Survey, Wave, YesNo

NOT_SET = "\u2013"  # an en dash, shown where there is nothing yet

# --- forms and admin classes that ask the services ---------------------------------------------------


def unchecked_fields(form: forms.ModelForm) -> frozenset[str]:
    """The model's fields a form has no value of to check: those it does not show, and those it refused."""
    shown = {name for name in form.fields if name not in form.errors}
    return frozenset(f.name for f in form._meta.model._meta.get_fields() if f.name not in shown)


class RuleCheckedForm(forms.ModelForm):
    """A form whose clean() asks the service's check of the survey's rules (Django checks the fields and
    the constraints itself); each message goes to its field, or to the top for one the form does not show."""

    def check_rules(self, candidate, unchecked: frozenset[str]) -> None:
        raise NotImplementedError

    def clean(self):
        cleaned_data = super().clean()
        candidate = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)
        try:
            self.check_rules(candidate, unchecked_fields(self))
        except RuleViolation as violation:
            show_on_form(self, violation)
        return cleaned_data


class SurveyPolicyChoices:
    """Choices of another model (a question, a unit, a page) as surveys.access.survey_policy allows them."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(db_field.related_model, "MUNICIPALITY_LOOKUP"):
            field.queryset = survey_policy.visible(request.user, db_field.related_model)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(db_field.related_model, "MUNICIPALITY_LOOKUP"):
            field.queryset = survey_policy.visible(request.user, db_field.related_model)
        return field


class SurveySetupAdmin(SurveyPolicyChoices, MunicipalityScopedAdmin):
    """Rows from surveys.access.survey_policy; deleting goes through services.delete_setup.

    Staff without the survey's permissions get 403 before any row is looked up.
    """

    def get_queryset(self, request):
        queryset = survey_policy.visible(request.user, self.model)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._permission_first(self.has_view_or_change_permission(request))
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._permission_first(self.has_delete_permission(request))
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._permission_first(self.has_view_or_change_permission(request))
        return super().history_view(request, object_id, extra_context)

    def has_delete_permission(self, request, obj=None):
        # Deleting a survey or a wave would delete the anonymous answers too, which nobody can give again.
        return super().has_delete_permission(request, obj) and (obj is None or services.may_delete(obj))

    @staticmethod
    def _permission_first(permitted: bool) -> None:
        if not permitted:
            raise PermissionDenied

    def delete_model(self, request, obj):
        services.delete_setup(obj=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.delete_setup(obj=obj)


class SurveySetupInline(SurveyPolicyChoices, MunicipalityScopedInline):
    extra = 0

    def get_queryset(self, request):
        return survey_policy.visible(request.user, super().get_queryset(request))


def formset_check(check, **inputs) -> None:
    """Ask a service's check for an inline as a whole: what it refuses is the inline's own error."""
    try:
        check(**inputs)
    except RuleViolation as violation:
        raise ValidationError(violation.messages) from violation


def save_inline(formset, save) -> None:
    """Save an inline's rows through `save(rows, deleted, unchecked)`, a service."""
    rows = formset.save(commit=False)
    save(rows, formset.deleted_objects, unchecked_fields(formset.empty_form))


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


class QuestionForm(RuleCheckedForm):
    choices = LinesField(
        label=capfirst(_("choices")),
        help_text=_("For single choice: one answer per line. “Don't know / not relevant” is added by itself."),
    )

    class Meta:
        model = Question
        fields = ("order", "kind", "required", "text", "choices", "theme")
        widgets = MappingProxyType({"text": AdminTextareaWidget(attrs={"rows": 2})})

    def check_rules(self, candidate, unchecked):
        services.check_question(question=candidate, unchecked=unchecked)


class QuestionFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            if form.instance.pk is not None:
                formset_check(services.check_deletable, obj=form.instance)


class QuestionInline(SurveySetupInline):
    model = Question
    form = QuestionForm
    formset = QuestionFormSet
    ordering = ("order", "pk")
    fields = (("order", "kind", "required"), "text", "choices", "theme")
    verbose_name_plural = _(
        "questions (a change to the wording or choices of a question with answers makes a new version)"
    )

    def get_queryset(self, request):
        # Earlier versions keep their answers and wording; only the current ones are asked and edited.
        return super().get_queryset(request).filter(is_current=True)


@admin.register(Survey)
class SurveyAdmin(SurveySetupAdmin):
    list_display = ("title", "municipality")
    fields = ("municipality", "title", "intro")
    inlines = (QuestionInline,)

    def save_model(self, request, obj, form, change):
        services.save_survey(survey=obj, unchecked=unchecked_fields(form))

    def save_formset(self, request, form, formset, change):
        save_inline(
            formset,
            lambda rows, deleted, unchecked: services.save_questions(
                questions=rows, deleted=deleted, unchecked=unchecked
            ),
        )


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


class IndicatorForm(RuleCheckedForm):
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
        fields = (
            "question", "name", "positive_answers", "theme", "is_headline", "order", "target", "deadline", "baseline",
            "baseline_date", "baseline_n", "baseline_note",
        )  # fmt: skip
        labels = MappingProxyType({"question": capfirst(_("question"))})

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
        question = self.cleaned_data.get("question")
        if question is not None and "positive_answers" in self.cleaned_data:
            ticked = self.cleaned_data["positive_answers"]
            self.cleaned_data["positive_answers"] = rules.positive_answers_or_default(question.kind, ticked)
        return super().clean()

    def check_rules(self, candidate, unchecked):
        services.check_indicator(indicator=candidate, unchecked=unchecked)


@admin.register(Indicator)
class IndicatorAdmin(SurveySetupAdmin):
    form = IndicatorForm
    list_display = ("name", "question", "target", "deadline", "baseline", "is_headline", "order")
    list_editable = ("order", "is_headline")
    list_select_related = ("question",)
    fieldsets = (
        (None, {"fields": ["question", "name", "positive_answers", "theme", "is_headline", "order"]}),
        (_("Target"), {"fields": ["target", "deadline"]}),
        (_("Baseline"), {"fields": ["baseline", "baseline_date", "baseline_n", "baseline_note"]}),
    )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "question":
            # A free-text question cannot measure a target, so it is not offered.
            field.queryset = (
                field.queryset.exclude(kind=Question.Kind.TEXT).filter(is_current=True).select_related("survey")
            )
            field.label_from_instance = question_label
        return field

    def save_model(self, request, obj, form, change):
        # The list's order and headline columns save here too: only the fields the form shows are checked,
        # so an indicator saved before a rule existed can still be reordered.
        services.save_indicator(indicator=obj, unchecked=unchecked_fields(form))


# --- Waves and results measured outside the portal --------------------------------------------------


class ExternalResultForm(RuleCheckedForm):
    """Entered as a report gives it: the share (in per cent) and n. The positive answers are worked out.

    positive = round(share * n / 100), half up; the share shown again is positive / n. The count is what
    is stored, so a result from outside is pooled and tested exactly like the portal's own answers.
    """

    share = forms.DecimalField(
        label=capfirst(_("share answering positively (%)")), help_text=_("As in the report, e.g. 66 for 66 %.")
    )

    class Meta:
        model = ExternalResult
        fields = ("indicator", "unit", "share", "n", "dont_know")
        labels = MappingProxyType({"indicator": capfirst(_("indicator")), "unit": capfirst(_("unit"))})
        help_texts = MappingProxyType(
            {
                "unit": _("Leave empty for the result of the whole municipality."),
                "n": _("The number of answers the share is out of, without “don't know”."),
                "dont_know": _("Answers “Don't know / not relevant”, if the report gives them."),
            }
        )

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
        share, n = self.cleaned_data.get("share"), self.cleaned_data.get("n")
        changed = self.instance.pk is None or {"share", "n"} & set(self.changed_data)
        if share is not None and n is not None and changed:
            self.instance.positive = int((share * n / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return super().clean()

    def check_rules(self, candidate, unchecked):
        services.check_external_result(result=candidate, unchecked=unchecked)


class ExternalResultFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        rows = [
            form.instance
            for form in self.forms
            if getattr(form, "cleaned_data", None) and not self._should_delete_form(form)
        ]
        formset_check(services.check_external_results, results=rows)


class ExternalResultInline(SurveySetupInline):
    model = ExternalResult
    form = ExternalResultForm
    formset = ExternalResultFormSet
    fields = (("indicator", "unit"), ("share", "n", "dont_know"), "positive_count")
    readonly_fields = ("positive_count",)

    @admin.display(description=_("positive answers (worked out from share and n)"))
    def positive_count(self, result):
        return result.positive if result.pk is not None else NOT_SET


class WaveForm(RuleCheckedForm):
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
        fields = ("survey", "name", "opens_on", "closes_on", "units", "is_external", "has_open_link", "open_link_limit")
        labels = MappingProxyType({"survey": capfirst(_("survey"))})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["has_open_link"].initial = self.instance.open_link_key is not None

    def check_rules(self, candidate, unchecked):
        services.check_wave(
            wave=candidate,
            units=self.cleaned_data.get("units"),
            has_open_link=self.cleaned_data.get("has_open_link", False),
            unchecked=unchecked,
        )


@admin.register(Wave)
class WaveAdmin(SurveySetupAdmin):
    form = WaveForm
    list_display = ("name", "survey", "opens_on", "closes_on", "is_external")
    list_select_related = ("survey",)
    fields = (
        "survey", "name", ("opens_on", "closes_on"), "units", "is_external", "has_open_link", "open_link_address",
        "open_link_limit",
    )  # fmt: skip
    readonly_fields = ("open_link_address",)
    filter_horizontal = ("units",)
    inlines = (ExternalResultInline,)

    def get_inlines(self, request, obj):
        # Results from outside belong to a wave measured outside the portal (a new wave may become one).
        if obj is None or obj.is_external or obj.external_results.exists():
            return self.inlines
        return []

    @admin.display(description=_("address of the open link"))
    def open_link_address(self, wave):
        return reverse("surveys:open-link", args=[wave.open_link_key]) if wave.open_link_key else NOT_SET

    def save_model(self, request, obj, form, change):
        services.save_wave(
            wave=obj,
            units=form.cleaned_data.get("units"),
            has_open_link=form.cleaned_data.get("has_open_link", False),
            unchecked=unchecked_fields(form),
        )

    def save_related(self, request, form, formsets, change):
        # services.save_wave has set the units.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        save_inline(
            formset,
            lambda rows, deleted, unchecked: services.save_external_results(
                results=rows, deleted=deleted, unchecked=unchecked
            ),
        )
