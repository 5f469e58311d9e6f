"""The caseworker's forms. They check what a form can check (filled in, a date, a choice); the rules
of the domain are checked by consent.services, whose ValidationErrors the views put on these fields.
"""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from portal.models import User

from . import rules
from .access import policy
from .cpr import parse_cpr
from .models import Agreement, Consent, Dialogue, FollowUp, InformationCategory, Relative

# ISO first: it is what <input type="date"> sends; dd.mm.yyyy for browsers that show a text field.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%d-%m-%Y", "%d/%m/%Y"]
INVALID_DATE = _("Write the date as dd.mm.yyyy, e.g. 24.12.2025.")
# A date outside these years is a typing error (and near the year 9999, a consent's year cannot be added).
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2099, 12, 31)
DATE_OUT_OF_RANGE = _("Write a date between %(first)s and %(last)s.")


def plausible_date(value: date) -> None:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValidationError(
            DATE_OUT_OF_RANGE,
            code="date_out_of_range",
            params={"first": FIRST_DATE.strftime("%d.%m.%Y"), "last": LAST_DATE.strftime("%d.%m.%Y")},
        )


def date_field(label, *, required: bool = True, required_message=None, help_text: str = "") -> forms.DateField:
    error_messages = {"invalid": INVALID_DATE}
    if required_message:
        error_messages["required"] = required_message
    return forms.DateField(
        label=capfirst(label),
        required=required,
        help_text=help_text,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages=error_messages,
        validators=[plausible_date],
    )


def textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def add_service_errors(form: forms.BaseForm, error: ValidationError, default_field: str | None = None) -> None:
    """Put a service's ValidationError on the form's fields (errors about other fields go to the top)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for item in errors:
                form.add_error(target, item)
    else:
        form.add_error(default_field if default_field in form.fields else None, error)


class RequiredMessagesMixin:
    """`required_messages = {field: message}`: a message that says what to do, instead of "This field is required"."""

    required_messages: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, message in self.required_messages.items():
            if name in self.fields:
                self.fields[name].error_messages["required"] = message
                self.fields[name].error_messages["invalid_choice"] = message


class ServiceModelForm(RequiredMessagesMixin, forms.ModelForm):
    """A model form that only builds its instance: the service it is handed to validates and saves it.

    (A plain ModelForm would run the model's validation too, and a second time in the service.)
    """

    def _post_clean(self):
        opts = self._meta
        try:
            self.instance = construct_instance(self, self.instance, opts.fields, opts.exclude)
        except ValidationError as error:
            self._update_errors(error)


class CitizenSearchForm(RequiredMessagesMixin, forms.Form):
    query = forms.CharField(
        label=_("Name or CPR number"),
        max_length=100,
        help_text=_("A CPR number finds exactly one citizen; a name finds every citizen whose name contains it."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    required_messages = {"query": _("Write a name or a CPR number.")}

    def clean_query(self) -> str:
        query = " ".join(self.cleaned_data["query"].split())
        self.cpr = None
        if any(character.isdigit() for character in query):
            parse_cpr(query)  # raises a ValidationError that says what is wrong with the number
            self.cpr = query
        elif len(query) < 2:
            raise ValidationError(_("Write at least two letters of the name."), code="short")
        return query


class UnitsField(forms.ModelMultipleChoiceField):
    """An id longer than any id is no unit: refused before the database sees it (SQLite cannot even compare it)."""

    def clean(self, value):
        if isinstance(value, list | tuple) and any(len(str(pk)) > 18 for pk in value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": ""})
        return super().clean(value)


class RegisterCitizenForm(RequiredMessagesMixin, forms.Form):
    name = forms.CharField(label=_("The citizen's name"), max_length=200)
    cpr = forms.CharField(
        label=_("CPR number"),
        max_length=11,
        help_text=_("10 digits, e.g. 010190-1234. Only the date of birth is shown afterwards."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "class": "input-char-11"}),
    )
    units = UnitsField(
        label=_("Units"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The caseworkers of these units can open the citizen's records."),
    )
    required_messages = {
        "name": _("Write the citizen's name."),
        "cpr": _("Write the citizen's CPR number."),
        "units": _("Choose at least one unit."),
    }

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = units
        self.fields["units"].error_messages["invalid_choice"] = _("Choose among your own units.")
        self.fields["units"].error_messages["invalid_pk_value"] = _("Choose among your own units.")
        if len(units) == 1 and not self.is_bound:
            self.initial["units"] = list(units)

    def clean_cpr(self) -> str:
        cpr = self.cleaned_data["cpr"].strip()
        parse_cpr(cpr)
        return cpr


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class RelativeForm(ServiceModelForm):
    staff_user = StaffChoiceField(
        label=_("Is this person also a member of staff?"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("No"),
        help_text=Relative._meta.get_field("staff_user").help_text,
    )

    class Meta:
        model = Relative
        fields = ["name", "relation", "kind", "phone", "email", "is_minor", "staff_user"]
        widgets = {"kind": forms.RadioSelect}

    required_messages = {
        "name": _("Write the relative's name."),
        "relation": _("Write how the person is related to the citizen, e.g. daughter or neighbour."),
        "kind": _("Choose whether the person is a relative or friend, or another professional."),
    }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        staff = policy.staff_to_name_as_relative(user)
        self.fields["staff_user"].queryset = staff.order_by("first_name", "last_name", "username")
        self.fields["staff_user"].error_messages["invalid_choice"] = _("Choose a member of your municipality's staff.")
        self.fields["kind"].choices = Relative.Kind.choices
        self.fields["email"].error_messages["invalid"] = _("Write an e-mail address like name@example.dk.")


class DialogueForm(ServiceModelForm):
    held_on = date_field(
        Dialogue._meta.get_field("held_on").verbose_name, required_message=_("Write the date of the conversation.")
    )
    ask_again_on = date_field(
        Dialogue._meta.get_field("ask_again_on").verbose_name,
        required=False,
        help_text=_("Needed when the answer is “No, not now”. The date appears in your task list."),
    )

    class Meta:
        model = Dialogue
        fields = [
            "held_on",
            "involvement",
            "ask_again_on",
            "how_involved",
            "citizen_expectations",
            "relatives_expectations",
            "staff_offer",
        ]
        widgets = {
            "involvement": forms.RadioSelect,
            "how_involved": textarea(),
            "citizen_expectations": textarea(),
            "relatives_expectations": textarea(),
            "staff_offer": textarea(),
        }
        labels = {"involvement": _("Does the citizen want relatives involved?")}

    required_messages = {"involvement": _("Choose what the citizen answered.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["involvement"].choices = Dialogue.Involvement.choices


class ConsentForm(ServiceModelForm):
    """A new consent, or a new version of one (`relative` then comes from the version it replaces)."""

    decision = forms.ChoiceField(
        label=_("The citizen's answer"),
        choices=[(Consent.Decision.PERMIT, _("Permits")), (Consent.Decision.REFUSE, _("Refuses"))],
        widget=forms.RadioSelect,
    )
    categories = forms.MultipleChoiceField(
        label=_("Kinds of information"),
        choices=InformationCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What staff may tell the relative (or, for a refusal, may not)."),
    )
    contact = forms.ChoiceField(
        label=_("Contact"),
        choices=Consent.Contact.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text=_("Needed for a permission."),
    )
    given_on = date_field(
        Consent._meta.get_field("given_on").verbose_name, required_message=_("Write when the consent was given.")
    )
    valid_from = date_field(
        Consent._meta.get_field("valid_from").verbose_name, required_message=_("Write when the consent takes effect.")
    )
    valid_until = date_field(
        Consent._meta.get_field("valid_until").verbose_name,
        required=False,
        help_text=_(
            "Empty: one year after it takes effect, the longest a consent to tell a relative lasts "
            "(sundhedsloven § 44). A refusal without an end date lasts until it is changed."
        ),
    )

    class Meta:
        model = Consent
        fields = [
            "relative",
            "decision",
            "categories",
            "contact",
            "form",
            "oral_note",
            "grantor",
            "grantor_document",
            "given_on",
            "valid_from",
            "valid_until",
            "reason",
        ]
        widgets = {
            "form": forms.RadioSelect,
            "grantor": forms.RadioSelect,
            "oral_note": textarea(4),
            "reason": textarea(),
        }
        labels = {"relative": _("Relative"), "form": _("How was it given?")}
        help_texts = {"oral_note": _("Needed when the consent was given orally.")}

    required_messages = {
        "relative": _("Choose the relative the consent is about."),
        "decision": _("Choose whether the citizen permits or refuses."),
        "categories": _("Choose at least one kind of information."),
        "form": _("Choose whether the consent was given orally or in writing."),
        "grantor": _("Choose who gave the consent."),
    }

    def __init__(self, *args, citizen, change: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form"].choices = Consent.Form.choices
        self.fields["grantor"].choices = Consent.Grantor.choices
        if change:
            del self.fields["relative"]
            self.fields["reason"].label = _("Why is the consent changed?")
        else:
            del self.fields["reason"]
            self.fields["relative"].queryset = citizen.relatives.all()
            self.fields["relative"].empty_label = _("Choose")

    def clean(self):
        """The rules' messages at their fields together with the form's own, so that one round shows them all."""
        cleaned = super().clean()
        candidate = Consent(
            **{name: value for name, value in cleaned.items() if name not in ("relative",) and value is not None}
        )
        for field, messages in rules.validate_consent(candidate).items():
            if field in self.fields and field not in self.errors:
                for message in messages:
                    self.add_error(field, message)
        return cleaned


class RevokeForm(RequiredMessagesMixin, forms.Form):
    reason = forms.CharField(label=_("Why is the consent revoked?"), widget=textarea())
    form = forms.ChoiceField(
        label=_("How did the citizen revoke it?"), choices=Consent.Form.choices, widget=forms.RadioSelect
    )
    required_messages = {
        "reason": _("Write why the consent is revoked."),
        "form": _("Choose whether the citizen revoked it orally or in writing."),
    }


class DisclosureForm(RequiredMessagesMixin, forms.Form):
    relative = forms.ModelChoiceField(label=_("Whom do you want to tell?"), queryset=None, empty_label=_("Choose"))
    category = forms.ChoiceField(
        label=_("What do you want to tell?"), choices=[("", _("Choose")), *InformationCategory.choices]
    )
    required_messages = {
        "relative": _("Choose the relative."),
        "category": _("Choose the kind of information."),
    }

    def __init__(self, *args, citizen, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relative"].queryset = citizen.relatives.all()


class AgreementForm(ServiceModelForm):
    follow_up_every_days = forms.IntegerField(
        label=Agreement._meta.get_field("follow_up_every_days").verbose_name,
        min_value=1,
        max_value=3650,
        widget=forms.NumberInput(attrs={"class": "input-width-xs"}),
        error_messages={
            "invalid": _("Write a whole number of days."),
            "min_value": _("Write a number of days of 1 or more."),
            "max_value": _("Follow up at least every ten years: write at most 3650."),
        },
    )
    next_follow_up = date_field(_("First follow-up"), required_message=_("Write the date of the first follow-up."))

    class Meta:
        model = Agreement
        fields = ["description", "responsible", "relative", "follow_up_every_days", "next_follow_up"]
        widgets = {"description": textarea(4), "responsible": forms.RadioSelect}
        help_texts = {"relative": _("Needed when a relative does it.")}

    required_messages = {
        "description": _("Write what was agreed."),
        "responsible": _("Choose who does it."),
        "follow_up_every_days": _("Write how often to follow up, in days."),
    }

    def __init__(self, *args, citizen, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].choices = Agreement.Party.choices
        self.fields["relative"].queryset = citizen.relatives.all()
        self.fields["relative"].empty_label = _("None")
        self.fields["relative"].error_messages["invalid_choice"] = _("Choose one of this citizen's relatives.")


class FollowUpForm(ServiceModelForm):
    held_on = date_field(_("Date of the follow-up"), required_message=_("Write the date of the follow-up."))
    next_date = date_field(
        FollowUp._meta.get_field("next_date").verbose_name,
        required=False,
        help_text=_("Not needed when the agreement ends."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = FollowUp
        fields = ["held_on", "outcome", "note", "next_date"]
        widgets = {"outcome": forms.RadioSelect, "note": textarea(4)}

    required_messages = {"outcome": _("Choose the outcome.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = FollowUp.Outcome.choices
        self.fields["version"].error_messages["required"] = _("The form is incomplete: open it again.")
        self.fields["version"].error_messages["invalid"] = _("The form is incomplete: open it again.")
