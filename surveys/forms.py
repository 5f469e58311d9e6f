import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.html import format_html
from django.utils.translation import get_language, get_language_info, gettext
from django.utils.translation import gettext_lazy as _

from portal.models import Area
from portal.translations import SOURCE_LANGUAGE

from . import codes, rules
from .languages import translated_choices
from .models import DONT_KNOW, Action, Question, Scale, YesNo

QUESTION_FIELD = re.compile(r"q(\d+)")


def marked(text: str):
    """The text, wrapped in <span lang="da"> when it is Danish and the page is English (WCAG 3.1.2)."""
    lang = getattr(text, "lang", "da")
    if (get_language() or "da").startswith(lang):
        return str(text)
    return format_html('<span lang="{}">{}</span>', lang, text)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Your code"),
        help_text=_("It is in your letter or e-mail: 10 letters and digits, for example ACEF-GHJK-MN."),
        max_length=40,
        error_messages={"required": _("Type the code from your letter or e-mail.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "input-char-11",
            }
        ),
    )

    def clean_code(self) -> str:
        normalized = codes.normalize(self.cleaned_data["code"])
        if normalized is None:
            raise ValidationError(
                _("A code has 10 letters and digits, for example ACEF-GHJK-MN. Type it as it is in your letter."),
                code="malformed",
            )
        return normalized


def question_field(question: Question, number: int) -> forms.Field:
    text = question.translated("text")
    label = format_html("{}. {}", number, marked(text))
    required = {"required": rules.required_message(question, number)}
    if question.kind == Question.Kind.TEXT:
        return forms.CharField(
            label=label,
            required=question.required,
            max_length=rules.MAX_TEXT_LENGTH,
            widget=forms.Textarea(attrs={"rows": 5}),
            help_text=_(
                "Please do not write names, CPR numbers or other details that tell who you or your relative"
                " are. CPR numbers and e-mail addresses are removed before your answer is saved."
            ),
            error_messages={**required, "max_length": rules.too_long_message(number)},
        )
    if question.kind == Question.Kind.SCALE:
        choices = Scale.choices
    elif question.kind == Question.Kind.YES_NO:
        choices = YesNo.choices
    else:
        # The value posted is the Danish answer whatever the language shown, so all languages count together.
        labels = translated_choices(question)
        choices = [(choice, marked(label)) for choice, label in zip(question.choices, labels, strict=True)]
        choices.append((DONT_KNOW, Scale.DONT_KNOW.label))
    return forms.ChoiceField(
        label=label,
        required=question.required,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={**required, "invalid_choice": rules.invalid_choice_message(number)},
    )


class AnswerForm(forms.Form):
    """One field per question, named q<question id>. It reads the answers; services.submit_response checks them."""

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for number, question in enumerate(questions, 1):
            self.fields[f"q{question.pk}"] = question_field(question, number)

    def clean(self):
        cleaned = super().clean()
        if any(QUESTION_FIELD.fullmatch(key) and key not in self.fields for key in self.data):
            raise ValidationError(rules.mismatch_message(), code="mismatch")
        return cleaned

    def answers(self) -> dict[int, str]:
        return {question.pk: self.cleaned_data.get(f"q{question.pk}") or "" for question in self.questions}

    def add_service_errors(self, error: ValidationError) -> None:
        """Puts the RuleViolation of services.submit_response (keyed by question id) on the questions' fields."""
        for key, messages in error.message_dict.items():
            name = f"q{key}"
            self.add_error(name if name in self.fields else None, messages)


def language_choices() -> list[tuple[str, str]]:
    """The interface languages, each named in itself and in the reader's language: “العربية (Arabic)”."""
    choices = []
    for code, _name in settings.LANGUAGES:
        info = get_language_info(code)
        local, translated = info["name_local"], str(info["name_translated"])
        choices.append((code, local if local == translated else f"{local} ({translated})"))
    return choices


