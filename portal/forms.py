from typing import ClassVar

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages: ClassVar = {
        "invalid_login": _("The username or password is wrong. Both are case-sensitive."),
        "inactive": _("This account is closed. Ask your municipality's administrator."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["password"].label = _("Password")
        self.fields["username"].error_messages["required"] = _("Enter your username.")
        self.fields["password"].error_messages["required"] = _("Enter your password.")


class EmailSettingsForm(forms.Form):
    wants_reminder_emails = forms.BooleanField(
        label=_("Send me reminders and notices by e-mail"),
        required=False,
        help_text=_("Caseworkers: follow-ups and consents due. Editors: contact points to check. Managers: waves."),
    )
