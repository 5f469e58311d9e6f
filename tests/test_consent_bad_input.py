"""Nasty input on every form of the caseworker's tool: never a 500, never English, never lost.

Every field of every consent form gets every value of NASTY (and the values of its own kind:
other citizens' ids, unknown choices, bad CPR numbers, …) while the rest of the form is valid.
`accepts(field, value)` says whether the value is one the form should take (a name may hold an
emoji or "<script>", a date field takes no garbage). Then:

- rejected: the answer is 200 with an error at that field, in Danish (the text is a translation from
  a Danish catalogue and matches no English msgid), nothing is saved, no audit event is written,
  and everything the user typed is still in the form;
- accepted: it is saved once, as typed (less the surrounding whitespace a text field trims), with
  one audit event, and a page that shows it shows it escaped.

Each value is tried inside a savepoint that is rolled back, so every try starts from the same data.
"""

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import django
import polib
import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from consent import rules
from consent.cpr import parse_cpr
from consent.models import AuditEvent, Consent
from consent.views import STALE_FOLLOW_UP
from portal.roles import Role
from tests.factories import (
    AgreementFactory,
    CitizenFactory,
    ConsentFactory,
    RelativeFactory,
    StaffFactory,
    SuperuserFactory,
    UnitFactory,
)
from tests.service_helpers import consent_rows

ROOT = Path(__file__).resolve().parent.parent
TODAY = timezone.localdate

# --- The values ----------------------------------------------------------------------------------

NASTY: list[tuple[str, str]] = [
    ("empty", ""),
    ("whitespace", "  \t \n "),
    ("10 000 characters", "Å" * 10_000),
    ("NUL byte", "før\x00efter"),
    ("emoji", "Søren 😀👨‍👩‍👧"),
    ("RTL override", "Karen \u202eTestesen\u202c \u2067x\u2069"),
    ("HTML and script", "<script>alert('x')</script><b>fed</b>"),
    ("SQL", "'; DROP TABLE consent_citizen; --"),
    ("SQL with digits", "1' OR '1'='1"),
    ("31 February", "31.02.2025"),
    ("month 13", "2025-13-01"),
    ("zero date", "0000-00-00"),
    ("year 1", "01.01.0001"),
    ("far past, ISO", "1066-10-14"),
    ("year 9999", "31.12.9999"),
    ("far future, ISO", "9999-12-31"),
    ("negative", "-1"),
    ("huge", "99999999999999999999"),
    ("decimal", "1.5"),
    ("exponent", "1e3"),
    ("non-numeric id", "abc"),
    ("unknown choice", "maybe"),
]

BAD_CPRS: list[tuple[str, str]] = [
    ("CPR day 32", "320190-1234"),
    ("CPR month 13", "011390-1234"),
    ("CPR 29 February 2001", "290201-4321"),
    ("CPR all zeros", "000000-0000"),
    ("CPR 9 digits", "01019-1234"),
    ("CPR 11 digits", "010190-12345"),
    ("CPR 13 digits", "0101901234567"),
    ("CPR letter O", "01O190-1234"),
    ("CPR letters", "abcdef-ghij"),
    ("CPR underscore", "010190_1234"),
    ("CPR en dash", "010190–1234"),
    ("CPR full-width digits", "０１０１９０-１２３４"),
    ("CPR phone number", "+4512345678"),
    ("CPR with NUL", "010190-1234\x00"),
]


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    max_length: int | None = None
    extra: tuple = ()  # (label, value or callable(world) -> value) tried besides NASTY


# The kinds of field, and what each accepts of the values above (see `accepts`).
TEXT, OPTIONAL_TEXT, CHECKBOX = "text", "optional text", "checkbox"
DATE, OPTIONAL_DATE, NUMBER, EMAIL = "date", "optional date", "number", "email"
CHOICE, CHOICES, ID, OPTIONAL_ID, IDS = "choice", "choices", "id", "optional id", "ids"
CPR, SEARCH, VERSION = "cpr", "search", "version"


def is_cpr(value: str) -> bool:
    try:
        parse_cpr(value)
    except ValidationError:
        return False
    return True


