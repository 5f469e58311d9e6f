"""The managers' downloads: the dashboard's figures (CSV and Excel) and every anonymous answer (CSV).

A cell a spreadsheet would run as a formula (free text comes from anyone) is written as text.
"""

import csv
from collections.abc import Iterable, Iterator
from io import BytesIO

from django.utils import timezone

from .models import Indicator, Survey, Wave
from .results import Group, Result, SurveyResults

FIGURE_COLUMNS = [
    "indicator", "wave", "wave_opens", "wave_closes", "group_kind", "group", "positive", "n", "dont_know",
    "share", "ci_low", "ci_high", "target", "status", "change_since_previous_wave", "previous_wave",
    "on_track", "hidden",
]  # fmt: skip
ANSWER_COLUMNS = ["response_id", "wave", "unit", "question_number", "question", "value", "text"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # lets Excel read the CSV as UTF-8
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """A text that a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_name(survey: Survey, what: str, extension: str) -> str:
    return f"{survey.municipality.slug}-{what}-{timezone.localdate().isoformat()}.{extension}"


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def figure_row(indicator: Indicator, wave: Wave, group: Group, result: Result) -> list:
    """One indicator's result for one group in one wave; a hidden one without its numbers."""
    figure, interval = result.figure, result.interval or (None, None)
    numbers = [figure.positive, figure.n, figure.dont_know, figure.share] if figure else [None] * 4
    return [
        str(indicator.translated("name")),
        wave.name,
        wave.opens_on,
        wave.closes_on,
        group.kind.value,
        group.label,
        *numbers[:3],
        _rounded(numbers[3]),
        _rounded(interval[0]),
        _rounded(interval[1]),
        None if indicator.target is None else float(indicator.target),
        result.status.value if result.status else "",
        result.change.value if result.change else "",
        result.previous_wave.name if result.previous_wave else "",
        "" if result.on_track is None else ("yes" if result.on_track else "no"),
        result.hidden.value if result.hidden else "",
    ]


def figure_rows(results: SurveyResults) -> list[list]:
    """The dashboard's figures, one row per indicator, wave and group with answers (shown or hidden)."""
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


def csv_lines(rows: Iterable) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([safe_cell("" if value is None else value) for value in row])


def figures_csv(results: SurveyResults) -> str:
    return BOM + "".join(csv_lines([FIGURE_COLUMNS, *figure_rows(results)]))


def answers_csv(rows: Iterable) -> Iterator[str]:
    """The answers export, line by line (it may be long)."""
    yield BOM
    yield from csv_lines([ANSWER_COLUMNS])
    yield from csv_lines(rows)


def figures_xlsx(results: SurveyResults) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Resultater"
    sheet.append(FIGURE_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    formats = {FIGURE_COLUMNS.index(name) + 1: "0.0%" for name in ("share", "ci_low", "ci_high", "target")}
    formats |= {FIGURE_COLUMNS.index(name) + 1: "yyyy-mm-dd" for name in ("wave_opens", "wave_closes")}
    for row in figure_rows(results):
        sheet.append([safe_cell(value) for value in row])
        for column, number_format in formats.items():
            sheet.cell(row=sheet.max_row, column=column).number_format = number_format
    sheet.freeze_panes = "A2"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
