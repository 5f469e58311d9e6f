"""The rules of the relatives' survey, each a plain function: what a question, an indicator, a wave, a result
measured outside the portal, a batch of invitations and a relative's answers must be.

A rule returns the problems it finds as {field: [messages]} (field None: the thing as a whole), empty when
there are none. Rules write nothing and ask the database nothing of their own: what takes a query (a
question's indicators, whether anybody has answered) the caller hands them. surveys.services calls them
before every write and raises their problems as portal.errors.RuleViolation, and the admin's forms ask
the same services, so each rule and each message exists once.

`unchecked` names fields whose value is not there to be checked: a form that does not show them, or has
refused them already. A rule that involves such a field is left out, as Django leaves such fields out of
model validation (`full_clean(exclude=...)`).
"""

import re
from collections.abc import Collection, Iterable

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _

from .models import ANSWER_MAX_LENGTH, DONT_KNOW, ExternalResult, Indicator, Question, Scale, Wave, YesNo

Problems = dict[str | int | None, list[str]]

MAX_INVITATIONS = 500  # per batch: a batch of letters is printed from one page
MAX_EMAILED_INVITATIONS = 5000  # per batch of e-mails: sent by the task queue, not in the request
MAX_TEXT_LENGTH = 5000  # a free-text answer
DEFAULT_POSITIVE = {
    Question.Kind.SCALE: [Scale.VERY_HIGH.value, Scale.HIGH.value],
    Question.Kind.YES_NO: [YesNo.YES.value],
}


def related(obj, name: str):
    """obj.<name>, or None when it is not set (e.g. a form left it empty)."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def _checked(unchecked: Collection[str], *fields: str) -> bool:
    return not any(field in unchecked for field in fields)


def _add(problems: Problems, field: str | int | None, message: str) -> None:
    problems.setdefault(field, []).append(message)


def _theme_problems(theme, municipality_id: int | None, problems: Problems) -> None:
    """A question or an indicator points to a page of its own municipality's policy."""
    if theme is not None and theme.municipality_id != municipality_id:
        _add(problems, "theme", _("Choose a page of the survey's own municipality's policy."))


# --- questions ------------------------------------------------------------------------------------


def choices_problems(kind: str, choices) -> list[str]:
    """What is wrong with a question's list of answers: only a single-choice question has one."""
    if not isinstance(choices, list) or not all(isinstance(choice, str) and choice.strip() for choice in choices):
        return [_("Write each answer as a text, one per line.")]
    if kind != Question.Kind.CHOICE:
        return [_("Only a single-choice question lists its answers here. Leave this empty.")] if choices else []
    problems = []
    if len(choices) < 2:
        problems.append(_("A single-choice question needs at least two answers."))
    if len(set(choices)) < len(choices):
        problems.append(_("Each answer may appear only once."))
    if DONT_KNOW in choices:
        problems.append(_("“ved_ikke” is kept for “Don't know / not relevant”, which is added by itself."))
    if any(len(choice) > ANSWER_MAX_LENGTH for choice in choices):
        problems.append(_("An answer can be at most 100 characters long."))
    return problems


def _indicators_still_fit(question: Question, indicators: Iterable[Indicator], problems: Problems) -> None:
    """A question an indicator measures keeps the answers the indicator counts as positive."""
    allowed = set(question.answer_values()) - {DONT_KNOW}
    for indicator in indicators:
        if question.kind == Question.Kind.TEXT:
            problems["kind"] = [_("An indicator measures this question, so it cannot be free text.")]
            return
        lost = [answer for answer in indicator.positive_answers if answer not in allowed]
        if lost:
            field = "choices" if question.kind == Question.Kind.CHOICE else "kind"
            message = _("The indicator “%(indicator)s” counts “%(answer)s” as positive. Change the indicator first.")
            _add(problems, field, message % {"indicator": indicator.name, "answer": lost[0]})


def question_problems(
    question: Question, *, indicators: Iterable[Indicator] = (), unchecked: Collection[str] = ()
) -> Problems:
    """The problems of a question; `indicators` are those that measure it (a saved question may have some)."""
    problems: Problems = {}
    if _checked(unchecked, "kind", "choices"):
        wrong = choices_problems(question.kind, question.choices)
        if wrong:
            problems["choices"] = wrong
        else:
            _indicators_still_fit(question, indicators, problems)
    survey = related(question, "survey")
    if survey is not None and _checked(unchecked, "theme"):
        _theme_problems(related(question, "theme"), survey.municipality_id, problems)
    return problems