def accepts(field: Field, value) -> bool:
    """Whether the form should take `value` in `field` (the rest of the form being valid)."""
    if field.kind == CHECKBOX:
        return True  # any value ticks the box
    if isinstance(value, list) or "\x00" in value:
        return False
    text = value.strip()
    if field.kind in (TEXT, OPTIONAL_TEXT):
        if field.max_length and len(text) > field.max_length:
            return False
        return bool(text) or field.kind == OPTIONAL_TEXT
    if field.kind == EMAIL:
        return text == ""
    if field.kind == OPTIONAL_DATE:
        return value == ""  # Django's DateField takes only "" for no date (whitespace is an invalid date)
    if field.kind == OPTIONAL_ID:
        return value == ""
    if field.kind == SEARCH:
        if not text or len(text) > 100:
            return False
        if any(character.isdigit() for character in text):
            return is_cpr(text)
        return len(" ".join(text.split())) >= 2
    # DATE, NUMBER, CHOICE, CHOICES, ID, IDS, CPR, VERSION: none of the values is a valid one.
    return False


# --- The data ------------------------------------------------------------------------------------


class World:
    """A caseworker of one unit, their citizen with a relative, a consent and an agreement; others around."""

    def __init__(self, municipality, other_municipality):
        self.unit = UnitFactory(municipality=municipality, name="Plejecenter Solgården")
        self.other_unit = UnitFactory(municipality=municipality, name="Hjemmeplejen Nord")
        self.foreign_unit = UnitFactory(municipality=other_municipality, name="Andeby Plejecenter")
        self.caseworker = StaffFactory(
            municipality=municipality, roles=[Role.CASEWORKER], first_name="Sara", last_name="Sagsbehandler"
        )
        self.caseworker.units.set([self.unit])
        self.colleague = StaffFactory(
            municipality=municipality, roles=[Role.CASEWORKER], first_name="Kim", last_name="Kollega"
        )
        self.foreign_staff = StaffFactory(municipality=other_municipality, roles=[Role.CASEWORKER])
        self.superuser = SuperuserFactory()
        self.citizen = CitizenFactory(
            municipality=municipality, units=[self.unit], created_by=self.caseworker, name="Karen Testesen"
        )
        self.relative = RelativeFactory(citizen=self.citizen, name="Mette Datter")
        self.consent = ConsentFactory(relative=self.relative, recorded_by=self.caseworker)
        self.agreement = AgreementFactory(citizen=self.citizen, created_by=self.caseworker, description="Mette ringer")
        # Another citizen of the same unit (the caseworker may open them) and one of another municipality.
        neighbour = CitizenFactory(
            municipality=municipality, units=[self.unit], created_by=self.caseworker, name="Anden Borger"
        )
        self.neighbours_relative = RelativeFactory(citizen=neighbour, name="Naboens Datter")
        self.neighbours_consent = ConsentFactory(relative=self.neighbours_relative, recorded_by=self.caseworker)
        foreign = CitizenFactory(
            municipality=other_municipality, units=[self.foreign_unit], created_by=self.foreign_staff
        )
        self.foreign_relative = RelativeFactory(citizen=foreign, name="Fremmed Datter")


@pytest.fixture
def world(municipality, other_municipality):
    return World(municipality, other_municipality)


def today() -> str:
    return TODAY().isoformat()


def in_days(days: int) -> str:
    return (TODAY() + timedelta(days=days)).isoformat()


OTHER_RELATIVES = (
    ("another citizen's relative", lambda w: str(w.neighbours_relative.pk)),
    ("another municipality's relative", lambda w: str(w.foreign_relative.pk)),
    ("id 0", "0"),
    ("two ids", lambda w: [str(w.relative.pk), str(w.neighbours_relative.pk)]),
)
UNKNOWN_CHOICES = (("a choice in upper case", "PERMIT"), ("two choices", ["yes", "no"]))
BAD_DATES = (
    ("30 February, ISO", "2025-02-30"),
    ("date and time", "2025-03-01T12:00"),
    ("American date", "02/31/2025"),
    ("day 00", "00.01.2025"),
)


@dataclass(frozen=True)
class Form:
    name: str
    url: Callable
    data: Callable  # world -> valid data, without the prefix
    fields: tuple[Field, ...]
    saves: str | None = None  # the model a successful POST adds a row to
    event: str | None = None  # the audit event a successful POST writes
    success: int = 302
    prefix: str = ""
    other_rows: dict = field(default_factory=dict)  # further rows a successful POST adds, by model

    def field(self, name: str) -> Field:
        return next(item for item in self.fields if item.name == name)


