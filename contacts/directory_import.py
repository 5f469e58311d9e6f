"""Reads a municipality's directory from an uploaded file into rows, each with a Danish message per problem.

Pure: no database, no HTTP. `parse_directory_upload(filename, data, max_bytes=…)` returns a
`ParsedDirectory`; what only the database can tell (what is new, what changes) is
`contacts.services.plan_directory_import`'s.

One row is one contact point in one situation: the situation (in the citizen's or relative's words), the
need it is grouped under, what to ask the contact point about there, and the contact point's details.
A contact point named in several situations has several rows; its details may be repeated or left empty
after the first. The files:

- CSV or XLSX with the columns of `TEMPLATE_COLUMNS` (the downloadable template, `directory_template_xlsx`):
  `behov`, `situation`, `kontakt` are required. `id` is the contact point's key in the municipality's own
  list: importing a row with the same id again updates that contact point. Without an id the contact point
  is matched by its name. CSV as `portal.upload_tables` reads it (UTF-8 or Windows-1252, `;` or `,`).
- HSDS 3.0 JSON: a list of services, or a document with them in `contents` (the API's `Page`, as this portal's
  own export) or `services`. Each service is a contact point (its `id` the key); each of its `attributes`
  is a situation (the `taxonomy_term`'s name), under the need that is the term's parent (by `parent_id` in the
  document's `taxonomy_terms`), else the taxonomy's name.
- HSDS 3.0 Tabular Data Package: a zip of `services.csv`, `phones.csv`, `schedules.csv`, `attributes.csv`,
  `taxonomy_terms.csv` (and `taxonomies.csv`, `service_at_location.csv`, `locations.csv`, `addresses.csv`
  where there are any), read into the same services.
"""

import csv
import io
import json
from dataclasses import dataclass, field, fields
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.upload_tables import ImportFileError, csv_rows, decode_text, is_zip, open_zip, too_big_message, xlsx_tables

from .validators import format_phone, normalize_phone, validate_email

MAX_ROWS = 10_000
MAX_CELL_LENGTH = 2000
NAME_MAX_LENGTH = 150
NEED_MAX_LENGTH = 150
SITUATION_MAX_LENGTH = 300
KEY_MAX_LENGTH = 200

# The template's columns, in its order, and what each is read into.
TEMPLATE_COLUMNS = [
    ("id", "key"),
    ("behov", "need"),
    ("situation", "situation"),
    ("spørg om", "ask_about"),
    ("kontakt", "name"),
    ("beskrivelse", "description"),
    ("telefon", "phone"),
    ("e-mail", "email"),
    ("hjemmeside", "website"),
    ("adresse", "address"),
    ("åbningstider", "opening_hours"),
    ("sidst tjekket", "last_checked"),
]
COLUMNS = {
    **dict(TEMPLATE_COLUMNS),
    "nøgle": "key",
    "need": "need",
    "situationen": "situation",
    "spoerg om": "ask_about",
    "hvad skal man spørge om": "ask_about",
    "kontaktpunkt": "name",
    "navn": "name",
    "name": "name",
    "description": "description",
    "tlf": "phone",
    "tlf.": "phone",
    "telefonnummer": "phone",
    "phone": "phone",
    "email": "email",
    "mail": "email",
    "e-mailadresse": "email",
    "website": "website",
    "url": "website",
    "address": "address",
    "aabningstider": "opening_hours",
    "opening hours": "opening_hours",
    "sidst kontrolleret": "last_checked",
}
REQUIRED = ("need", "situation", "name")
CONTACT_DETAILS = ("description", "phone", "email", "website", "address", "opening_hours")


@dataclass
class DirectoryRow:
    line: int  # the row of the sheet, or the service's number in an HSDS file
    need: str
    situation: str
    name: str
    key: str = ""
    ask_about: str = ""
    description: str = ""
    phone: str = ""  # 8 digits once read
    email: str = ""
    website: str = ""
    address: str = ""
    opening_hours: str = ""
    last_checked: str = ""  # ISO date, or "" when the file does not say
    position: int = 0  # the row's place among the file's rows
    errors: list[str] = field(default_factory=list)

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)

    @property
    def contact_key(self) -> str:
        """The contact point this row is about, within the file: its id, or else its name."""
        return f"id:{self.key}" if self.key else f"name:{self.name.lower()}"


ROW_FIELDS = tuple(item.name for item in fields(DirectoryRow))


