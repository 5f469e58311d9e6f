from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.upload_tables import too_big_message


class DirectoryImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV, Excel or HSDS)"),
        help_text=_(
            "The template's columns (behov, situation, kontakt, …), one row per contact point in a situation; "
            "or an HSDS 3.0 data set as JSON or as a zip of CSV files."
        ),
        error_messages={"required": _("Choose the file to upload."), "empty": _("The file is empty.")},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.json,.zip"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.DIRECTORY_IMPORT_MAX_BYTES:
            raise forms.ValidationError(too_big_message(settings.DIRECTORY_IMPORT_MAX_BYTES))
        return upload


class DirectoryImportConfirmForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput)