CONSENT_FIELDS = (
    Field("decision", CHOICE, extra=(("revoked: a model choice the form does not offer", "revoked"), *UNKNOWN_CHOICES)),
    Field("categories", CHOICES, extra=(("a known and an unknown kind", ["helbred", "maybe"]),)),
    Field("contact", CHOICE),  # optional in the form, needed for a permission (the base data)
    Field("form", CHOICE),
    Field("oral_note", TEXT),  # needed for an oral consent (the base data)
    Field("grantor", CHOICE),
    Field("grantor_document", OPTIONAL_TEXT, 200),
    Field("given_on", DATE, extra=BAD_DATES),
    Field("valid_from", DATE, extra=BAD_DATES),
    Field("valid_until", OPTIONAL_DATE, extra=(*BAD_DATES, ("before the start", "2000-01-01"))),
)


def consent_data() -> dict:
    return {
        "decision": "permit",
        "categories": ["helbred", "behandling"],
        "contact": "staff",
        "form": "oral",
        "oral_note": "Borgeren sagde ja i samtalen.",
        "grantor": "citizen",
        "grantor_document": "",
        "given_on": today(),
        "valid_from": today(),
        "valid_until": "",
    }


FORMS = [
    Form(
        "register",
        lambda w: reverse("consent:register"),
        lambda w: {"name": "Inger Ibsen", "cpr": "010150-1234", "units": [str(w.unit.pk)]},
        (
            Field("name", TEXT, 200),
            Field("cpr", CPR, extra=tuple(BAD_CPRS)),
            Field(
                "units",
                IDS,
                extra=(
                    ("another unit", lambda w: [str(w.other_unit.pk)]),
                    ("another municipality's unit", lambda w: [str(w.foreign_unit.pk)]),
                    ("own unit and garbage", lambda w: [str(w.unit.pk), "abc"]),
                ),
            ),
        ),
        saves="Citizen",
        event=AuditEvent.Event.CITIZEN_REGISTERED,
        other_rows={"Citizen_units": 1},
    ),
    Form(
        "relative",
        lambda w: reverse("consent:relative-new", args=[w.citizen.pk]),
        lambda w: {
            "name": "Jens Ibsen",
            "relation": "søn",
            "kind": "relative",
            "phone": "12345678",
            "email": "jens@example.dk",
            "staff_user": "",
        },
        (
            Field("name", TEXT, 200),
            Field("relation", TEXT, 100),
            Field("kind", CHOICE, extra=UNKNOWN_CHOICES),
            Field("phone", OPTIONAL_TEXT, 20),
            Field("email", EMAIL, extra=(("two addresses", "a@example.dk, b@example.dk"), ("no domain", "jens@"))),
            Field("is_minor", CHECKBOX),
            Field(
                "staff_user",
                OPTIONAL_ID,
                extra=(
                    ("another municipality's staff", lambda w: str(w.foreign_staff.pk)),
                    ("a platform superuser", lambda w: str(w.superuser.pk)),
                ),
            ),
        ),
        saves="Relative",
        event=AuditEvent.Event.RELATIVE_ADDED,
    ),
    Form(
        "dialogue",
        lambda w: reverse("consent:dialogue-new", args=[w.citizen.pk]),
        lambda w: {
            "held_on": today(),
            "involvement": "yes",
            "ask_again_on": "",
            "how_involved": "Datteren må ringe.",
            "citizen_expectations": "At hun kommer om søndagen.",
            "relatives_expectations": "At hun får besked.",
            "staff_offer": "Vi ringer ved ændringer.",
        },
        (
            Field("held_on", DATE, extra=BAD_DATES),
            Field("involvement", CHOICE, extra=UNKNOWN_CHOICES),
            Field("ask_again_on", OPTIONAL_DATE, extra=(*BAD_DATES, ("before the conversation", "2000-01-01"))),
            Field("how_involved", OPTIONAL_TEXT),
            Field("citizen_expectations", OPTIONAL_TEXT),
            Field("relatives_expectations", OPTIONAL_TEXT),
            Field("staff_offer", OPTIONAL_TEXT),
        ),
        saves="Dialogue",
        event=AuditEvent.Event.DIALOGUE_RECORDED,
    ),
    Form(
        "consent",
        lambda w: reverse("consent:consent-new", args=[w.citizen.pk]),
        lambda w: {"relative": str(w.relative.pk), **consent_data()},
        (Field("relative", ID, extra=OTHER_RELATIVES), *CONSENT_FIELDS),
        saves="Consent",
        event=AuditEvent.Event.CONSENT_RECORDED,
    ),
    Form(
        "change",
        lambda w: reverse("consent:consent-change", args=[w.consent.pk]),
        lambda w: {**consent_data(), "reason": "Borgeren ændrede mening."},
        (*CONSENT_FIELDS, Field("reason", OPTIONAL_TEXT)),
        saves="Consent",
        event=AuditEvent.Event.CONSENT_CHANGED,
    ),
    Form(
        "revoke",
        lambda w: reverse("consent:consent-revoke", args=[w.consent.pk]),
        lambda w: {"reason": "Borgeren har fortrudt.", "form": "written", "grantor": "citizen"},
        (
            Field("reason", TEXT),
            Field("form", CHOICE, extra=UNKNOWN_CHOICES),
            Field("grantor", CHOICE, extra=UNKNOWN_CHOICES),
            Field("grantor_document", OPTIONAL_TEXT, 200),
        ),
        saves="Consent",
        event=AuditEvent.Event.CONSENT_REVOKED,
    ),
    Form(
        "disclosure",
        lambda w: reverse("consent:disclosure", args=[w.citizen.pk]),
        lambda w: {"relative": str(w.relative.pk), "category": "helbred"},
        (Field("relative", ID, extra=OTHER_RELATIVES), Field("category", CHOICE, extra=UNKNOWN_CHOICES)),
        event=AuditEvent.Event.DISCLOSURE_CHECKED,
        success=200,
        prefix="disclosure-",
    ),
    Form(
        "agreement",
        lambda w: reverse("consent:agreement-new", args=[w.citizen.pk]),
        lambda w: {
            "description": "Mette tager med til lægen.",
            "responsible": "staff",
            "relative": "",
            "follow_up_every_days": "14",
            "next_follow_up": in_days(14),
        },
        (
            Field("description", TEXT),
            Field("responsible", CHOICE, extra=UNKNOWN_CHOICES),
            Field("relative", OPTIONAL_ID, extra=OTHER_RELATIVES),
            Field(
                "follow_up_every_days",
                NUMBER,
                extra=(("zero", "0"), ("3651 days", "3651"), ("10 000 digits", "9" * 10_000)),
            ),
            Field("next_follow_up", DATE, extra=BAD_DATES),
        ),
        saves="Agreement",
        event=AuditEvent.Event.AGREEMENT_RECORDED,
    ),
    Form(
        "follow-up",
        lambda w: reverse("consent:follow-up", args=[w.agreement.pk]),
        lambda w: {
            "held_on": today(),
            "outcome": "continue",
            "note": "Det går fint.",
            "next_date": in_days(30),
            "version": "1",
        },
        (
            Field("held_on", DATE, extra=BAD_DATES),
            Field("outcome", CHOICE, extra=UNKNOWN_CHOICES),
            Field("note", OPTIONAL_TEXT),
            Field("next_date", DATE, extra=(*BAD_DATES, ("before the follow-up", "2000-01-01"))),  # needed to continue
            Field("version", VERSION, extra=(("10 000 digits", "9" * 10_000), ("version 0", "0"))),
        ),
        saves="FollowUp",
        event=AuditEvent.Event.FOLLOW_UP_RECORDED,
    ),
    Form(
        "search",
        lambda w: reverse("consent:citizens"),
        lambda w: {"query": "Karen"},
        (Field("query", SEARCH, extra=(*BAD_CPRS, ("one letter", "K"), ("LIKE wildcards", "%_%"))),),
        success=200,  # a name that matches nobody: no result, so no audit event either
    ),
]
FORMS_BY_NAME = {form.name: form for form in FORMS}


