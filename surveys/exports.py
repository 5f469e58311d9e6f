"""The managers' downloads: the dashboard's figures (CSV and Excel) and the anonymous answers (CSV).

Written for the spreadsheet a manager opens with a double-click, in the interface's language:
- Danish (the default): headers and words in Danish ("Målet er nået", not `met`); the CSV has `;` between
  the columns, a decimal comma and a UTF-8 byte-order mark, which is what Danish Excel reads into columns;
- English (under /en/): English headers and words, `,` between the columns and a decimal point.
The Excel file holds numbers as numbers, shares with a percent format; it is written row by row
(XlsxWriter's constant_memory mode) to a temporary file, so its time and memory grow linearly with the rows.
Every export is streamed to the client. On PostgreSQL the database itself writes the answers CSV (COPY … TO STDOUT).

The answers export names a unit only where surveys.suppression.units_named_in_answers allows it (other
units' answers are "Other units"), and holds free text only when asked for after a warning.
A cell a spreadsheet would run as a formula (free text comes from anyone) is written as text.
"""

import csv
import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import BinaryIO

from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from portal.translations import prefetch_translations, translation_subquery

from .models import DONT_KNOW, Indicator, Question, Scale, Survey, Wave, YesNo
from .results import Group, GroupKind, Result, SurveyResults

# (key, header). The keys are stable; the headers are in the interface's language.
FIGURE_COLUMNS = [
    ("indicator", gettext_lazy("Indicator")),
    ("wave", gettext_lazy("Wave")),
    ("wave_opens", gettext_lazy("Wave opened")),
    ("wave_closes", gettext_lazy("Wave closed")),
    ("group_kind", gettext_lazy("Kind of group")),
    ("group", gettext_lazy("Group")),
    ("positive", gettext_lazy("Positive answers")),
    ("n", gettext_lazy("Answers (n)")),
    ("dont_know", gettext_lazy("Don't know")),
    ("share", gettext_lazy("Share positive")),
    # xgettext:no-python-format
    ("ci_low", gettext_lazy("95 % interval, low")),
    # xgettext:no-python-format
    ("ci_high", gettext_lazy("95 % interval, high")),
    ("target", gettext_lazy("Target")),
    ("status", gettext_lazy("Target status")),
    ("change", gettext_lazy("Change since the previous wave")),
    ("previous_wave", gettext_lazy("Previous wave")),
    ("on_track", gettext_lazy("On track")),
    ("hidden", gettext_lazy("Hidden")),
]
PERCENT_COLUMNS = {"share", "ci_low", "ci_high", "target"}
DATE_COLUMNS = {"wave_opens", "wave_closes"}
ANSWER_COLUMNS = [
    ("response", gettext_lazy("Response")),
    ("wave", gettext_lazy("Wave")),
    ("unit", gettext_lazy("Unit")),
    ("question_number", gettext_lazy("Question number")),
    ("question", gettext_lazy("Question")),
    ("answer", gettext_lazy("Answer")),
    ("text", gettext_lazy("Free text")),
]
GROUP_KIND_LABELS = {
    GroupKind.TOTAL: gettext_lazy("Municipality"),
    GroupKind.AREA: gettext_lazy("Area"),
    GroupKind.NO_UNIT: gettext_lazy("Not tied to a unit"),
    GroupKind.UNIT: gettext_lazy("Unit"),
}
OTHER_UNITS = gettext_lazy("Other units")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # lets Excel read the CSV as UTF-8
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV is written for the Excel of the interface's language."""

    delimiter: str
    decimal: str


DANISH_CSV = CsvDialect(delimiter=";", decimal=",")
ENGLISH_CSV = CsvDialect(delimiter=",", decimal=".")


def csv_dialect() -> CsvDialect:
    return ENGLISH_CSV if (get_language() or "da").startswith("en") else DANISH_CSV


def safe_cell(value):
    """A text that a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_name(survey: Survey, what: str, extension: str) -> str:
    return f"{survey.municipality.slug}-{what}-{timezone.localdate().isoformat()}.{extension}"


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def headers(columns) -> list[str]:
    return [str(header) for _key, header in columns]


def figure_row(indicator: Indicator, wave: Wave, group: Group, result: Result) -> list:
    """One indicator's result for one group in one wave, in FIGURE_COLUMNS' order; a hidden one without its
    numbers. Shares are fractions (0.59), written as percentages by the CSV and the Excel format."""
    figure, interval = result.figure, result.interval or (None, None)
    numbers = [figure.positive, figure.n, figure.dont_know, figure.share] if figure else [None] * 4
    return [
        str(indicator.translated("name")),
        wave.name,
        wave.opens_on,
        wave.closes_on,
        str(GROUP_KIND_LABELS[group.kind]),
        group.label,
        *numbers[:3],
        _rounded(numbers[3]),
        _rounded(interval[0]),
        _rounded(interval[1]),
        None if indicator.target is None else float(indicator.target),
        result.status_label,
        result.change_label,
        result.previous_wave.name if result.previous_wave else "",
        "" if result.on_track is None else (_("Yes") if result.on_track else _("No")),
        result.hidden_label,
    ]


def figure_rows(results: SurveyResults) -> list[list]:
    """The dashboard's figures, one row per indicator, wave and group with answers (shown or hidden)."""
    prefetch_translations(results.indicators)  # the names in the reader's language, one query
    return [
        figure_row(indicator, wave, group, result)
        for indicator in results.indicators
        for wave in results.waves_of(indicator)
        for group in results.groups
        if (result := results.get(indicator, wave, group)) is not None and (result.shown or result.hidden)
    ]


