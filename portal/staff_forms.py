"""The forms of staff administration. They only parse and present; portal.staff_services decides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import TableUploadForm
from .models import Area, Unit
from .staff_rules import role_choices

UNIT_CHOICE_ERRORS = {
    "invalid_choice": _("Choose units from the list."),
    "invalid_pk_value": _("Choose units from the list."),
}


class UnitsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, unit: Unit) -> str:
        return f"{unit.name} ({unit.get_area_display()})"


def roles_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("Roles"),
        choices=role_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "A caseworker sees the citizens of their units; a manager runs the survey; an editor edits the "
            "policy pages; an administrator manages staff and units; a contact for relatives answers relatives' "
            "requests to be called or written to."
        ),
        error_messages={"required": _("Choose at least one role."), "invalid_choice": _("Choose roles from the list.")},
    )


def units_field(units) -> UnitsChoiceField:
    return UnitsChoiceField(
        label=_("Units"),
        queryset=units,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A caseworker sees the citizens of these units at once."),
        error_messages=UNIT_CHOICE_ERRORS,
    )


class StaffFilterForm(forms.Form):
    """The staff list's filters: ids and fixed words only, so that no name or address reaches a URL."""

    STATUS_CHOICES = (
        ("", _("Everyone")),
        ("aktive", _("Active staff")),
        ("inviteret", _("Invited, not yet logged in")),
        ("deaktiverede", _("Deactivated staff")),
    )

    role = forms.ChoiceField(
        label=_("Role"), required=False, error_messages={"invalid_choice": _("Choose roles from the list.")}
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("All units"),
        error_messages={"invalid_choice": _("Choose units from the list.")},
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=STATUS_CHOICES,
        required=False,
        error_messages={"invalid_choice": _("Choose from the list.")},
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("All roles")), *role_choices()]
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda unit: unit.name


class InviteForm(forms.Form):
    first_name = forms.CharField(
        label=_("First name"), max_length=150, error_messages={"required": _("Write the person's first name.")}
    )
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=150,
        help_text=_("The invitation is sent here; it is also the username."),
        error_messages={
            "required": _("Write the person's e-mail address."),
            "invalid": _("Write an e-mail address, e.g. navn@kommune.dk."),
        },
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"] = roles_field()
        self.fields["units"] = units_field(units)


class ChangeStaffForm(forms.Form):
    loaded_state = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"] = roles_field()
        self.fields["units"] = units_field(units)


class UnitForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150, error_messages={"required": _("Write the unit's name.")})
    area = forms.ChoiceField(
        label=_("Area"),
        choices=[("", _("Choose…")), *Area.choices],
        error_messages={"required": _("Choose the unit's area."), "invalid_choice": _("Choose the unit's area.")},
    )


class ImportUploadForm(TableUploadForm):
    max_bytes_setting = "STAFF_IMPORT_MAX_BYTES"
    help_text = _(
        "Units: columns navn and område. Staff: columns navn, e-mail, roller and enheder; separate several "
        "roles or units with | or a line break."
    )


class ImportConfirmForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput)


class AcceptInvitationForm(forms.Form):
    password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters; not a common password and not only digits."),
        error_messages={"required": _("Choose a password.")},
    )
    password_again = forms.CharField(
        label=_("The password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Write the password again.")},
    )