@dataclass
class ParsedDirectory:
    rows: list[DirectoryRow] = field(default_factory=list)
    source: str = "table"  # "table" (CSV/XLSX) or "hsds"

    @property
    def has_errors(self) -> bool:
        return any(row.errors for row in self.rows)

    @property
    def rows_with_errors(self) -> list[DirectoryRow]:
        return [row for row in self.rows if row.errors]

    def as_data(self) -> dict:
        """The rows without their messages, to carry from the preview to the import (signed by the view)."""
        names = [name for name in ROW_FIELDS if name != "errors"]  # plain strings and numbers: no deep copy
        return {"source": self.source, "rows": [{name: getattr(row, name) for name in names} for row in self.rows]}

    @classmethod
    def from_data(cls, data: dict) -> "ParsedDirectory":
        """The rows again, checked once more (the service checks them before anything is written)."""
        parsed = cls(rows=[DirectoryRow(**row) for row in data.get("rows", [])], source=data.get("source", "table"))
        check_rows(parsed)
        return parsed


# --- Reading the file -------------------------------------------------------------------------------


def parse_directory_upload(filename: str, data: bytes, *, max_bytes: int) -> ParsedDirectory:
    """The rows of an uploaded directory (CSV, XLSX, HSDS JSON or HSDS zip). Raises ImportFileError."""
    if len(data) > max_bytes:
        raise ImportFileError([too_big_message(max_bytes)])
    lower = filename.lower()
    if lower.endswith(".json") or data.lstrip()[:1] in (b"{", b"["):
        parsed = ParsedDirectory(rows=rows_from_hsds(_json_document(data)), source="hsds")
    elif is_zip(filename, data) and not lower.endswith(".xlsx") and _is_tabular_package(data):
        parsed = ParsedDirectory(rows=rows_from_hsds(_tabular_document(data)), source="hsds")
    elif is_zip(filename, data):
        parsed = ParsedDirectory(rows=_rows_from_workbook(data))
    elif lower.endswith((".csv", ".txt")):
        parsed = ParsedDirectory(rows=_rows_from_table(csv_rows(data, max_rows=MAX_ROWS)))
    else:
        raise ImportFileError([_("Upload a CSV file, an Excel file (.xlsx) or an HSDS file (.json or .zip).")])
    if not parsed.rows:
        raise ImportFileError([_("The file holds no contact points.")])
    for position, row in enumerate(parsed.rows):
        row.position = position
    check_rows(parsed)
    return parsed


def _too_long() -> ImportFileError:
    return ImportFileError(
        [
            _("The file has more than %(count)s rows. Split it into several files.")
            % {"count": number_format(MAX_ROWS, force_grouping=True)}
        ]
    )


def _rows_from_workbook(data: bytes) -> list[DirectoryRow]:
    tables = xlsx_tables(
        data,
        max_rows=MAX_ROWS,
        too_large_message=_("The file unpacks to far more than a directory can hold, so it was not opened."),
    )
    for _title, rows in tables:  # the first sheet with rows: the template has one
        if any(any(cell.strip() for cell in row) for row in rows):
            return _rows_from_table(rows)
    return []


def _rows_from_table(rows: list[list[str]]) -> list[DirectoryRow]:
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    while header and header[-1] == "":
        header.pop()
    expected = ", ".join(column for column, _name in TEMPLATE_COLUMNS)
    names = [COLUMNS.get(column) for column in header]
    problems = [
        _("Unknown column “%(column)s”. Use the template's columns: %(expected)s.")
        % {"column": column, "expected": expected}
        for column, name in zip(header, names, strict=True)
        if name is None
    ]
    problems += [
        _("The column “%(column)s” is missing. Use the template's columns: %(expected)s.")
        % {"column": _danish_column(name), "expected": expected}
        for name in REQUIRED
        if name not in names
    ]
    if len(set(filter(None, names))) != len([name for name in names if name]):
        problems.append(_("A column appears twice. Use each column once."))
    if problems:
        raise ImportFileError(problems)
    body = rows[1:]
    if len(body) > MAX_ROWS:
        raise _too_long()
    result = []
    for line, cells in enumerate(body, start=2):
        values = {name: (cells[index] if index < len(cells) else "") for index, name in enumerate(names)}
        result.append(_row(line, values))
    return result


def _danish_column(name: str) -> str:
    return next(column for column, wanted in TEMPLATE_COLUMNS if wanted == name)


def _clean(value) -> str:
    return " ".join(str(value or "").replace("\x00", "").split())