def values_for(field: Field, world: World) -> list[tuple[str, object]]:
    values = [*NASTY, *field.extra]
    return [(label, value(world) if callable(value) else value) for label, value in values]


# --- Danish or not -------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\(\w+\)[sdrfi]|%[sdrfi]|%%")


def pattern_of(text: str) -> str | None:
    """A regular expression for what a catalogue string becomes once formatted; None if it has no words."""
    pieces = PLACEHOLDER.split(text)
    if not any(re.search(r"[^\W\d_]{2}", piece) for piece in pieces):
        return None
    placeholders = PLACEHOLDER.findall(text)
    out = re.escape(pieces[0])
    for placeholder, piece in zip(placeholders, pieces[1:], strict=True):
        out += ("%" if placeholder == "%%" else ".+?") + re.escape(piece)
    return out


@cache
def catalogue_patterns() -> tuple[re.Pattern, re.Pattern]:
    """(English msgids, Danish msgstrs) of the portal's catalogue and Django's own Danish catalogue."""
    english, danish = [], []
    paths = [
        ROOT / "locale/da/LC_MESSAGES/django.po",
        Path(django.__file__).parent / "conf/locale/da/LC_MESSAGES/django.po",
    ]
    for path in paths:
        for entry in polib.pofile(str(path)):
            english += [entry.msgid, entry.msgid_plural]
            danish += [entry.msgstr, *entry.msgstr_plural.values()]

    def union(texts):
        patterns = sorted({pattern for text in texts if text and (pattern := pattern_of(text))})
        return re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.DOTALL)

    return union(english), union(danish)