class LanguageField(forms.ChoiceField):
    """A language of the portal; left out, Danish."""

    def clean(self, value):
        return super().clean(value) or SOURCE_LANGUAGE


def letter_language_field() -> forms.ChoiceField:
    return LanguageField(
        required=False,
        label=_("Language of the letters or e-mails"),
        help_text=_("The relatives' language, where you know it. Every letter and e-mail also holds the link to"
                    " the survey in each of the portal's languages."),
        choices=language_choices,
        initial=SOURCE_LANGUAGE,
        error_messages={"invalid_choice": _("Choose one of the portal's languages.")},
    )  # fmt: skip


class Delivery:
    LETTERS = "letters"
    EMAIL = "email"


class InvitationForm(forms.Form):
    unit = forms.ModelChoiceField(
        queryset=None,
        label=_("Unit"),
        help_text=_("The relatives of this unit's citizens get the invitations."),
        error_messages={"required": _("Choose the unit."), "invalid_choice": _("Choose one of the wave's units.")},
    )
    delivery = forms.ChoiceField(
        label=_("How do the relatives get their codes?"),
        choices=[(Delivery.LETTERS, _("Printed letters")), (Delivery.EMAIL, _("E-mail"))],
        initial=Delivery.LETTERS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose letters or e-mail.")},
    )
    count = forms.IntegerField(
        label=_("Number of letters"),
        required=False,
        min_value=1,
        max_value=rules.MAX_INVITATIONS,
        error_messages={
            "invalid": _("Write the number of letters as a whole number."),
            "min_value": _("Make at least one letter."),
            "max_value": _("Make at most %(limit_value)s letters at a time."),
        },
        widget=forms.NumberInput(attrs={"class": "input-width-xs"}),
    )
    emails = forms.CharField(
        label=_("E-mail addresses"),
        help_text=_(
            "Only for e-mail: one address per line; each gets its own code. "
            "The addresses are kept only until the wave closes, for one reminder to those who have not answered."
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off", "spellcheck": "false"}),
    )
    language = letter_language_field()

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["unit"].empty_label = gettext("Choose a unit")
        if len(units) == 1:
            self.fields["unit"].initial = units[0].pk
        self.fields["count"].help_text = gettext(
            "Only for printed letters: one code per letter, at most %(limit)d at a time."
        ) % {"limit": rules.MAX_INVITATIONS}

    def clean(self):
        cleaned = super().clean()
        delivery = cleaned.get("delivery")
        if delivery == Delivery.LETTERS and cleaned.get("count") is None and "count" not in self._errors:
            self.add_error("count", _("Write how many letters to make."))
        if delivery == Delivery.EMAIL:
            cleaned["addresses"] = self.addresses(cleaned.get("emails", ""))
        return cleaned

    def addresses(self, text: str) -> list[str]:
        addresses, seen, wrong = [], set(), []
        for line in text.splitlines():
            address = line.strip().strip(",;")
            if not address or address.lower() in seen:
                continue
            try:
                validate_email(address)
            except ValidationError:
                wrong.append(address)
                continue
            seen.add(address.lower())
            addresses.append(address)
        if wrong:
            self.add_error(
                "emails",
                gettext("These lines are not e-mail addresses: %(lines)s") % {"lines": ", ".join(wrong[:5])},
            )
        elif not addresses:
            self.add_error("emails", _("Write at least one e-mail address."))
        elif len(addresses) > rules.MAX_EMAILED_INVITATIONS:
            self.add_error(
                "emails",
                gettext("Send to at most %(limit)d addresses at a time.") % {"limit": rules.MAX_EMAILED_INVITATIONS},
            )
        return addresses


class FreeTextWarningForm(forms.Form):
    """The warning a manager ticks before downloading free-text answers."""

    understood = forms.BooleanField(
        label=_(
            "I understand that free-text answers may tell who wrote them or whom they are about, and I will keep"
            " the file within the municipality."
        ),
        error_messages={"required": _("Tick the box to confirm that you have read the warning.")},
    )


DATE_WIDGET = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class ActionPlanForm(forms.Form):
    """A new action plan: for a unit or an area of the manager's municipality, and a year."""

    unit = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=_("Unit"),
        error_messages={"invalid_choice": _("Choose a unit of your own municipality.")},
    )
    area = forms.ChoiceField(label=_("or an area"), required=False)
    year = forms.IntegerField(
        label=_("Year"), error_messages={"required": _("Give the year."), "invalid": _("Write the year as digits.")}
    )
    title = forms.CharField(label=_("Title"), max_length=200, error_messages={"required": _("Give the plan a title.")})

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["area"].choices = [("", "—"), *Area.choices]


