"""The relative's forms (the self-check, the contact request), the staff's answer and the editors' upload of a
directory to import: they parse and present; contacts.rules decides, contacts.services writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import TableUploadForm

from . import rules
from .models import ContactRequest, Offer

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class SelfCheckForm(forms.Form):
    """ "Hvordan har du det?": a handful of questions in the policies' own words. Nothing is stored."""

    strain = forms.ChoiceField(
        label=_("How hard is it to be a relative right now?"),
        help_text=_("Being a relative can be hard and wearing, when everyday life is about helping your close one."),
        choices=[
            (rules.STRAIN_OK, _("It is going all right")),
            (rules.STRAIN_HARD, _("It is hard and wearing")),
            (rules.STRAIN_TOO_MUCH, _("I cannot go on")),
        ],
        widget=forms.RadioSelect,
    )
    alone = forms.ChoiceField(
        label=_("Do you feel alone with it?"),
        help_text=_("Some miss contact with people in the same situation."),
        choices=[(rules.YES, _("Yes")), (rules.SOMETIMES, _("Sometimes")), (rules.NO, _("No"))],
        widget=forms.RadioSelect,
    )
    sleep = forms.ChoiceField(
        label=_("Do worries about your close one keep you awake at night?"),
        choices=[(rules.YES, _("Yes, often")), (rules.SOMETIMES, _("Sometimes")), (rules.NO, _("No"))],
        widget=forms.RadioSelect,
    )
    own_time = forms.ChoiceField(
        label=_("Do you have time and energy for yourself: work, hobbies, friends and family?"),
        choices=[
            (rules.OWN_TIME_YES, _("Yes")),
            (rules.OWN_TIME_LITTLE, _("Too little")),
            (rules.OWN_TIME_NO, _("No, my own life has come to a standstill")),
        ],
        widget=forms.RadioSelect,
    )
    knows_whom_to_ask = forms.ChoiceField(
        label=_("Do you know whom to ask at the municipality?"), choices=YES_NO, widget=forms.RadioSelect
    )
    illness = forms.ChoiceField(
        label=_("What is your close one's situation? (You may leave it out.)"),
        choices=[
            ("", _("Other, or I would rather not say")),
            *[(value, label) for value, label in Offer.ForWhom.choices if value != Offer.ForWhom.ALL],
        ],
        required=False,
        widget=forms.RadioSelect,
    )
    in_danger = forms.ChoiceField(
        label=_("Are you afraid that you or your close one is in danger right now?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )

    def answers(self) -> rules.Answers:
        data = self.cleaned_data
        return rules.Answers(
            strain=data["strain"],
            alone=data["alone"],
            sleep=data["sleep"],
            own_time=data["own_time"],
            knows_whom_to_ask=data["knows_whom_to_ask"] == "yes",
            in_danger=data["in_danger"] == "yes",
            illness=data["illness"],
        )


class ContactRequestForm(forms.Form):
    way = forms.ChoiceField(
        label=_("How should we get in touch?"), choices=ContactRequest.Way.choices, widget=forms.RadioSelect
    )
    name = forms.CharField(label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=40,
        help_text=_("8 digits, if we should call you."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "class": "input-width-s"}),
    )
    email = forms.CharField(
        label=_("E-mail"),
        required=False,
        max_length=254,
        help_text=_("If we should write to you."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    message = forms.CharField(
        label=_("A few words about what it is about (you may leave it out)"),
        required=False,
        help_text=_("At most 1,000 characters. Write nothing about your close one's health that is not needed."),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": rules.MESSAGE_MAX_LENGTH}),
    )
    consent = forms.BooleanField(label="", required=False)  # the label is the consent's text, set in __init__

    def __init__(self, *args, retention_days: int, municipality_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = _(
            "I agree that %(name)s contacts me about this, and that the portal keeps my request for "
            "%(days)d days and then erases it."
        ) % {"name": municipality_name, "days": retention_days}


class CloseRequestForm(forms.Form):
    note = forms.CharField(
        label=_("How was the relative answered?"),
        help_text=_("E.g. “Called back 3 March, agreed a meeting with the dementia coordinator.”"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


class DirectoryImportUploadForm(TableUploadForm):
    max_bytes_setting = "DIRECTORY_IMPORT_MAX_BYTES"
    label = _("File (CSV, Excel or HSDS)")
    help_text = _(
        "The template's columns (behov, situation, kontakt, …), one row per contact point in a situation; "
        "or an HSDS 3.0 data set as JSON or as a zip of CSV files."
    )
    accept = ".csv,.xlsx,.json,.zip"


class DirectoryImportConfirmForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput)