# --- indicators -----------------------------------------------------------------------------------


def positive_answers_or_default(kind: str, chosen: Iterable[str]) -> list[str]:
    """The chosen answers, each once and in the order chosen; none chosen: the top two of the five-point
    scale, or "yes" (a single-choice question has no default)."""
    return list(dict.fromkeys(chosen)) or list(DEFAULT_POSITIVE.get(kind, []))


def _positive_answers_problems(question: Question, answers, problems: Problems) -> None:
    allowed = set(question.answer_values()) - {DONT_KNOW}
    if not answers:
        _add(problems, "positive_answers", _("Tick the answers that count as positive."))
    elif not isinstance(answers, list) or not all(isinstance(answer, str) and answer in allowed for answer in answers):
        _add(problems, "positive_answers", _("Choose among the question's own answers."))


def _baseline_problems(indicator: Indicator, unchecked: Collection[str], problems: Problems) -> None:
    """A baseline is a share with its date (and perhaps its n); a deadline does not come before it."""
    if _checked(unchecked, "baseline", "baseline_date", "baseline_n"):
        if indicator.baseline is not None and not indicator.baseline_date:
            _add(problems, "baseline_date", _("Give the date of the baseline."))
        if indicator.baseline is None and (indicator.baseline_date or indicator.baseline_n is not None):
            _add(problems, "baseline", _("Give the baseline share, or leave its date and n empty."))
    dates = (indicator.baseline_date, indicator.deadline)
    if _checked(unchecked, "deadline", "baseline_date") and None not in dates and dates[1] < dates[0]:
        _add(problems, "deadline", _("The deadline cannot be before the date of the baseline."))


def indicator_problems(indicator: Indicator, *, unchecked: Collection[str] = ()) -> Problems:
    problems: Problems = {}
    question = related(indicator, "question") if _checked(unchecked, "question") else None
    if question is not None and question.kind == Question.Kind.TEXT:
        _add(problems, "question", _("A free-text question cannot measure a target."))
    elif question is not None:
        if _checked(unchecked, "positive_answers"):
            _positive_answers_problems(question, indicator.positive_answers, problems)
        if _checked(unchecked, "theme"):
            _theme_problems(related(indicator, "theme"), question.survey.municipality_id, problems)
    _baseline_problems(indicator, unchecked, problems)
    return problems


# --- waves and results measured outside the portal -------------------------------------------------


def wave_problems(
    wave: Wave, *, units: Iterable | None = None, has_open_link: bool = False, unchecked: Collection[str] = ()
) -> Problems:
    """The problems of a wave, given the units it is to have (None: left as they are) and whether it has an
    open link."""
    problems: Problems = {}
    dates = (wave.opens_on, wave.closes_on)
    if _checked(unchecked, "opens_on", "closes_on") and None not in dates and dates[1] < dates[0]:
        _add(problems, "closes_on", _("A wave cannot close before it opens."))
    if has_open_link and wave.is_external:
        message = _("A wave measured outside the portal takes no answers, so it has no open link.")
        _add(problems, "has_open_link", message)
    survey = related(wave, "survey") if _checked(unchecked, "survey") else None
    if survey is not None and units and any(unit.municipality_id != survey.municipality_id for unit in units):
        _add(problems, "units", _("Choose units of the survey's own municipality."))
    return problems


def _count_problems(result: ExternalResult, unchecked: Collection[str], problems: Problems) -> None:
    if _checked(unchecked, "n") and result.n is not None and result.n < 1:
        _add(problems, "n", _("n must be at least 1: the number of answers the share is out of."))
    elif (
        _checked(unchecked, "positive", "n") and None not in (result.positive, result.n) and result.positive > result.n
    ):
        _add(problems, "positive", _("There cannot be more positive answers than answers (n)."))


