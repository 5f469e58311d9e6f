from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.mfa.webauthn.forms import (
    AddWebAuthnForm,
    AuthenticateWebAuthnForm,
    EditWebAuthnForm,
    LoginWebAuthnForm,
    ReauthenticateWebAuthnForm,
)
from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from .upload_tables import too_big_message


class LoginForm(AllauthLoginForm):
    """allauth's username-and-password form with the portal's Danish labels and messages."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        login, password = self.fields["login"], self.fields["password"]
        login.label = _("Username")
        password.label = _("Password")
        for field in (login, password):
            field.widget.attrs.pop("placeholder", None)
        login.error_messages["required"] = _("Enter your username.")
        password.error_messages["required"] = _("Enter your password.")
        password.help_text = ""


class EmailSettingsForm(forms.Form):
    wants_reminder_emails = forms.BooleanField(
        label=_("Send me reminders and notices by e-mail"),
        required=False,
        help_text=_("Caseworkers: follow-ups and consents due. Editors: contact points to check. Managers: waves."),
    )


KEY_NAME_MAX_LENGTH = 100


def _name_field(field: forms.CharField) -> None:
    field.label = _("The key's name")
    field.max_length = KEY_NAME_MAX_LENGTH
    field.validators.append(MaxLengthValidator(KEY_NAME_MAX_LENGTH))
    field.widget.attrs["maxlength"] = str(KEY_NAME_MAX_LENGTH)
    field.error_messages["required"] = _("Write the key's name.")


UNREADABLE_KEY_ANSWER = _(
    "The key's answer could not be read. Try again, or use another key or your authenticator app."
)


class ReadsKeyAnswerSafely:
    """allauth's WebAuthn forms check the browser's answer with python-fido2, which raises KeyError (and the
    like) for an answer with parts missing: that is a message at the form, never a 500."""

    def _clean_fields(self):
        try:
            super()._clean_fields()
        except (KeyError, TypeError, ValueError, AttributeError):
            self.add_error("credential", UNREADABLE_KEY_ANSWER)

    def _clean_form(self):
        try:
            super()._clean_form()
        except (KeyError, TypeError, ValueError, AttributeError):
            self.add_error(None, UNREADABLE_KEY_ANSWER)


class AuthenticateWithKeyForm(ReadsKeyAnswerSafely, AuthenticateWebAuthnForm):
    pass


class LoginWithPasskeyForm(ReadsKeyAnswerSafely, LoginWebAuthnForm):
    def clean_credential(self):
        try:
            return super().clean_credential()
        except forms.ValidationError:
            raise forms.ValidationError(
                _(
                    "The passkey did not log you in: it has been removed, or it belongs to no active account. "
                    "Log in with your username and password."
                ),
                code="passkey_refused",
            ) from None


class ReauthenticateWithKeyForm(ReadsKeyAnswerSafely, ReauthenticateWebAuthnForm):
    pass


class AddSecurityKeyForm(ReadsKeyAnswerSafely, AddWebAuthnForm):
    """allauth's form for a new security key or passkey, with the portal's Danish labels."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _name_field(self.fields["name"])
        passwordless = self.fields["passwordless"]
        passwordless.label = _("Use it as a passkey: log in with this key alone, without the password")
        passwordless.help_text = _(
            "Only for a key that checks your fingerprint, face or PIN itself (a phone, a computer, most new keys)."
        )


class RenameSecurityKeyForm(EditWebAuthnForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _name_field(self.fields["name"])


class TableUploadForm(forms.Form):
    """The first step of an import from a file (units and staff, the directory): a file, not empty, no bigger than
    the setting `max_bytes_setting` allows. A subclass names the setting and says what the file holds."""

    max_bytes_setting = ""
    label = _("File (CSV or Excel)")
    help_text = ""
    accept = ".csv,.xlsx"

    file = forms.FileField(
        error_messages={"required": _("Choose the file to upload."), "empty": _("The file is empty.")}
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["file"]
        field.label, field.help_text = self.label, self.help_text
        field.widget = forms.ClearableFileInput(attrs={"accept": self.accept})

    def clean_file(self):
        upload = self.cleaned_data["file"]
        max_bytes = getattr(settings, self.max_bytes_setting)
        if upload.size > max_bytes:
            raise forms.ValidationError(too_big_message(max_bytes))
        return upload