def _clean_text(value) -> str:
    """Longer text keeps its line breaks (opening hours on several lines, an address)."""
    lines = [_clean(line) for line in str(value or "").replace("\x00", "").splitlines()]
    return "\n".join(line for line in lines if line)


def _row(line: int, values: dict) -> DirectoryRow:
    errors = []
    if any("\x00" in str(value) for value in values.values()):
        errors.append(_("The row holds a character that is not allowed (a NUL byte)."))
    if any(len(str(value)) > MAX_CELL_LENGTH for value in values.values()):
        errors.append(_("A cell of the row is too long (at most %(count)s characters).") % {"count": MAX_CELL_LENGTH})
    row = DirectoryRow(
        line=line,
        key=_clean(values.get("key", ""))[:MAX_CELL_LENGTH],
        need=_clean(values.get("need", ""))[:MAX_CELL_LENGTH],
        situation=_clean(values.get("situation", ""))[:MAX_CELL_LENGTH],
        ask_about=_clean_text(values.get("ask_about", ""))[:MAX_CELL_LENGTH],
        name=_clean(values.get("name", ""))[:MAX_CELL_LENGTH],
        description=_clean_text(values.get("description", ""))[:MAX_CELL_LENGTH],
        email=_clean(values.get("email", "")).removeprefix("mailto:")[:MAX_CELL_LENGTH],
        website=_clean(values.get("website", ""))[:MAX_CELL_LENGTH],
        address=_clean_text(values.get("address", ""))[:MAX_CELL_LENGTH],
        opening_hours=_clean_text(values.get("opening_hours", ""))[:MAX_CELL_LENGTH],
        errors=errors,
    )
    row.phone = _phone(_clean(values.get("phone", "")), row.errors)
    row.last_checked = _date(_clean(values.get("last_checked", "")), row.errors)
    return row


def _phone(value: str, errors: list[str]) -> str:
    if not value:
        return ""
    try:
        return normalize_phone(value)
    except ValidationError:
        errors.append(
            _("“%(phone)s” is not a Danish phone number. Write 8 digits, e.g. 36 39 28 80.") % {"phone": value}
        )
        return ""


def _date(value: str, errors: list[str]) -> str:
    """'2025-03-01', '1-3-2025' or '01.03.2025' → '2025-03-01'."""
    if not value:
        return ""
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(value, pattern).date().isoformat()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    errors.append(_("“%(date)s” is not a date. Write it as e.g. 01-03-2025.") % {"date": value})
    return ""


# --- HSDS 3.0 ---------------------------------------------------------------------------------------


def _json_document(data: bytes):
    try:
        return json.loads(decode_text(data))
    except (json.JSONDecodeError, RecursionError):
        raise ImportFileError([_("The file could not be read as JSON.")]) from None


def _services_of(document) -> list:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in ("contents", "services"):
            if isinstance(document.get(key), list):
                return document[key]
    raise ImportFileError(
        [_("The file is not an HSDS 3.0 data set: it has no list of services (“contents” or “services”).")]
    )


def rows_from_hsds(document) -> list[DirectoryRow]:
    """One row per (service, attribute): the service is the contact point, the attribute's term the situation."""
    services = _services_of(document)
    if len(services) > MAX_ROWS:
        raise _too_long()
    terms = {}
    if isinstance(document, dict):
        terms = {term.get("id"): term for term in document.get("taxonomy_terms", []) or [] if isinstance(term, dict)}
    rows = []
    for number, service in enumerate(services, start=1):
        if not isinstance(service, dict):
            raise ImportFileError([_("Service no. %(number)s is not an object.") % {"number": number}])
        rows.extend(_service_rows(number, service, terms))
        if len(rows) > MAX_ROWS:
            raise _too_long()
    # In the taxonomy's order (needs, and situations under them, as the document lists its terms), not the services'.
    place = {str(term.get("name", "")).strip().lower(): index for index, term in enumerate(terms.values())}
    return sorted(rows, key=lambda row: (place.get(row.need.lower(), len(place)), place.get(row.situation.lower(), 0)))


def _first(items) -> dict:
    return next((item for item in items or [] if isinstance(item, dict)), {})


def _address(service: dict) -> str:
    for link in service.get("service_at_locations") or []:
        address = _first((link.get("location") or {}).get("addresses") if isinstance(link, dict) else None)
        if address:
            street = ", ".join(filter(None, [_clean(address.get("address_1")), _clean(address.get("address_2"))]))
            town = " ".join(filter(None, [_clean(address.get("postal_code")), _clean(address.get("city"))]))
            return "\n".join(filter(None, [street, town]))
    return ""


