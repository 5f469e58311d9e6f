from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.admin_scoping import MunicipalityScopedAdmin, MunicipalityScopedInline

from .models import ExternalResult, Indicator, Question, Survey, Wave


class QuestionInline(MunicipalityScopedInline):
    model = Question
    extra = 0
    fields = [("order", "kind", "required"), "text", "choices", "theme", "text_en"]


@admin.register(Survey)
class SurveyAdmin(MunicipalityScopedAdmin):
    list_display = ["title", "municipality"]
    fields = ["municipality", "title", "intro", "title_en", "intro_en"]
    inlines = [QuestionInline]


@admin.register(Indicator)
class IndicatorAdmin(MunicipalityScopedAdmin):
    list_display = ["name", "question", "target", "deadline", "baseline", "is_headline", "order"]
    list_editable = ["order", "is_headline"]
    fieldsets = [
        (None, {"fields": ["question", "name", "positive_answers", "theme", "is_headline", "order"]}),
        (_("Target"), {"fields": ["target", "deadline"]}),
        (_("Baseline"), {"fields": ["baseline", "baseline_date", "baseline_n", "baseline_note"]}),
        (_("English"), {"fields": ["name_en"], "classes": ["collapse"]}),
    ]


class ExternalResultInline(MunicipalityScopedInline):
    model = ExternalResult
    extra = 0
    fields = [("indicator", "unit"), ("positive", "n", "dont_know")]


@admin.register(Wave)
class WaveAdmin(MunicipalityScopedAdmin):
    list_display = ["name", "survey", "opens_on", "closes_on", "is_external"]
    fields = ["survey", "name", "opens_on", "closes_on", "units", "is_external", "open_link_key", "open_link_limit"]
    filter_horizontal = ["units"]
    inlines = [ExternalResultInline]