class _Echo:
    """A file-like object that hands back what is written, for streaming CSV."""

    def write(self, value: str) -> str:
        return value


def csv_number(value, decimal: str) -> str:
    """A number as the CSV's Excel reads it: 58,97 in Danish, 58.97 in English."""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", decimal)
    return str(value)


def csv_lines(rows: Iterable, dialect: CsvDialect, percent_columns: set[int] = frozenset()) -> Iterator[str]:
    """The rows as CSV lines; the values in `percent_columns` (fractions) written as percentages."""
    writer = csv.writer(_Echo(), delimiter=dialect.delimiter)
    for row in rows:
        cells = []
        for column, value in enumerate(row):
            if value is None:
                cells.append("")
            elif isinstance(value, int | float) and not isinstance(value, bool):
                number = value * 100 if column in percent_columns else value
                cells.append(csv_number(float(number) if column in percent_columns else number, dialect.decimal))
            else:
                cells.append(safe_cell(str(value) if not isinstance(value, str) else value))
        yield writer.writerow(cells)


def percent_headers() -> list[str]:
    """The figures' headers, the percentage columns marked “(%)” (the CSV writes 58,97 for 0.5897)."""
    return [f"{header} (%)" if key in PERCENT_COLUMNS else str(header) for key, header in FIGURE_COLUMNS]


def figures_csv(results: SurveyResults) -> Iterator[str]:
    """The figures CSV, line by line (for a streamed response)."""
    dialect = csv_dialect()
    percent_columns = {index for index, (key, _header) in enumerate(FIGURE_COLUMNS) if key in PERCENT_COLUMNS}
    yield BOM
    yield from csv_lines([percent_headers(), *figure_rows(results)], dialect, percent_columns)


