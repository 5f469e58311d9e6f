"""Reads a municipality's units and staff from an uploaded CSV or XLSX file: rows, each with its own messages.

Pure: no database, no HTTP. `parse_upload(filename, data)` returns a `ParsedImport` whose rows carry
Danish messages (the active language) for what is wrong with each; what only the database can tell (a
unit that does not exist, an e-mail address already in use elsewhere) is added by
`portal.staff_rules.import_problems`.

The files:

- Units: columns `navn` and `område` (ældre, handicap, psykiatri, misbrug, sundhed).
- Staff: columns `navn`, `e-mail`, `roller` and `enheder`; several roles or units in one cell are
  separated by `|` or by line breaks (Alt+Enter in Excel), since unit names may hold commas.
- CSV: UTF-8 (with or without BOM) or Windows-1252 (Excel's "CSV"), separated by `;` or `,`; the
  header row says whether it holds units or staff.
- XLSX: a sheet named "Enheder" and/or a sheet named "Personale" (or any sheets whose header says
  which). The file reading and its guards (encodings, zip bombs) are `portal.upload_tables`'.
"""

from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from .models import Area
from .roles import Role
from .upload_tables import ImportFileError, csv_rows, too_big_message, xlsx_tables

__all__ = ["ImportFileError", "ParsedImport", "parse_upload", "too_big_message"]

MAX_ROWS = 2000
MAX_CELL_LENGTH = 1000
NAME_MAX_LENGTH = 150
EMAIL_MAX_LENGTH = 150  # the e-mail address is the username, whose column holds 150 characters

UNIT_COLUMNS = {"navn": "name", "name": "name", "område": "area", "omraade": "area", "area": "area"}
STAFF_COLUMNS = {
    "navn": "name",
    "name": "name",
    "e-mail": "email",
    "email": "email",
    "e-mailadresse": "email",
    "mail": "email",
    "roller": "roles",
    "rolle": "roles",
    "roles": "roles",
    "enheder": "units",
    "enhed": "units",
    "units": "units",
}
UNIT_SHEETS = {"enheder", "units"}
STAFF_SHEETS = {"personale", "medarbejdere", "staff"}
LIST_SEPARATORS = ("|", "\n")


@dataclass
class UnitRow:
    line: int
    name: str
    area: str  # an Area value, or "" when the cell holds none
    errors: list[str] = field(default_factory=list)


@dataclass
class StaffRow:
    line: int
    name: str
    email: str
    roles: list[str]  # Role values
    units: list[str]  # unit names as written
    errors: list[str] = field(default_factory=list)

    @property
    def first_name(self) -> str:
        return self.name.rsplit(" ", 1)[0] if " " in self.name else self.name

    @property
    def last_name(self) -> str:
        return self.name.rsplit(" ", 1)[1] if " " in self.name else ""


@dataclass
class ParsedImport:
    units: list[UnitRow] = field(default_factory=list)
    staff: list[StaffRow] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(row.errors for row in [*self.units, *self.staff])

    @property
    def is_empty(self) -> bool:
        return not self.units and not self.staff

    def as_data(self) -> dict:
        """The rows without their messages, to carry from the preview to the import (signed, see staff_views)."""
        return {
            "units": [{k: v for k, v in asdict(row).items() if k != "errors"} for row in self.units],
            "staff": [{k: v for k, v in asdict(row).items() if k != "errors"} for row in self.staff],
        }

    @classmethod
    def from_data(cls, data: dict) -> "ParsedImport":
        """The rows again (checked once more by the service before anything is written)."""
        parsed = cls(
            units=[UnitRow(**row) for row in data.get("units", [])],
            staff=[StaffRow(**row) for row in data.get("staff", [])],
        )
        check_rows(parsed)
        return parsed


# --- Reading the file -------------------------------------------------------------------------------


