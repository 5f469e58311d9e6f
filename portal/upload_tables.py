"""Reading the rows of an uploaded CSV or XLSX file, with the guards every import needs. Pure: no database.

Shared by the imports of units and staff (`portal.staff_import`) and of a municipality's directory
(`contacts.directory_import`); each reads the rows it gets as it likes.

- CSV: UTF-8 (with or without BOM) or Windows-1252 (what Excel's "CSV" saves in Denmark), separated by `;`
  (Excel's Danish default) or `,`, whichever the header line has more of.
- XLSX: before openpyxl opens it, the zip's directory is checked; a file that would unpack to more than
  MAX_UNPACKED_BYTES, or holds more than MAX_ZIP_MEMBERS parts, is refused unopened (a "zip bomb").
- At most `max_rows` rows (plus the header) are read; the caller refuses a longer file with its own words.
"""

import csv
import io
import zipfile

from django.utils.translation import gettext as _

MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_ZIP_MEMBERS = 200


class ImportFileError(Exception):
    """The file as a whole cannot be read (too big, not CSV or XLSX, a zip bomb, unknown columns)."""

    def __init__(self, messages: list[str]):
        super().__init__(messages)
        self.messages = messages


def too_big_message(max_bytes: int) -> str:
    return _("The file is too big. It may be at most %(size)s MB.") % {"size": f"{max_bytes / (1024 * 1024):g}"}


def is_zip(filename: str, data: bytes) -> bool:
    return filename.lower().endswith((".xlsx", ".zip")) or data.startswith(b"PK\x03\x04")


def decode_text(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), else Windows-1252: every byte of such a file is a character Excel wrote."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def csv_rows(data: bytes, *, max_rows: int) -> list[list[str]]:
    """The rows of a CSV file: the header and at most `max_rows` + 1 more (so that a caller sees it is too long)."""
    text = decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    rows = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            if len(rows) > max_rows + 1:
                break
    except csv.Error:
        raise ImportFileError([_("The file could not be read as CSV. Save it again as CSV from Excel.")]) from None
    return rows


def open_zip(data: bytes, *, unreadable: ImportFileError, too_large: ImportFileError) -> zipfile.ZipFile:
    """The zip archive, its directory checked against zip bombs before anything in it is unpacked."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise unreadable from None
    if len(members) > MAX_ZIP_MEMBERS or sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
        raise too_large
    return archive


def xlsx_tables(data: bytes, *, max_rows: int, too_large_message: str) -> list[tuple[str, list[list[str]]]]:
    """Each sheet's title and rows (the header and at most `max_rows` + 1 more), cells as text."""
    unreadable = ImportFileError([_("The file could not be read as an Excel file (.xlsx). Save it again from Excel.")])
    open_zip(data, unreadable=unreadable, too_large=ImportFileError([too_large_message]))
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file; all mean "not a workbook we can read"
        raise unreadable from None
    tables = []
    try:
        for sheet in workbook.worksheets:
            rows = []
            for values in sheet.iter_rows(values_only=True):
                rows.append(["" if value is None else _cell_text(value) for value in values])
                if len(rows) > max_rows + 1:
                    break
            tables.append((sheet.title, rows))
    except Exception:  # as above: a damaged sheet
        raise unreadable from None
    finally:
        workbook.close()
    return tables


def _cell_text(value) -> str:
    """A cell as the person typed it: 36392880 rather than 36392880.0, a date as 2025-03-01."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "date") and hasattr(value, "hour"):  # a datetime: Excel keeps dates as date-times
        return value.date().isoformat() if not (value.hour or value.minute or value.second) else value.isoformat()
    return str(value)