def _service_rows(number: int, service: dict, terms: dict) -> list[DirectoryRow]:
    details = {
        "key": service.get("id") or "",
        "name": service.get("name") or "",
        "description": service.get("description") or "",
        "phone": _first(service.get("phones")).get("number") or "",
        "email": service.get("email") or "",
        "website": service.get("url") or "",
        "address": _address(service),
        "opening_hours": _first(service.get("schedules")).get("description") or "",
        "last_checked": service.get("assured_date") or "",
    }
    situations = [
        attribute
        for attribute in service.get("attributes") or []
        if isinstance(attribute, dict) and isinstance(attribute.get("taxonomy_term"), dict)
    ]
    if not situations:
        row = _row(number, {**details, "need": "", "situation": ""})
        row.errors.append(_("The service has no attribute with a taxonomy term, so it is in no situation."))
        return [row]
    rows = []
    for attribute in situations:
        term = attribute["taxonomy_term"]
        parent = terms.get(term.get("parent_id")) or {}
        need = parent.get("name") or (term.get("taxonomy_detail") or {}).get("name") or term.get("taxonomy") or ""
        values = {**details, "need": need, "situation": term.get("name") or "", "ask_about": attribute.get("value")}
        rows.append(_row(number, values))
    return rows


TABULAR_TABLES = ("services", "phones", "schedules", "attributes", "taxonomy_terms", "taxonomies")
TABULAR_LOCATION_TABLES = ("service_at_location", "locations", "addresses")


def _is_tabular_package(data: bytes) -> bool:
    archive = open_zip(data, unreadable=_unreadable_zip(), too_large=_too_large_zip())
    names = {name.rsplit("/", 1)[-1] for name in archive.namelist()}
    return "services.csv" in names


def _unreadable_zip() -> ImportFileError:
    return ImportFileError([_("The file could not be read as a zip file. Make it again.")])


def _too_large_zip() -> ImportFileError:
    return ImportFileError([_("The file unpacks to far more than a directory can hold, so it was not opened.")])


def _tabular_document(data: bytes) -> dict:
    """The package's tables put together as the HSDS JSON document `rows_from_hsds` reads."""
    archive = open_zip(data, unreadable=_unreadable_zip(), too_large=_too_large_zip())
    members = {name.rsplit("/", 1)[-1]: name for name in archive.namelist()}

    def table(name: str) -> list[dict]:
        member = members.get(f"{name}.csv")
        if member is None:
            return []
        text = decode_text(archive.read(member))
        try:
            return list(csv.DictReader(io.StringIO(text, newline="")))
        except csv.Error:
            raise ImportFileError([_("%(file)s could not be read as CSV.") % {"file": f"{name}.csv"}]) from None

    services = table("services")
    if len(services) > MAX_ROWS:
        raise _too_long()
    by_service = {name: _grouped(table(name), "service_id") for name in ("phones", "schedules")}
    taxonomies = {row.get("id"): row for row in table("taxonomies")}
    terms = {}
    for term in table("taxonomy_terms"):
        terms[term.get("id")] = {**term, "taxonomy_detail": taxonomies.get(term.get("taxonomy_id")) or {}}
    attributes = _grouped(
        [
            {**row, "taxonomy_term": terms.get(row.get("taxonomy_term_id"))}
            for row in table("attributes")
            if row.get("link_entity", "service") == "service" and terms.get(row.get("taxonomy_term_id"))
        ],
        "link_id",
    )
    addresses = _grouped(table("addresses"), "location_id")
    locations = {row.get("id"): {**row, "addresses": addresses.get(row.get("id"), [])} for row in table("locations")}
    at_locations = _grouped(
        [{**row, "location": locations.get(row.get("location_id"))} for row in table("service_at_location")],
        "service_id",
    )
    return {
        "contents": [
            {
                **service,
                "phones": by_service["phones"].get(service.get("id"), []),
                "schedules": by_service["schedules"].get(service.get("id"), []),
                "attributes": attributes.get(service.get("id"), []),
                "service_at_locations": at_locations.get(service.get("id"), []),
            }
            for service in services
        ],
        "taxonomy_terms": list(terms.values()),
    }


def _grouped(rows: list[dict], key: str) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row.get(key), []).append(row)
    return groups


# --- The checks that need no database ---------------------------------------------------------------

_url = URLValidator(schemes=["https", "http"])


