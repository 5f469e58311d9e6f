from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.utils.translation import gettext_lazy as _


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