def external_result_problems(result: ExternalResult, *, unchecked: Collection[str] = ()) -> Problems:
    problems: Problems = {}
    _count_problems(result, unchecked, problems)
    wave = related(result, "wave")
    if wave is None:
        return problems
    if not wave.is_external:
        message = _("Results measured outside the portal belong to a wave marked “measured outside the portal”.")
        _add(problems, None, message)
    survey = related(wave, "survey")
    indicator = related(result, "indicator") if _checked(unchecked, "indicator") else None
    if survey is not None and indicator is not None and indicator.question.survey_id != survey.pk:
        _add(problems, "indicator", _("Choose an indicator of the wave's own survey."))
    unit = related(result, "unit") if _checked(unchecked, "unit") else None
    if survey is not None and unit is not None and unit.municipality_id != survey.municipality_id:
        _add(problems, "unit", _("Choose a unit of the survey's own municipality."))
    return problems


def external_totals_problems(results: Iterable[ExternalResult]) -> Problems:
    """One result for the whole municipality (no unit) per indicator in a wave. The database's unique
    constraint does not see this: to it, two rows without a unit are different."""
    totals = set()
    for result in results:
        indicator = related(result, "indicator")
        if result.unit_id is not None or indicator is None:
            continue
        if indicator.pk in totals:
            return {None: [_("An indicator can have only one result for the whole municipality in a wave.")]}
        totals.add(indicator.pk)
    return {}


def deletion_problems(obj: object, *, has_answers: bool) -> Problems:
    """Answers are never deleted with what they answer: nobody can give them again."""
    if not has_answers:
        return {}
    if isinstance(obj, Question):
        return {None: [_("“%(question)s” has answers, so it cannot be deleted.") % {"question": obj}]}
    return {None: [_("“%(name)s” has answers, which nobody can give again, so it cannot be deleted.") % {"name": obj}]}


# --- invitations ----------------------------------------------------------------------------------


def invitation_problems(
    wave: Wave, *, count: int, unit_in_wave: bool, today, limit: int = MAX_INVITATIONS, field: str = "count"
) -> Problems:
    """A batch of invitation codes: for a wave that takes them, a unit of the wave, a count a page can print
    (or, for e-mails, `MAX_EMAILED_INVITATIONS`)."""
    if not wave.takes_invitations(today):
        return {None: [_("This wave takes no more answers, so it needs no invitations.")]}
    problems: Problems = {}
    if not 1 <= count <= limit:
        _add(problems, field, _("Make between 1 and %(limit)d invitations at a time.") % {"limit": limit})
    if not unit_in_wave:
        _add(problems, "unit", _("Choose one of the wave's units."))
    return problems


def reminder_problems(wave: Wave, *, is_reminder: bool, finished: bool, already_reminded: bool, today) -> Problems:
    """One reminder round per e-mail round, once it has finished, while the wave still takes answers."""
    if not wave.takes_invitations(today):
        return {None: [_("This wave takes no more answers, so no reminders are sent.")]}
    if is_reminder:
        return {None: [_("A reminder round gets no reminder of its own.")]}
    if not finished:
        return {None: [_("Wait until all the invitations have been sent.")]}
    if already_reminded:
        return {None: [_("A reminder has already been sent for these invitations.")]}
    return {}


# --- a relative's answers -------------------------------------------------------------------------
# The messages are numbered as the form shows the questions.


def required_message(question: Question, number: int) -> str:
    if question.kind == Question.Kind.TEXT:
        return _("Write an answer to question %(number)d.") % {"number": number}
    return _("Choose an answer to question %(number)d.") % {"number": number}


def invalid_choice_message(number: int) -> str:
    return _("Choose one of the answers shown for question %(number)d.") % {"number": number}


def too_long_message(number: int) -> str:
    return _("Your answer to question %(number)d is too long: write at most %(limit)d characters.") % {
        "number": number,
        "limit": MAX_TEXT_LENGTH,
    }


def mismatch_message() -> str:
    return _("The answers did not match the survey's questions. Check your answers and send them again.")


def nothing_answered_message() -> str:
    return _("Answer at least one question before you send your answers.")