class ActionForm(forms.Form):
    """An action of a plan: what, who, from when to when, how far it has come, which indicators it should move."""

    title = forms.CharField(label=_("Action"), max_length=300, error_messages={"required": _("Describe the action.")})
    owner_name = forms.CharField(label=_("Owner"), max_length=200, required=False, help_text=_("A name or a team."))
    owner = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=_("or a staff member"),
        error_messages={"invalid_choice": _("Choose a staff member of your own municipality.")},
    )
    starts_on = forms.DateField(
        label=_("Start"),
        error_messages={"required": _("Give the start date."), "invalid": _("Write the date as dd.mm.åååå.")},
        **DATE_WIDGET,
    )
    deadline = forms.DateField(
        label=_("Deadline"),
        error_messages={"required": _("Give the deadline."), "invalid": _("Write the date as dd.mm.åååå.")},
        **DATE_WIDGET,
    )
    status = forms.ChoiceField(label=_("Status"), choices=Action.Status.choices, initial=Action.Status.PLANNED)
    note = forms.CharField(label=_("What was done"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    indicators = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        label=_("Indicators it should move"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose indicators of your own municipality's survey.")},
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, staff, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff
        self.fields["owner"].label_from_instance = lambda user: user.display_name
        self.fields["indicators"].queryset = indicators


class ReportYearForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"), error_messages={"required": _("Give the year."), "invalid": _("Write the year as digits.")}
    )


class ReportSummaryForm(forms.Form):
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 8}))
    is_published = forms.BooleanField(
        label=_("Publish the public web version (headline indicators only, small groups hidden)"), required=False
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


MAX_ADDRESS_FILE_BYTES = 512 * 1024


class AddressLettersForm(forms.Form):
    """Letters for window envelopes: a unit of the wave and the names and addresses, typed or uploaded (for
    this print only: the list is never stored)."""

    unit = forms.ModelChoiceField(
        queryset=None,
        label=_("Unit"),
        error_messages={"required": _("Choose the unit."), "invalid_choice": _("Choose one of the wave's units.")},
    )
    addresses = forms.CharField(
        label=_("Names and addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("One name and address per block of lines, with a blank line between them. They are printed on"
                    " the letters and not saved."),
    )  # fmt: skip
    file = forms.FileField(
        label=_("Or upload a list"),
        required=False,
        help_text=_("A CSV file (one address per row) or a text file, in UTF-8 or Windows-1252."),
    )
    language = letter_language_field()

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > MAX_ADDRESS_FILE_BYTES:
            raise ValidationError(_("The file is too large: upload at most 500 KB."))
        return upload

    def address_blocks(self) -> list[list[str]]:
        """The addresses, from the file if one was uploaded, else from the text; ValidationError at the field."""
        upload = self.cleaned_data.get("file")
        if upload:
            text, problems = rules.decode_address_file(upload.read())
            if not problems:
                is_csv = upload.name.lower().endswith(".csv")
                blocks, problems = rules.read_address_list(text, is_csv=is_csv, field="file")
        else:
            blocks, problems = rules.read_address_list(self.cleaned_data.get("addresses", ""))
        if problems:
            for field, messages in problems.items():
                self.add_error(field, messages)
            return []
        return blocks