def parse_upload(filename: str, data: bytes, *, max_bytes: int) -> ParsedImport:
    """The units and staff in an uploaded file, each row with its messages. Raises ImportFileError."""
    if len(data) > max_bytes:
        raise ImportFileError([too_big_message(max_bytes)])
    lower = filename.lower()
    if lower.endswith(".xlsx") or data.startswith(b"PK\x03\x04"):
        tables = _xlsx_tables(data)
    elif lower.endswith((".csv", ".txt")):
        tables = [(None, _csv_rows(data))]
    else:
        raise ImportFileError([_("Upload a CSV file or an Excel file (.xlsx).")])
    parsed = ParsedImport()
    for sheet, rows in tables:
        _read_table(parsed, sheet, rows)
    if parsed.is_empty:
        raise ImportFileError([_("The file holds no units and no staff.")])
    check_rows(parsed)
    return parsed


def _csv_rows(data: bytes) -> list[list[str]]:
    return csv_rows(data, max_rows=MAX_ROWS)


def _xlsx_tables(data: bytes) -> list[tuple[str | None, list[list[str]]]]:
    return xlsx_tables(
        data,
        max_rows=MAX_ROWS,
        too_large_message=_(
            "The file unpacks to far more than a list of units and staff can hold, so it was not opened."
        ),
    )


def _header(cells: list[str]) -> list[str]:
    return [cell.strip().lower() for cell in cells]


def _read_table(parsed: ParsedImport, sheet: str | None, rows: list[list[str]]) -> None:
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return
    header = _header(rows[0])
    while header and header[-1] == "":
        header.pop()
    sheet_name = (sheet or "").strip().lower()
    where = _("In the sheet “%(sheet)s”: ") % {"sheet": sheet} if sheet else ""
    if sheet_name in STAFF_SHEETS or any(STAFF_COLUMNS.get(column) == "email" for column in header):
        columns, kind, expected = STAFF_COLUMNS, "staff", "navn, e-mail, roller, enheder"
    elif sheet_name in UNIT_SHEETS or any(UNIT_COLUMNS.get(column) == "area" for column in header):
        columns, kind, expected = UNIT_COLUMNS, "units", "navn, område"
    else:
        raise ImportFileError(
            [
                where
                + _(
                    "The columns were not recognised. Units need the columns “navn” and “område”; staff the "
                    "columns “navn”, “e-mail”, “roller” and “enheder”."
                )
            ]
        )
    unknown = [column for column in header if column not in columns]
    names = [columns.get(column) for column in header]
    required = {"name", "area"} if kind == "units" else {"name", "email", "roles", "units"}
    missing = sorted(required - set(names))
    problems = [
        where + _("Unknown column “%(column)s”. Use the columns: %(expected)s.") % {"column": c, "expected": expected}
        for c in unknown
    ]
    problems += [
        where
        + _("The column “%(column)s” is missing. Use the columns: %(expected)s.") % {"column": m, "expected": expected}
        for m in (_danish_column(name) for name in missing)
    ]
    if len(set(filter(None, names))) != len([n for n in names if n]):
        problems.append(where + _("A column appears twice. Use each column once."))
    if problems:
        raise ImportFileError(problems)
    body = rows[1:]
    if len(body) > MAX_ROWS:
        raise ImportFileError([where + _("The file has more than %(count)s rows.") % {"count": MAX_ROWS}])
    for offset, cells in enumerate(body, start=2):
        values = {name: (cells[index] if index < len(cells) else "") for index, name in enumerate(names)}
        if kind == "units":
            parsed.units.append(_unit_row(offset, values))
        else:
            parsed.staff.append(_staff_row(offset, values))


def _danish_column(name: str) -> str:
    return {"name": "navn", "area": "område", "email": "e-mail", "roles": "roller", "units": "enheder"}[name]


def _cell_errors(values: dict) -> list[str]:
    errors = []
    if any("\x00" in value for value in values.values()):
        errors.append(_("The row holds a character that is not allowed (a NUL byte)."))
    if any(len(value) > MAX_CELL_LENGTH for value in values.values()):
        errors.append(_("A cell of the row is too long."))
    return errors