def _as_int(value) -> int | None:
    """A question id given as an int or as digits; None for anything else (bools and floats too)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


KeptAnswer = tuple[Question, str, str]  # (question, value, free text)


def _read_one(question: Question, number: int, raw_value) -> tuple[KeptAnswer | None, str | None]:
    """One question's answer to keep, or the problem with it; (None, None) when it is left unanswered."""
    if raw_value is None:
        return None, None
    if not isinstance(raw_value, str):
        return None, invalid_choice_message(number)
    value = raw_value.strip()
    if not value:
        return None, None
    if question.kind != Question.Kind.TEXT:
        if value not in question.answer_values():
            return None, invalid_choice_message(number)
        return (question, value, ""), None
    if len(value) > MAX_TEXT_LENGTH:
        return None, too_long_message(number)
    return (question, "", value), None


def read_answers(questions: list[Question], answers: dict) -> tuple[list[KeptAnswer], Problems]:
    """The answers to keep as (question, value, text), and the problems keyed by question id (None: the form).

    `questions` are the wave's, in the order the form shows them (question n at index n - 1). The keys of
    `answers` are question ids (int or digits), the values one of Question.answer_values() or a free text;
    an empty value leaves a question unanswered.
    """
    by_id = {question.pk: (number, question) for number, question in enumerate(questions, 1)}
    problems: Problems = {}
    kept: list[KeptAnswer] = []
    for raw_key, raw_value in answers.items():
        key = _as_int(raw_key)
        if key not in by_id:
            problems[None] = [mismatch_message()]
            continue
        number, question = by_id[key]
        answer, problem = _read_one(question, number, raw_value)
        if problem is not None:
            problems[key] = [problem]
        elif answer is not None:
            kept.append(answer)
    answered = {question.pk for question, _value, _text in kept}
    for number, question in by_id.values():
        if question.required and question.pk not in answered and question.pk not in problems:
            problems[question.pk] = [required_message(question, number)]
    if not problems and not kept:
        problems[None] = [nothing_answered_message()]
    return kept, problems


# --- personal data in free text --------------------------------------------------------------------
# Applied by surveys.services before an answer is stored, so that no CPR number or e-mail address typed
# into the anonymous survey is ever saved or exported. The replacements are stored, so they are Danish.

CPR_LIKE = re.compile(
    r"(?<![0-9])(?:0[1-9]|[12][0-9]|3[01])(?:0[1-9]|1[0-2])[0-9]{2}"  # ddmmyy
    r"[ \t\u00a0]*[-\u2010-\u2015]?[ \t\u00a0]*"  # a dash, spaces, both or nothing
    r"[0-9]{4}(?![0-9])"
)
EMAIL_LIKE = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
CPR_MASK = "[CPR-nummer fjernet]"
EMAIL_MASK = "[e-mailadresse fjernet]"


def mask_personal_data(text: str) -> str:
    """`text` with CPR-like numbers (ddmmyy-xxxx, with a dash, a space or nothing between) and e-mail
    addresses replaced by a note that they were removed. Pure."""
    return CPR_LIKE.sub(CPR_MASK, EMAIL_LIKE.sub(EMAIL_MASK, text))


# --- action plans -----------------------------------------------------------------------------------

FIRST_PLAN_YEAR = 2000
PLAN_YEARS_AHEAD = 5


def action_plan_problems(*, municipality_id: int, unit, area: str, year: int | None, theme=None, today) -> Problems:
    """A plan is for one unit or one area of the municipality, for a year not far off, tied to a theme of the
    municipality's own policy (if any)."""
    problems: Problems = {}
    _theme_problems(theme, municipality_id, problems)
    if (unit is None) == (not area):
        _add(problems, "unit", _("Choose either a unit or an area."))
    elif unit is not None and unit.municipality_id != municipality_id:
        _add(problems, "unit", _("Choose a unit of your own municipality."))
    if year is not None and not FIRST_PLAN_YEAR <= year <= today.year + PLAN_YEARS_AHEAD:
        message = _("Give a year from %(first)d to %(last)d.")
        _add(problems, "year", message % {"first": FIRST_PLAN_YEAR, "last": today.year + PLAN_YEARS_AHEAD})
    return problems


