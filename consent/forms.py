"""The caseworker's forms. They only parse and present: each field says what it takes (filled in, a
date, one of the offered choices) and how its errors read, in words that say what to do.

The rules of the domain are consent.rules', checked by consent.services; a view puts a service's
RuleViolation on these fields. The choices a user may make (their units, their municipality's
staff, the citizen's relatives) come from consent.access.policy.
"""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from portal.models import Unit, User

from .access import policy
from .cpr import parse_cpr
from .models import (
    Agreement,
    AuditEvent,
    Citizen,
    Consent,
    Dialogue,
    FollowUp,
    HelpChange,
    InformationCategory,
    Relative,
    RelativeTold,
)

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


def model_field(model: type[Model], name: str, *, missing=None, **overrides) -> forms.Field:
    """The form field Django makes for a model field (its label, length and help), with `overrides`.

    `missing` is what to say when the field is left empty or holds none of the choices offered.
    """
    field = model._meta.get_field(name).formfield(**overrides)
    if missing:
        field.error_messages.update(required=missing, invalid_choice=missing)
    return field


def textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class CitizenSearchForm(forms.Form):
    query = forms.CharField(
        label=_("Name or CPR number"),
        max_length=100,
        help_text=_("A CPR number finds exactly one citizen; a name finds every citizen whose name contains it."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Write a name or a CPR number.")},
    )

    def clean_query(self) -> str:
        return " ".join(self.cleaned_data["query"].split())


class UnitsField(forms.ModelMultipleChoiceField):
    """An id longer than any id is no unit: refused before the database sees it (SQLite cannot even compare it)."""

    def clean(self, value):
        if isinstance(value, list | tuple) and any(len(str(pk)) > 18 for pk in value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": ""})
        return super().clean(value)


class RegisterCitizenForm(forms.Form):
    name = model_field(Citizen, "name", label=_("The citizen's name"), missing=_("Write the citizen's name."))
    cpr = forms.CharField(
        label=_("CPR number"),
        max_length=11,
        help_text=_("10 digits, e.g. 010190-1234. Only the date of birth is shown afterwards."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "class": "input-char-11"}),
        error_messages={"required": _("Write the citizen's CPR number.")},
    )
    units = UnitsField(
        label=_("Units"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The caseworkers of these units can open the citizen's records."),
        error_messages={
            "required": _("Choose at least one unit."),
            "invalid_choice": _("Choose among your own units."),
            "invalid_pk_value": _("Choose among your own units."),
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = policy.units_for_registration(user)
        self.fields["units"].queryset = units
        if len(units) == 1 and not self.is_bound:
            self.initial["units"] = list(units)

    def clean_cpr(self) -> str:
        cpr = self.cleaned_data["cpr"].strip()
        parse_cpr(cpr)  # a ValidationError that says what is wrong with the number, with the form's other errors
        return cpr


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class RelativeForm(forms.Form):
    name = model_field(Relative, "name", missing=_("Write the relative's name."))
    relation = model_field(
        Relative,
        "relation",
        missing=_("Write how the person is related to the citizen, e.g. daughter or neighbour."),
    )
    kind = model_field(
        Relative,
        "kind",
        widget=forms.RadioSelect,
        choices=Relative.Kind.choices,
        missing=_("Choose whether the person is a relative or friend, or another professional."),
    )
    phone = model_field(Relative, "phone")
    email = model_field(
        Relative, "email", error_messages={"invalid": _("Write an e-mail address like name@example.dk.")}
    )
    is_minor = model_field(Relative, "is_minor")
    staff_user = StaffChoiceField(
        label=_("Is this person also a member of staff?"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("No"),
        help_text=Relative._meta.get_field("staff_user").help_text,
        error_messages={"invalid_choice": _("Choose a member of your municipality's staff.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        staff = policy.staff_to_name_as_relative(user)
        self.fields["staff_user"].queryset = staff.order_by("first_name", "last_name", "username")


class DialogueForm(forms.Form):
    held_on = date_field(
        Dialogue._meta.get_field("held_on").verbose_name, required_message=_("Write the date of the conversation.")
    )
    involvement = model_field(
        Dialogue,
        "involvement",
        label=_("Does the citizen want relatives involved?"),
        widget=forms.RadioSelect,
        choices=Dialogue.Involvement.choices,
        missing=_("Choose what the citizen answered."),
    )
    ask_again_on = date_field(
        Dialogue._meta.get_field("ask_again_on").verbose_name,
        required=False,
        help_text=_("Needed when the answer is “No, not now”. The date appears in your task list."),
    )
    how_involved = model_field(Dialogue, "how_involved", widget=textarea())
    citizen_expectations = model_field(Dialogue, "citizen_expectations", widget=textarea())
    relatives_expectations = model_field(Dialogue, "relatives_expectations", widget=textarea())
    staff_offer = model_field(Dialogue, "staff_offer", widget=textarea())


class ConsentForm(forms.Form):
    """A new consent, or a new version of one (`relative` then comes from the version it replaces)."""

    relative = model_field(
        Consent, "relative", label=_("Relative"), missing=_("Choose the relative the consent is about.")
    )
    decision = forms.ChoiceField(
        label=_("The citizen's answer"),
        choices=[(Consent.Decision.PERMIT, _("Permits")), (Consent.Decision.REFUSE, _("Refuses"))],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose whether the citizen permits or refuses."),
            "invalid_choice": _("Choose whether the citizen permits or refuses."),
        },
    )
    categories = forms.MultipleChoiceField(
        label=_("Kinds of information"),
        choices=InformationCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What staff may tell the relative (or, for a refusal, may not)."),
        error_messages={
            "required": _("Choose at least one kind of information."),
            "invalid_choice": _("Choose at least one kind of information."),
        },
    )
    contact = forms.ChoiceField(
        label=_("Contact"),
        choices=Consent.Contact.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text=_("Needed for a permission."),
    )
    form = model_field(
        Consent,
        "form",
        label=_("How was it given?"),
        widget=forms.RadioSelect,
        choices=Consent.Form.choices,
        missing=_("Choose whether the consent was given orally or in writing."),
    )
    oral_note = model_field(
        Consent, "oral_note", widget=textarea(4), help_text=_("Needed when the consent was given orally.")
    )
    grantor = model_field(
        Consent,
        "grantor",
        widget=forms.RadioSelect,
        choices=Consent.Grantor.choices,
        missing=_("Choose who gave the consent."),
    )
    grantor_document = model_field(Consent, "grantor_document")
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
            "Empty: one year after it was given, the longest a consent to tell a relative lasts "
            "(sundhedsloven § 44). A refusal without an end date lasts until it is changed."
        ),
    )
    reason = model_field(Consent, "reason", widget=textarea())

    def __init__(self, *args, citizen, change: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if change:
            del self.fields["relative"]
            self.fields["reason"].label = _("Why is the consent changed?")
        else:
            del self.fields["reason"]
            self.fields["relative"].queryset = citizen.relatives.all()
            self.fields["relative"].empty_label = _("Choose")


class RevokeForm(forms.Form):
    grantor = forms.ChoiceField(
        label=_("Who revoked it?"),
        choices=Consent.Grantor.choices,
        initial=Consent.Grantor.CITIZEN,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose who revoked the consent."),
            "invalid_choice": _("Choose who revoked the consent."),
        },
    )
    grantor_document = forms.CharField(
        label=_("Document reference"),
        required=False,
        max_length=200,
        help_text=_("Needed when a guardian or a lasting power of attorney revokes it: their appointment."),
    )
    reason = forms.CharField(
        label=_("Why is the consent revoked?"),
        widget=textarea(),
        error_messages={"required": _("Write why the consent is revoked.")},
    )
    form = forms.ChoiceField(
        label=_("How did the citizen revoke it?"),
        choices=Consent.Form.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose whether the citizen revoked it orally or in writing."),
            "invalid_choice": _("Choose whether the citizen revoked it orally or in writing."),
        },
    )


class DisclosureForm(forms.Form):
    relative = forms.ModelChoiceField(
        label=_("Whom do you want to tell?"),
        queryset=None,
        empty_label=_("Choose"),
        error_messages={"required": _("Choose the relative."), "invalid_choice": _("Choose the relative.")},
    )
    category = forms.ChoiceField(
        label=_("What do you want to tell?"),
        choices=[("", _("Choose")), *InformationCategory.choices],
        error_messages={
            "required": _("Choose the kind of information."),
            "invalid_choice": _("Choose the kind of information."),
        },
    )

    def __init__(self, *args, citizen, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relative"].queryset = citizen.relatives.all()


class AgreementForm(forms.Form):
    description = model_field(Agreement, "description", widget=textarea(4), missing=_("Write what was agreed."))
    responsible = model_field(
        Agreement,
        "responsible",
        widget=forms.RadioSelect,
        choices=Agreement.Party.choices,
        missing=_("Choose who does it."),
    )
    relative = model_field(
        Agreement,
        "relative",
        help_text=_("Needed when a relative does it."),
        empty_label=_("None"),
        error_messages={"invalid_choice": _("Choose one of this citizen's relatives.")},
    )
    follow_up_every_days = forms.IntegerField(
        label=Agreement._meta.get_field("follow_up_every_days").verbose_name,
        min_value=1,
        max_value=3650,
        widget=forms.NumberInput(attrs={"class": "input-width-xs"}),
        error_messages={
            "required": _("Write how often to follow up, in days."),
            "invalid": _("Write a whole number of days."),
            "min_value": _("Write a number of days of 1 or more."),
            "max_value": _("Follow up at least every ten years: write at most 3650."),
        },
    )
    next_follow_up = date_field(_("First follow-up"), required_message=_("Write the date of the first follow-up."))

    def __init__(self, *args, citizen, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relative"].queryset = citizen.relatives.all()


class FollowUpForm(forms.Form):
    held_on = date_field(_("Date of the follow-up"), required_message=_("Write the date of the follow-up."))
    outcome = model_field(
        FollowUp,
        "outcome",
        widget=forms.RadioSelect,
        choices=FollowUp.Outcome.choices,
        missing=_("Choose the outcome."),
    )
    note = model_field(FollowUp, "note", widget=textarea(4))
    next_date = date_field(
        FollowUp._meta.get_field("next_date").verbose_name,
        required=False,
        help_text=_("Not needed when the agreement ends."),
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("The form is incomplete: open it again."),
            "invalid": _("The form is incomplete: open it again."),
        },
    )


# --- When the help changes ------------------------------------------------------------------------------


class HelpChangeForm(forms.Form):
    kind = model_field(
        HelpChange,
        "kind",
        label=_("What changed?"),
        widget=forms.RadioSelect,
        choices=HelpChange.Kind.choices,
        missing=_("Choose what changed."),
        help_text=_(
            "A hospital stay is health information, a move to a care home social circumstances, the other changes "
            "practical matters: only relatives whose consent covers that kind may be told."
        ),
    )
    changes_on = date_field(_("From which day?"), required_message=_("Write the day the change takes effect."))
    summary = model_field(
        HelpChange,
        "summary",
        widget=textarea(4),
        error_messages={"required": _("Write what the relatives may be told, in a sentence or two.")},
    )


class RelativeToldForm(forms.Form):
    how = model_field(
        RelativeTold,
        "how",
        label=_("How was the relative told?"),
        widget=forms.RadioSelect,
        choices=RelativeTold.How.choices,
        missing=_("Choose how the relative was told."),
    )
    told_on = date_field(_("When?"), required_message=_("Write the date the relative was told."))
    message = model_field(
        RelativeTold,
        "message",
        widget=textarea(9),
        help_text=_("The draft says no more than the consent covers. Change it to what you said or sent."),
        error_messages={"required": _("Write what the relative was told.")},
    )


class ReassignForm(forms.Form):
    """Give an agreement to another caseworker: the choices are consent.access.policy.caseworkers_of the citizen."""

    owner = StaffChoiceField(
        label=_("New responsible caseworker"),
        queryset=User.objects.none(),
        empty_label=_("Choose"),
        help_text=_("A caseworker of the citizen's units. They are reminded of the follow-ups from now on."),
        error_messages={
            "required": _("Choose the caseworker who takes over the agreement."),
            "invalid_choice": _("Choose a caseworker of the citizen's units."),
        },
    )
    # Who was responsible when the page was opened ("" for nobody): saving again after someone else gave the
    # agreement away is told, not silently done.
    seen_owner = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)

    def __init__(self, *args, citizen, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = policy.caseworkers_of(citizen).order_by("first_name", "last_name", "username")

    def clean_seen_owner(self):
        value = self.cleaned_data["seen_owner"]
        if value and not value.isdigit():
            raise ValidationError(_("The form is incomplete: open it again."))
        return int(value) if value else None


# --- Corrections, closing, retention ------------------------------------------------------------------


def reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("Why is it corrected?"),
        widget=textarea(),
        help_text=_("Kept in the history with the earlier value, your name and the time."),
        error_messages={"required": _("Write why the details are corrected.")},
    )


def seen_field() -> forms.IntegerField:
    """The correction token the form was opened with (consent.services.correction_token)."""
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        max_value=2**63 - 1,
        error_messages={
            "required": _("The form is incomplete: open it again."),
            "invalid": _("The form is incomplete: open it again."),
            "min_value": _("The form is incomplete: open it again."),
            "max_value": _("The form is incomplete: open it again."),
        },
    )


class CorrectRelativeForm(RelativeForm):
    reason = reason_field()
    seen = seen_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["staff_user"]


class CorrectDialogueForm(DialogueForm):
    reason = reason_field()
    seen = seen_field()


class CorrectAgreementForm(AgreementForm):
    reason = reason_field()
    seen = seen_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["next_follow_up"]  # moved by follow-ups, not corrected


class CorrectCitizenForm(forms.Form):
    name = RegisterCitizenForm.base_fields["name"]
    units = UnitsField(
        label=_("Units"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Move the citizen to another unit: its caseworkers can then open the record."),
        error_messages={
            "required": _("Choose at least one unit."),
            "invalid_choice": _("Choose among your own units."),
            "invalid_pk_value": _("Choose among your own units."),
        },
    )
    reason = reason_field()
    seen = seen_field()

    def __init__(self, *args, user, citizen, **kwargs):
        super().__init__(*args, **kwargs)
        own = policy.units_for_registration(user).values("pk")
        self.fields["units"].queryset = Unit.objects.filter(Q(pk__in=own) | Q(citizens=citizen)).distinct()


class CloseCourseForm(forms.Form):
    closed_on = date_field(
        Citizen._meta.get_field("closed_on").verbose_name, required_message=_("Write the date the course closed.")
    )
    closed_because = model_field(
        Citizen,
        "closed_because",
        widget=forms.RadioSelect,
        choices=Citizen._meta.get_field("closed_because").choices,
        missing=_("Choose why the course closed."),
    )


class RetentionForm(forms.Form):
    years = forms.IntegerField(
        label=_("Retention period, in years after the course closed"),
        widget=forms.NumberInput(attrs={"class": "input-width-xs"}),
        error_messages={
            "required": _("Write the retention period in whole years."),
            "invalid": _("Write the retention period in whole years."),
        },
    )


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need to open this citizen?"),
        help_text=_(
            "The citizen is in none of your units. Your reason is kept in the log and read by the data "
            "protection officer. Write at least 20 characters."
        ),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write why you need to open this citizen.")},
    )


class FhirExportForm(forms.Form):
    """The CPR number a receiving system matches the citizen by; typed each time, never stored."""

    cpr = forms.CharField(
        label=_("The citizen's CPR number"),
        max_length=20,
        help_text=_(
            "The portal keeps only a check of the number, so type it to put it in the export. It is checked "
            "against the citizen and not saved."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "numeric"}),
        error_messages={"required": _("Write the citizen's CPR number.")},
    )


class LogFilterForm(forms.Form):
    """The log checks' filters (GET): ids, codes and dates only, so the address carries no personal data."""

    person = forms.ModelChoiceField(label=_("Member of staff"), queryset=User.objects.none(), required=False)
    citizen = forms.ModelChoiceField(label=_("Citizen"), queryset=Citizen.objects.none(), required=False)
    event = forms.ChoiceField(label=_("Kind of event"), required=False)
    start = date_field(_("From"), required=False)
    end = date_field(_("To"), required=False)
    unusual = forms.BooleanField(label=_("Only unusual access"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = policy.log_rows(user, User.objects.filter(municipality__isnull=False))
        self.fields["person"].label_from_instance = lambda staff: f"{staff.display_name} ({staff.get_username()})"
        self.fields["citizen"].queryset = policy.log_rows(user, Citizen)
        self.fields["event"].choices = [("", _("All kinds")), *AuditEvent.Event.choices]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end date cannot be before the start date."))
        return data