def _clean(value: str) -> str:
    return " ".join(value.replace("\x00", "").split())[:MAX_CELL_LENGTH]


def _split(value: str) -> list[str]:
    for separator in LIST_SEPARATORS[1:]:
        value = value.replace(separator, LIST_SEPARATORS[0])
    return [_clean(part) for part in value.split(LIST_SEPARATORS[0]) if _clean(part)]


def _area(value: str) -> str:
    wanted = value.strip().lower()
    for area in Area:
        if wanted in {area.value, str(area.label).lower()} or (area is Area.ELDERLY and wanted == "ældre"):
            return area.value
    return ""


def _role(value: str) -> str | None:
    wanted = value.strip().lower()
    for role in Role:
        if wanted in {role.value.lower(), str(role.label).lower()}:
            return role.value
    return None


def _unit_row(line: int, values: dict) -> UnitRow:
    errors = _cell_errors(values)
    row = UnitRow(line=line, name=_clean(values["name"]), area=_area(values["area"]), errors=errors)
    if not values["area"].strip():
        row.errors.append(_("Write the unit's area: ældre, handicap, psykiatri, misbrug or sundhed."))
    elif not row.area:
        row.errors.append(
            _("Unknown area “%(area)s”. Write one of: ældre, handicap, psykiatri, misbrug, sundhed.")
            % {"area": _clean(values["area"])}
        )
    return row


def _staff_row(line: int, values: dict) -> StaffRow:
    errors = _cell_errors(values)
    roles = []
    for written in _split(values["roles"]):
        role = _role(written)
        if role is None:
            errors.append(
                _("Unknown role “%(role)s”. Write one of: %(roles)s.")
                % {"role": written, "roles": ", ".join(role.value for role in Role)}
            )
        elif role not in roles:
            roles.append(role)
    if not _split(values["roles"]):
        errors.append(_("Give the person at least one role."))
    return StaffRow(
        line=line,
        name=_clean(values["name"]),
        email=_clean(values["email"]).lower(),
        roles=roles,
        units=_split(values["units"]),
        errors=errors,
    )


# --- The checks that need no database ---------------------------------------------------------------


def check_rows(parsed: ParsedImport) -> None:
    """Add to each row the messages for what is wrong with it by itself or next to the other rows."""
    _check_unit_rows(parsed.units)
    _check_staff_rows(parsed.staff)


def _check_unit_rows(rows: list[UnitRow]) -> None:
    seen_units: set[str] = set()
    for row in rows:
        if not row.name:
            row.errors.append(_("The unit has no name."))
        elif len(row.name) > NAME_MAX_LENGTH:
            row.errors.append(_("The name is too long (at most %(count)s characters).") % {"count": NAME_MAX_LENGTH})
        elif row.name.lower() in seen_units:
            row.errors.append(_("The unit “%(name)s” appears more than once in the file.") % {"name": row.name})
        seen_units.add(row.name.lower())


def _check_staff_rows(rows: list[StaffRow]) -> None:
    seen_emails: set[str] = set()
    for row in rows:
        if not row.name:
            row.errors.append(_("Write the person's name."))
        elif len(row.name) > NAME_MAX_LENGTH:
            row.errors.append(_("The name is too long (at most %(count)s characters).") % {"count": NAME_MAX_LENGTH})
        if not row.email:
            row.errors.append(_("Write the person's e-mail address."))
        else:
            try:
                validate_email(row.email)
            except ValidationError:
                row.errors.append(_("“%(email)s” is not an e-mail address.") % {"email": row.email})
            else:
                if len(row.email) > EMAIL_MAX_LENGTH:
                    row.errors.append(_("The e-mail address is too long."))
                elif row.email in seen_emails:
                    row.errors.append(
                        _("The e-mail address %(email)s appears more than once in the file.") % {"email": row.email}
                    )
            seen_emails.add(row.email)