def action_problems(*, municipality_id: int, starts_on, deadline, owner, owner_name: str, indicators) -> Problems:
    """An action has an owner (a name, or a staff member of the municipality), a deadline not before its start,
    and indicators of the municipality's own surveys."""
    problems: Problems = {}
    if None not in (starts_on, deadline) and deadline < starts_on:
        _add(problems, "deadline", _("The deadline cannot be before the start."))
    if owner is None and not owner_name.strip():
        _add(problems, "owner_name", _("Write who owns the action, or choose a staff member."))
    if owner is not None and owner.municipality_id != municipality_id:
        _add(problems, "owner", _("Choose a staff member of your own municipality."))
    if any(indicator.question.survey.municipality_id != municipality_id for indicator in indicators):
        _add(problems, "indicators", _("Choose indicators of your own municipality's survey."))
    return problems


# --- the yearly follow-up report ----------------------------------------------------------------------


def report_year_problems(year: int, *, today) -> Problems:
    """A report is for a year that has begun (and not before the portal's plans could start)."""
    if year > today.year:
        return {
            "year": [_("%(year)d has not begun yet: a report can be made from 1 January %(year)d.") % {"year": year}]
        }
    if year < FIRST_PLAN_YEAR:
        return {"year": [_("Give a year from %(first)d.") % {"first": FIRST_PLAN_YEAR}]}
    return {}


# --- letters for window envelopes: the name-and-address list, typed or uploaded for one print ----------
# Read here and never stored: surveys.letter_views prints one letter per address and forgets the list.

MAX_ADDRESS_LINES = 3000  # in all: at most MAX_INVITATIONS addresses of a few lines each
MAX_LINES_PER_ADDRESS = 6  # what a C5/C65 window shows
MAX_ADDRESS_LINE_LENGTH = 60
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode_address_file(raw: bytes) -> tuple[str | None, Problems]:
    """An uploaded list as text: UTF-8 (with or without a byte-order mark), else Windows-1252; anything else
    (UTF-16, a spreadsheet, a picture) is refused with a message saying how to save it."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not _CONTROL.search(text):
            return text, {}
    message = _(
        "The file could not be read as text. Save it as a CSV or text file in UTF-8 or Windows-1252 (ANSI) and"
        " upload it again."
    )
    return None, {"file": [message]}


def _address_blocks(text: str, *, is_csv: bool) -> list[list[str]]:
    if is_csv:
        import csv

        dialect = ";" if text.count(";") >= text.count(",") else ","
        rows = csv.reader(text.splitlines(), delimiter=dialect)
        return [[cell.strip() for cell in row if cell.strip()] for row in rows if any(cell.strip() for cell in row)]
    blocks, current = [], []
    for line in text.splitlines():
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def read_address_list(text: str, *, is_csv: bool = False, field: str = "addresses") -> tuple[list[list[str]], Problems]:
    """The addresses of a list, each a list of lines. Plain text: one address per block of lines, a blank line
    between; CSV: one address per row, its cells the lines. Refused: too many lines or addresses, an address
    longer than a window shows."""
    lines = text.count("\n") + 1 if text.strip() else 0
    if lines > MAX_ADDRESS_LINES:
        message = _("The list has %(lines)s lines; print at most %(limit)s lines (%(addresses)s addresses) at a time.")
        values = {"lines": f"{lines:,}".replace(",", "."), "limit": f"{MAX_ADDRESS_LINES:,}".replace(",", "."),
                  "addresses": MAX_INVITATIONS}  # fmt: skip
        return [], {field: [message % values]}
    blocks = _address_blocks(text, is_csv=is_csv)
    problems: Problems = {}
    if not blocks:
        _add(problems, field, _("Write or upload at least one name and address."))
    elif len(blocks) > MAX_INVITATIONS:
        message = _("The list has %(count)d addresses; print at most %(limit)d letters at a time.")
        _add(problems, field, message % {"count": len(blocks), "limit": MAX_INVITATIONS})
    for number, block in enumerate(blocks, 1):
        if len(block) > MAX_LINES_PER_ADDRESS:
            message = _("Address %(number)d has %(lines)d lines; a window envelope shows at most %(limit)d.")
            _add(problems, field, message % {"number": number, "lines": len(block), "limit": MAX_LINES_PER_ADDRESS})
            break
        if any(len(line) > MAX_ADDRESS_LINE_LENGTH for line in block):
            message = _("A line of address %(number)d is longer than %(limit)d characters: shorten it.")
            _add(problems, field, message % {"number": number, "limit": MAX_ADDRESS_LINE_LENGTH})
            break
    return blocks, problems