def danish_problem(message: str) -> str | None:
    english, danish = catalogue_patterns()
    if english.fullmatch(message):
        return f"English message: {message!r}"
    if not danish.fullmatch(message):
        return f"message in no Danish catalogue: {message!r}"
    return None


def test_the_danish_check_tells_english_from_danish():
    assert danish_problem("Write the citizen's name.") is not None
    assert danish_problem("Ensure this value has at most 200 characters (it has 10000).") is not None
    assert danish_problem("Made up and in no catalogue.") is not None
    assert danish_problem(gettext("Write the citizen's name.")) is None
    assert danish_problem("Denne værdi må højst have 200 tegn (den har 10000).") is None


# --- What the page still shows ---------------------------------------------------------------------


class FormState(HTMLParser):
    """The state of a page's form controls: text values, and which options are checked or selected."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.values: dict[str, list[str]] = defaultdict(list)
        self.options: dict[str, set] = defaultdict(set)
        self.chosen: dict[str, set] = defaultdict(set)
        self.single: set[str] = set()  # radio buttons and plain selects: the last of several values counts
        self._select = self._textarea = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "input" and attributes.get("type") in ("radio", "checkbox"):
            if attributes.get("type") == "radio":
                self.single.add(name)
            self.options[name].add(attributes.get("value", "on"))
            if "checked" in attributes:
                self.chosen[name].add(attributes.get("value", "on"))
        elif tag == "input" and name:
            self.values[name].append(attributes.get("value") or "")
        elif tag == "select":
            self._select = name
            if "multiple" not in attributes:
                self.single.add(name)
        elif tag == "option" and self._select:
            self.options[self._select].add(attributes.get("value", ""))
            if "selected" in attributes:
                self.chosen[self._select].add(attributes.get("value", ""))
        elif tag == "textarea":
            self._textarea = name
            self.values[name].append("")

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea:
            text = self.values[self._textarea][-1]
            self.values[self._textarea][-1] = text.removeprefix("\r\n").removeprefix("\n")  # as HTML parses it
            self._textarea = None
        elif tag == "select":
            self._select = None


def lost_input(html: str, posted: dict, skip: set) -> list[str]:
    """What the user typed or chose that the re-shown form no longer holds."""
    state = FormState(html)
    problems = []
    for name, value in posted.items():
        if name in skip:
            continue
        sent = [str(item) for item in value] if isinstance(value, list) else [str(value)]
        if name in state.single or name in state.values:
            sent = sent[-1:]  # what Django reads of several values for a one-value control
        if name in state.options:
            offered = {item for item in sent if item in state.options[name]}
            if state.chosen[name] != offered:
                problems.append(f"{name}: sent {sent!r}, the form now has {sorted(state.chosen[name])!r}")
        elif name in state.values:
            if state.values[name] != sent:
                problems.append(f"{name}: sent {shorten(sent)}, the form now has {shorten(state.values[name])}")
        else:
            problems.append(f"{name}: no longer in the form")
    return problems


def shorten(values: list[str]) -> str:
    return repr([value if len(value) < 60 else f"{value[:40]}…({len(value)} characters)" for value in values])


# --- The test ------------------------------------------------------------------------------------


def counts(rows: dict) -> dict:
    return {model: len(items) for model, items in rows.items()}


def try_value(client, world: World, form: Form, field: Field, value) -> list[str]:
    """POST the form with `value` in `field`; what is wrong with the answer."""
    data = {**form.data(world), field.name: value}
    posted = {f"{form.prefix}{name}": item for name, item in data.items()}
    before = consent_rows()
    try:
        response = client.post(form.url(world), posted)
    except Exception as error:  # the test client re-raises what would be a 500
        return [f"a 500: {error!r}"]
    after = consent_rows()
    if accepts(field, value):
        return accepted_problems(client, world, form, field, value, response, before, after)
    return rejected_problems(form, field, posted, response, before, after)


def rejected_problems(form, field, posted, response, before, after) -> list[str]:
    if response.status_code != 200:
        return [f"expected 200 with an error, got {response.status_code}"]
    problems = []
    if after != before:
        problems.append("refused, but data changed: " + str({m: len(after[m]) - len(before[m]) for m in after}))
    html = response.text
    bound = response.context["form"]
    messages = []
    if field.kind == VERSION and response.context.get("stale_message"):
        messages = [str(STALE_FOLLOW_UP)]  # a version that is not the agreement's: as if someone else was first
    elif field.name not in bound.errors:
        problems.append(f"no error at {field.name}; the errors: {dict(bound.errors)}")
    else:
        messages = [message for error in bound.errors[field.name].as_data() for message in error]
        if field.kind != VERSION and f'id="{bound[field.name].auto_id}_error"' not in html:
            problems.append(f"the error is not shown at the field ({bound[field.name].auto_id}_error)")
    others = set(bound.errors) - {field.name}
    if others:
        problems.append(f"errors at other fields too: { {name: bound.errors[name] for name in others} }")
    for message in messages:
        if problem := danish_problem(message):
            problems.append(problem)
        if escape(message) not in html:
            problems.append(f"the message is not on the page: {message!r}")
    skip = {"csrfmiddlewaretoken", f"{form.prefix}version"} if field.kind == VERSION else {"csrfmiddlewaretoken"}
    problems += [f"lost input: {problem}" for problem in lost_input(html, posted, skip)]
    return problems


def accepted_problems(client, world, form, field, value, response, before, after) -> list[str]:
    if response.status_code != form.success:
        errors = dict(response.context["form"].errors) if response.context and "form" in response.context else ""
        return [f"expected {form.success} (accepted), got {response.status_code} {errors}"]
    if form.success == 200 and response.context["form"].errors:
        return [f"expected no error, got {dict(response.context['form'].errors)}"]
    grown = {model: len(after[model]) - len(before[model]) for model in after}
    wanted = dict.fromkeys(after, 0)
    if form.saves:
        wanted[form.saves] += 1
    if form.event:
        wanted["AuditEvent"] += 1
    for model, added in form.other_rows.items():
        wanted[model] += added
    problems = []
    if grown != wanted:
        problems.append(f"accepted: rows added {grown}, expected {wanted}")
    new_events = AuditEvent.objects.order_by("-pk")[: wanted["AuditEvent"]]
    if [event.event for event in new_events] != ([form.event] if form.event else []):
        problems.append(f"accepted: audit events {[event.event for event in new_events]}")
    if form.saves and field.kind in (TEXT, OPTIONAL_TEXT) and not problems:
        saved = apps.get_model("consent", form.saves).objects.order_by("-pk").first()
        if getattr(saved, field.name) != value.strip():
            problems.append(f"accepted but saved as {shorten([getattr(saved, field.name)])}")
    if "<script>" in value:
        citizen_page = client.get(world.citizen.get_absolute_url()).text
        if "<script>alert" in citizen_page or "<script>alert" in response.text:
            problems.append("the script tag is on a page unescaped")
    return problems


CASES = [(form.name, item.name) for form in FORMS for item in form.fields]


@pytest.mark.parametrize(("form_name", "field_name"), CASES, ids=[f"{f}-{n}" for f, n in CASES])
def test_nasty_values(client, world, form_name, field_name):
    form = FORMS_BY_NAME[form_name]
    field = form.field(field_name)
    client.force_login(world.caseworker)
    problems = []
    for label, value in values_for(field, world):
        with transaction.atomic():
            problems += [f"{label}: {problem}" for problem in try_value(client, world, form, field, value)]
            transaction.set_rollback(True)
    assert not problems, f"{form_name} form, field {field_name}:\n" + "\n".join(problems)


def test_every_consent_form_is_in_the_table():
    """A field added to a consent form without a line in FORMS fails here."""
    from consent import forms

    expected = {
        "register": forms.RegisterCitizenForm,
        "relative": forms.RelativeForm,
        "dialogue": forms.DialogueForm,
        "consent": forms.ConsentForm,
        "revoke": forms.RevokeForm,
        "disclosure": forms.DisclosureForm,
        "agreement": forms.AgreementForm,
        "follow-up": forms.FollowUpForm,
        "search": forms.CitizenSearchForm,
    }
    for name, form_class in expected.items():
        declared = set(form_class.base_fields)
        if name == "consent":
            declared -= {"reason"}  # only in the change form
        assert {item.name for item in FORMS_BY_NAME[name].fields} == declared, name
    change = {item.name for item in FORMS_BY_NAME["change"].fields}
    assert change == set(forms.ConsentForm.base_fields) - {"relative"}


# --- Beyond the fields -------------------------------------------------------------------------------


def test_fields_a_form_does_not_have_cannot_move_a_record(client, world):
    """Extra fields naming another citizen, relative, version or user are ignored."""
    client.force_login(world.caseworker)
    extra = {
        "citizen": world.neighbours_relative.citizen_id,
        "relative": world.neighbours_relative.pk,
        "supersedes": world.neighbours_consent.pk,
        "recorded_by": world.colleague.pk,
        "created_by": world.colleague.pk,
        "municipality": world.foreign_unit.municipality_id,
    }
    response = client.post(
        reverse("consent:consent-change", args=[world.consent.pk]), {**consent_data(), "reason": "Ny", **extra}
    )
    assert response.status_code == 302
    new = world.consent.superseded_by
    assert (new.citizen, new.relative, new.recorded_by) == (world.citizen, world.relative, world.caseworker)
    assert rules.current_only(Consent.objects.filter(pk=world.neighbours_consent.pk)).exists()

    response = client.post(
        reverse("consent:relative-new", args=[world.citizen.pk]),
        {"name": "Ny", "relation": "ven", "kind": "relative", **extra},
    )
    assert response.status_code == 302
    assert world.citizen.relatives.filter(name="Ny").exists()

    response = client.post(
        reverse("consent:follow-up", args=[world.agreement.pk]),
        {"held_on": today(), "outcome": "end", "version": 1, "agreement": world.agreement.pk + 1, **extra},
    )
    assert response.status_code == 302
    world.agreement.refresh_from_db()
    assert world.agreement.ended_on == TODAY() and world.agreement.follow_ups.get().recorded_by == world.caseworker


@pytest.mark.parametrize(
    "value", ["abc", "-1", "0", "99999999999999999999", "9" * 5000, "²", "٣", "1.5", "\x00", "%00", "<script>", ""]
)
def test_nasty_query_parameters_are_harmless(client, world, value):
    """The query parameters the pages read: a page number and a preselected relative."""
    client.force_login(world.caseworker)
    administrator = StaffFactory(
        municipality=world.unit.municipality, roles=[Role.MUNICIPALITY_ADMIN], units=[world.unit]
    )
    before = counts(consent_rows())
    for url, parameter in [
        (reverse("consent:citizens"), "side"),
        (reverse("consent:consent-new", args=[world.citizen.pk]), "paaroerende"),
    ]:
        response = client.get(url, {parameter: value})
        assert response.status_code == 200, (url, value)
        assert "<script>" not in response.text.split("<main", 1)[1], (url, value)
    response = client.get(
        reverse("consent:consent-new", args=[world.citizen.pk]), {"paaroerende": world.neighbours_relative.pk}
    )
    assert response.status_code == 200 and "Naboens Datter" not in response.text
    response = client.get(reverse("consent:consent-new", args=[world.citizen.pk]), {"paaroerende": world.relative.pk})
    assert FormState(response.text).chosen["relative"] == {str(world.relative.pk)}  # the link still preselects
    assert counts(consent_rows()) == before
    client.force_login(administrator)
    assert client.get(reverse("consent:audit-log", args=[world.citizen.pk]), {"side": value}).status_code == 200


@pytest.mark.parametrize("pk", ["0", "99999999999999999999", "9" * 5000])
def test_an_id_in_an_address_that_is_no_ones_is_not_found(client, world, pk):
    from consent.urls import urlpatterns

    client.force_login(world.caseworker)
    before = consent_rows()
    for pattern in urlpatterns:
        if "pk" in pattern.pattern.converters and not pattern.name.startswith("log-checks"):  # 403: not theirs
            url = reverse(f"consent:{pattern.name}", args=[pk])
            assert client.get(url).status_code == 404, url
            assert client.post(url, {}).status_code == 404, url
    assert consent_rows() == before