def check_rows(parsed: ParsedDirectory) -> None:
    """Add to each row the messages for what is wrong with it by itself or next to the other rows."""
    first_of_contact: dict[str, DirectoryRow] = {}
    seen_links: set[tuple[str, str, str]] = set()
    for row in parsed.rows:
        _check_row(row, hsds=parsed.source == "hsds")
        first = first_of_contact.setdefault(row.contact_key, row)
        if first is not row:
            _check_same_contact(row, first)
        link = (row.need.lower(), row.situation.lower(), row.contact_key)
        if row.situation and row.name and link in seen_links:
            row.errors.append(
                _("“%(name)s” is already named in the situation “%(situation)s” in an earlier row.")
                % {"name": row.name, "situation": row.situation}
            )
        seen_links.add(link)


def _check_row(row: DirectoryRow, *, hsds: bool = False) -> None:
    (_check_hsds_row if hsds else _check_table_row)(row)
    _check_lengths(row)
    if row.email:
        try:
            validate_email(row.email)
        except ValidationError:
            row.errors.append(_("“%(email)s” is not an e-mail address.") % {"email": row.email})
    if row.website:
        if "://" not in row.website:
            row.website = f"https://{row.website}"
        try:
            _url(row.website)
        except ValidationError:
            row.errors.append(_("“%(url)s” is not a web address.") % {"url": row.website})
    if row.last_checked and date.fromisoformat(row.last_checked) > timezone.localdate():
        row.errors.append(_("The date last checked is in the future."))


def _check_lengths(row: DirectoryRow) -> None:
    """The messages are translated only for a row that needs them (10,000 rows, most of them right)."""
    if len(row.need) > NEED_MAX_LENGTH:
        row.errors.append(_("The need's name is too long (at most %(count)s characters).") % {"count": NEED_MAX_LENGTH})
    if len(row.situation) > SITUATION_MAX_LENGTH:
        row.errors.append(
            _("The situation is too long (at most %(count)s characters).") % {"count": SITUATION_MAX_LENGTH}
        )
    if len(row.name) > NAME_MAX_LENGTH:
        row.errors.append(
            _("The contact point's name is too long (at most %(count)s characters).") % {"count": NAME_MAX_LENGTH}
        )
    if len(row.key) > KEY_MAX_LENGTH:
        row.errors.append(_("The id is too long (at most %(count)s characters).") % {"count": KEY_MAX_LENGTH})


def _check_table_row(row: DirectoryRow) -> None:
    if not row.need:
        row.errors.append(_("Write the need the situation belongs under (the column “behov”)."))
    if not row.situation:
        row.errors.append(_("Write the situation (the column “situation”) in the citizen's or relative's words."))
    if not row.name:
        row.errors.append(_("Write the contact point's name (the column “kontakt”)."))


def _check_hsds_row(row: DirectoryRow) -> None:
    if not row.name:
        row.errors.append(_("The service has no name."))
    if row.situation and not row.need:
        row.errors.append(
            _("The taxonomy term “%(term)s” has no parent term and no taxonomy, so it is under no need.")
            % {"term": row.situation}
        )
    elif row.need and not row.situation:
        row.errors.append(_("A taxonomy term of the service has no name."))


# Translated only when a detail differs (most rows repeat their first row's details, or leave them empty).
_DETAIL_LABELS = {
    "name": gettext_lazy("name"),
    "description": gettext_lazy("description"),
    "phone": gettext_lazy("phone"),
    "email": gettext_lazy("e-mail"),
    "website": gettext_lazy("website"),
    "address": gettext_lazy("address"),
    "opening_hours": gettext_lazy("opening hours"),
    "last_checked": gettext_lazy("last checked"),
}


def _check_same_contact(row: DirectoryRow, first: DirectoryRow) -> None:
    """A contact point in several rows: a detail left empty is the first row's; a different one is an error."""
    different = []
    for detail, label in _DETAIL_LABELS.items():
        mine, theirs = getattr(row, detail), getattr(first, detail)
        if not mine:
            setattr(row, detail, theirs)
        elif theirs and (mine.lower() if detail == "name" else mine) != (
            theirs.lower() if detail == "name" else theirs
        ):
            different.append(str(label))
        elif not theirs:
            setattr(first, detail, mine)
    if different:
        row.errors.append(
            _("“%(name)s” has other details here than in row %(line)s (%(details)s). Write them the same way.")
            % {"name": row.name or first.name, "line": first.line, "details": ", ".join(different)}
        )
