"""The forms of the translation pages (portal.translation_views)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .forms import TableUploadForm
from .translations import TextState, content_languages, kind_key

STATE_CHOICES = [
    (TextState.MISSING.value, _("Not translated")),
    (TextState.OUTDATED.value, _("Outdated: the Danish text has changed")),
    (TextState.DRAFT.value, _("Draft, not yet checked")),
    (TextState.APPROVED.value, _("Checked by the municipality")),
]


def language_choices() -> list[tuple[str, str]]:
    names = dict(settings.LANGUAGES)
    return [(code, names[code]) for code in content_languages()]


class TranslationFilterForm(forms.Form):
    sprog = forms.ChoiceField(label=_("Language"), required=False)
    tilstand = forms.ChoiceField(label=_("State"), required=False)
    slags = forms.ChoiceField(label=_("Kind of content"), required=False)

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sprog"].choices = language_choices()
        self.fields["tilstand"].choices = [("", _("All states")), *STATE_CHOICES]
        by_app = {}  # grouped by app: the policy, the directory, the survey
        for model in kinds:
            group = by_app.setdefault(str(model._meta.app_config.verbose_name), [])
            group.append((kind_key(model), str(model._meta.verbose_name_plural).capitalize()))
            for name, (label, _lookups) in getattr(model, "TRANSLATION_KINDS", {}).items():
                group.append((f"{kind_key(model)}:{name}", str(label)))
        self.fields["slags"].choices = [("", _("All kinds")), *by_app.items()]
        for name, field in self.fields.items():
            field.error_messages["invalid_choice"] = _("Choose one of the options in the list.")
            field.widget.attrs["id"] = f"id_filter_{name}"


class SideBySideForm(forms.Form):
    """One field's translation: the text, and whether the municipality has checked it."""

    text = forms.CharField(
        label=_("Translation"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write the translation.")},
    )
    status = forms.ChoiceField(
        label=_("State"),
        widget=forms.RadioSelect,
        choices=[("draft", _("Draft, not yet checked")), ("approved", _("Checked by the municipality"))],
        initial="draft",
        error_messages={"required": _("Choose whether the translation is a draft or checked.")},
    )
    seen = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, field_name: str, language: str, **kwargs):
        super().__init__(*args, prefix=field_name, **kwargs)
        language_name = str(dict(settings.LANGUAGES)[language]).lower()
        self.fields["text"].label = _("Translation into %(language)s") % {"language": language_name}
        attrs = self.fields["text"].widget.attrs
        attrs["lang"] = language
        attrs["dir"] = "rtl" if language in settings.LANGUAGES_BIDI else "ltr"


class TranslationUploadForm(TableUploadForm):
    max_bytes_setting = "TRANSLATION_IMPORT_MAX_BYTES"
    label = _("File (XLIFF, PO or CSV)")
    help_text = _("The file you exported for the translation agency, with their translations filled in.")
    accept = ".xlf,.xliff,.po,.csv"