def figures_xlsx(results: SurveyResults, file: BinaryIO) -> None:
    """The figures as an Excel workbook written to `file`: numbers as numbers, shares as fractions shown as
    percentages, dates as dates. XlsxWriter's constant_memory mode writes each row to a temporary file as it
    comes (the workbook never sits in memory), at about half openpyxl's cost per cell (bench/load_bench.py).
    Texts are written as texts, never as formulas."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(file, {"constant_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet(_("Results")[:31])
    sheet.freeze_panes(1, 0)
    bold = workbook.add_format({"bold": True})
    formats = [
        workbook.add_format({"num_format": "0.0%"})
        if key in PERCENT_COLUMNS
        else workbook.add_format({"num_format": "yyyy-mm-dd"})
        if key in DATE_COLUMNS
        else None
        for key, _header in FIGURE_COLUMNS
    ]
    for column, header in enumerate(headers(FIGURE_COLUMNS)):
        sheet.write_string(0, column, str(header), bold)
    write_number, write_string, write_datetime = sheet.write_number, sheet.write_string, sheet.write_datetime
    for row_number, row in enumerate(figure_rows(results), start=1):
        for column, (value, cell_format) in enumerate(zip(row, formats, strict=True)):
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                write_string(row_number, column, str(value))
            elif isinstance(value, int | float):
                write_number(row_number, column, value, cell_format)
            elif isinstance(value, datetime.date):
                write_datetime(row_number, column, value, cell_format)
            else:
                write_string(row_number, column, safe_cell(str(value)))
    workbook.close()


# --- the anonymous answers ------------------------------------------------------------------------


def answer_labels() -> dict[tuple[str, str], str]:
    """{(question kind, stored value): the answer as the form showed it} — “I høj grad”, not `i_hoej_grad`.
    Any other value (a single choice's) is its own label."""
    labels = {(Question.Kind.SCALE.value, value): str(label) for value, label in Scale.choices}
    labels |= {(Question.Kind.YES_NO.value, value): str(label) for value, label in YesNo.choices}
    dont_know = str(Scale.DONT_KNOW.label)
    labels |= {(kind, DONT_KNOW): dont_know for kind in Question.Kind.values}
    return labels


def answer_columns(with_text: bool) -> list:
    return ANSWER_COLUMNS if with_text else ANSWER_COLUMNS[:-1]


def answers_csv(rows: Iterable, named: dict, *, with_text: bool, left_out: set = frozenset()) -> Iterator[str]:
    """The answers export, in pieces of a few hundred lines (it may be long); the questions of `left_out`
    ((wave, question)) are left out: too few answered them in that wave. `rows` are surveys.selectors.answer_rows'
    tuples; `named` maps (wave, unit) to the unit's name where it may be named (any other is “Other units”).

    The same lines as answers_csv_copy writes on PostgreSQL (lines end in a line feed, as PostgreSQL's COPY ends them).
    """
    dialect = csv_dialect()
    labels = answer_labels()
    other_units = str(OTHER_UNITS)
    lines: list[str] = []
    writer = csv.writer(_Lines(lines), delimiter=dialect.delimiter, lineterminator="\n")
    yield BOM + "".join(csv_lines([headers(answer_columns(with_text))], dialect)).replace("\r\n", "\n")
    for row in rows:
        response_id, wave_id, wave_name, unit_id, question_id, number, question, translated, kind, value, text = row
        if (wave_id, question_id) in left_out:
            continue
        cells = [
            str(response_id),
            safe_cell(wave_name),
            safe_cell(named.get((wave_id, unit_id), other_units)),
            number,
            safe_cell(translated or question),
            safe_cell(labels.get((kind, value), value)),
        ]
        if with_text:
            cells.append(safe_cell(text))
        writer.writerow(cells)
        if len(lines) >= CHUNK_LINES:
            yield "".join(lines)
            lines.clear()
    yield "".join(lines)


CHUNK_LINES = 500
COPY_CHUNK_BYTES = 64 * 1024


class _Lines:
    """A file-like object that collects what the csv writer writes."""

    def __init__(self, lines: list[str]):
        self.write = lines.append


# --- the anonymous answers on PostgreSQL: written by the database (COPY … TO STDOUT) -------------------------


def _spreadsheet_safe(expression):
    """The SQL twin of safe_cell (an empty text as NULL, which COPY writes as an empty cell, as csv does "")."""
    from django.db.models import Case, TextField, Value, When
    from django.db.models.functions import Cast, Concat, Left, NullIf
    from django.db.models.lookups import In

    text = NullIf(Cast(expression, TextField()), Value("", output_field=TextField()))
    quoted = Concat(Value("'", output_field=TextField()), text, output_field=TextField())
    return Case(
        When(In(Left(text, 1), list(FORMULA_STARTS)), then=quoted),
        default=text,
        output_field=TextField(),
    )


def answer_export_columns(answers, named: dict, *, with_text: bool, left_out: set = frozenset()):
    """`answers` (an Answer queryset, surveys.selectors.answer_rows' before its values_list) as the export's
    columns, computed by the database: the same cells answers_csv writes (`named` holds units' own names)."""
    from django.db.models import Case, F, OuterRef, Q, TextField, Value, When
    from django.db.models.functions import Cast, Coalesce, NullIf

    if left_out:
        answers = answers.exclude(
            reduce(or_, (Q(response__wave_id=wave, question_id=question) for wave, question in left_out))
        )
    # One condition per wave, its named units as a list (which PostgreSQL looks up by hash), not one per unit.
    named_per_wave: dict[int, list[int]] = {}
    for wave, unit_id in named:
        named_per_wave.setdefault(wave, []).append(unit_id)
    unit = Case(
        *(
            When(response__wave_id=wave, response__unit_id__in=units, then=Cast("response__unit__name", TextField()))
            for wave, units in named_per_wave.items()
        ),
        default=Value(str(OTHER_UNITS), output_field=TextField()),
        output_field=TextField(),
    )
    question = Coalesce(
        NullIf(translation_subquery(Question, "text", OuterRef("question_id")), Value("", output_field=TextField())),
        "question__text",
    )
    label = Case(
        *(
            When(question__kind=kind, value=value, then=Value(text, output_field=TextField()))
            for (kind, value), text in answer_labels().items()
        ),
        default=Cast("value", TextField()),
        output_field=TextField(),
    )
    columns = {
        "export_response": Cast("response_id", TextField()),
        "export_wave": _spreadsheet_safe("response__wave__name"),
        "export_unit": _spreadsheet_safe(unit),
        "export_number": F("question__order"),
        "export_question": _spreadsheet_safe(question),
        "export_answer": _spreadsheet_safe(label),
    }
    if with_text:
        columns["export_text"] = _spreadsheet_safe("text")
    return answers.annotate(**columns).values_list(*columns)


def answers_csv_copy(answers, named: dict, *, with_text: bool, left_out: set = frozenset()) -> Iterator[bytes]:
    """answers_csv on PostgreSQL: the database writes the CSV (COPY … TO STDOUT, through psycopg 3) and the
    pieces go to the client as they come, with no Python per row."""
    from django.db import connections

    dialect = csv_dialect()
    header = "".join(csv_lines([headers(answer_columns(with_text))], dialect)).replace("\r\n", "\n")
    yield (BOM + header).encode()
    queryset = answer_export_columns(answers, named, with_text=with_text, left_out=left_out)
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        statement = cursor.mogrify(
            f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, DELIMITER %s, ENCODING 'UTF8')", [*params, dialect.delimiter]
        )
        with cursor.copy(statement) as copy:
            # COPY sends a row at a time; the server sends the client pieces of about COPY_CHUNK_BYTES, not a write
            # per row.
            chunk = bytearray()
            for row in copy:
                chunk += row
                if len(chunk) >= COPY_CHUNK_BYTES:
                    yield bytes(chunk)
                    chunk.clear()
            yield bytes(chunk)
