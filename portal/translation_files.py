"""A language's texts in the files a translation agency works in: XLIFF 2.1, PO and CSV. Pure: no database.

Every unit is one Danish text (a field of an object) with a stable key, `<app>.<model>.<id>.<field>`
(portal.translations.TextUnit.key), the Danish source, the current translation (empty when missing) and its
state. Nothing else leaves the portal: no names of staff, no dates, no personal data.

Reading a file back gives `FileUnit`s; what they may change is decided by
portal.translation_services.import_translations. A file that cannot be read at all (broken XML, another
language, not XLIFF/PO/CSV) raises `TranslationFileError` with Danish messages.

XML is parsed by the standard library's expat, which does not fetch external entities; a file with a DOCTYPE
(the only way to declare entities, and so "billion laughs") is refused while expat reads it, before anything is
expanded and before ElementTree builds the tree. XLIFF 2.1 keeps
the 2.0 core namespace (only `version` differs) and is what current CAT tools read; states map to XLIFF's own:
missing → initial, draft → translated, checked → final, outdated → initial with subState portal:outdated.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from xml.etree import ElementTree
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

import polib
from django.utils.translation import gettext as _

from .translations import SOURCE_LANGUAGE, TextState, TextUnit
from .upload_tables import ImportFileError, csv_rows, decode_text

XLIFF_NS = "urn:oasis:names:tc:xliff:document:2.0"
FORMATS = {"xliff": "xlf", "po": "po", "csv": "csv"}
CONTENT_TYPES = {"xliff": "application/xliff+xml", "po": "text/x-gettext-translation", "csv": "text/csv"}
MAX_UNITS = 50_000
XLIFF_STATES = {
    TextState.MISSING: ("initial", ""),
    TextState.OUTDATED: ("initial", "portal:outdated"),
    TextState.DRAFT: ("translated", ""),
    TextState.APPROVED: ("final", ""),
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class TranslationFileError(ImportFileError):
    """The file as a whole cannot be read; `messages` say why, in Danish."""


@dataclass(frozen=True)
class FileUnit:
    """One unit read from a file: its key, the Danish it was made from, the translation, and where it stands."""

    key: str
    source: str
    target: str
    where: str  # e.g. "unit contacts.need.3.name" or "line 4", for messages
    has_markup: bool = False  # the target held XML elements (XLIFF), not plain text


def format_of(filename: str) -> str | None:
    name = (filename or "").lower()
    if name.endswith((".xlf", ".xliff", ".xml")):
        return "xliff"
    if name.endswith(".po"):
        return "po"
    if name.endswith(".csv"):
        return "csv"
    return None


# --- Writing --------------------------------------------------------------------------------------------------


def export_chunks(file_format: str, units: Iterable[TextUnit], language: str, title: str) -> Iterator[str]:
    """The file, piece by piece (a StreamingHttpResponse sends each as it comes)."""
    writer = {"xliff": _xliff_chunks, "po": _po_chunks, "csv": _csv_chunks}[file_format]
    return writer(units, language, title)


def _xliff_chunks(units, language, title):
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield (
        f'<xliff xmlns="{XLIFF_NS}" version="2.1" srcLang="{SOURCE_LANGUAGE}" trgLang={quoteattr(language)}>\n'
        f"<file id={quoteattr('portal')} original={quoteattr(title)}>\n"
    )
    for unit in units:
        state, sub_state = XLIFF_STATES[unit.state]
        sub = f' subState="{sub_state}"' if sub_state else ""
        target = f"<target>{escape(unit.text)}</target>" if unit.text else ""
        yield (
            f"<unit id={quoteattr(unit.key)} name={quoteattr(unit.field)}>"
            f'<notes><note category="portal:state">{escape(unit.state.value)}</note></notes>'
            f'<segment state="{state}"{sub}><source>{escape(unit.danish)}</source>{target}</segment></unit>\n'
        )
    yield "</file>\n</xliff>\n"


def _po_chunks(units, language, title):
    header = polib.POFile()
    header.metadata = {
        "Project-Id-Version": title,
        "Language": language,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    yield str(header)
    for unit in units:
        entry = polib.POEntry(
            msgctxt=unit.key,
            msgid=unit.danish,
            msgstr=unit.text,
            comment=f"state: {unit.state.value}",
            flags=["fuzzy"] if unit.state in (TextState.DRAFT, TextState.OUTDATED) else [],
        )
        yield "\n" + str(entry)


def csv_header(language: str) -> list[str]:
    return ["key", "state", f"source_{SOURCE_LANGUAGE}", f"target_{language}"]


def _safe(value: str) -> str:
    """A text a spreadsheet will not run as a formula (read back by `_unsafe`)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _unsafe(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


def _csv_chunks(units, language, title):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(csv_header(language))
    yield "\ufeff" + buffer.getvalue()
    for unit in units:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([unit.key, unit.state.value, _safe(unit.danish), _safe(unit.text)])
        yield buffer.getvalue()


# --- Reading --------------------------------------------------------------------------------------------------


def read_file(filename: str, data: bytes, language: str) -> list[FileUnit]:
    """The units of an uploaded file in `language`; TranslationFileError when the file cannot be used at all."""
    file_format = format_of(filename)
    if file_format is None:
        raise TranslationFileError([_("Upload an XLIFF file (.xlf), a PO file (.po) or a CSV file (.csv).")])
    units = {"xliff": _read_xliff, "po": _read_po, "csv": _read_csv}[file_format](data, language)
    if not units:
        raise TranslationFileError([_("The file holds no texts.")])
    if len(units) > MAX_UNITS:
        raise TranslationFileError([_("The file holds more than %(count)s texts.") % {"count": MAX_UNITS}])
    return units


def _wrong_language(found: str, language: str) -> TranslationFileError:
    return TranslationFileError(
        [
            _("The file is a translation into “%(found)s”, not into “%(language)s”. Import it under its own language.")
            % {"found": found, "language": language}
        ]
    )


def _no_language() -> TranslationFileError:
    return TranslationFileError(
        [_("The file does not say which language it is a translation into. Export the file again from the portal.")]
    )


class _Declaration(Exception):
    pass


def _refuse_declarations(data: bytes) -> None:
    """Read the XML once with expat, stopping at a DOCTYPE or an entity declaration before anything is expanded."""

    def refuse(*args):
        raise _Declaration

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.Parse(data, True)


def _read_xliff(data: bytes, language: str) -> list[FileUnit]:
    broken = TranslationFileError([_("The file could not be read as XLIFF: the XML is broken.")])
    try:
        _refuse_declarations(data)
        root = ElementTree.fromstring(data)  # noqa: S314 -- no DOCTYPE, so no entities; expat fetches nothing external
    except _Declaration:
        raise TranslationFileError(
            [_("The file declares a DOCTYPE or entities, which XLIFF files do not have.")]
        ) from None
    except (expat.ExpatError, ElementTree.ParseError, ValueError):
        raise broken from None
    if root.tag != f"{{{XLIFF_NS}}}xliff":
        raise TranslationFileError([_("The file is not XLIFF 2 (the portal exports XLIFF 2.1).")])
    found = (root.get("trgLang") or "").split("-")[0].lower()
    if not found:
        raise _no_language()
    if found != language:
        raise _wrong_language(found, language)
    units = []
    for unit in root.iter(f"{{{XLIFF_NS}}}unit"):
        key = unit.get("id", "")
        sources, targets, markup = [], [], False
        for part in unit.iter():
            if part.tag == f"{{{XLIFF_NS}}}source":
                sources.append("".join(part.itertext()))
            elif part.tag == f"{{{XLIFF_NS}}}target":
                targets.append("".join(part.itertext()))
                # XLIFF's own inline elements (mrk, ph, pc, …) are a CAT tool's; anything else is markup in the text
                markup = markup or any(
                    not child.tag.startswith(f"{{{XLIFF_NS}}}") for child in part.iter() if child is not part
                )
        units.append(
            FileUnit(key, "".join(sources), "".join(targets), _("unit %(key)s") % {"key": key}, has_markup=markup)
        )
    return units


def _read_po(data: bytes, language: str) -> list[FileUnit]:
    unreadable = TranslationFileError([_("The file could not be read as a PO file.")])
    text = decode_text(data).lstrip("\ufeff")
    if "\n" not in text.strip():  # polib reads a string without a line break as the path of a file on the server
        raise unreadable
    try:
        catalogue = polib.pofile(text)
    except (OSError, ValueError, UnicodeError):
        raise unreadable from None
    found = (catalogue.metadata.get("Language") or "").split("_")[0].split("-")[0].lower()
    if not found:
        raise _no_language()
    if found != language:
        raise _wrong_language(found, language)
    return [
        FileUnit(entry.msgctxt or "", entry.msgid, entry.msgstr, _("line %(line)s") % {"line": entry.linenum})
        for entry in catalogue
        if not entry.obsolete
    ]


def _read_csv(data: bytes, language: str) -> list[FileUnit]:
    rows = csv_rows(data, max_rows=MAX_UNITS)
    header = [cell.strip().lower() for cell in rows[0]] if rows else []
    targets = [cell for cell in header if cell.startswith("target_")]
    if not header or "key" not in header or f"source_{SOURCE_LANGUAGE}" not in header or len(targets) != 1:
        raise TranslationFileError(
            [
                _("The CSV file needs the columns %(columns)s, as in the file the portal exports.")
                % {"columns": ", ".join(csv_header(language))}
            ]
        )
    found = targets[0].removeprefix("target_")
    if found != language:
        raise _wrong_language(found, language)
    key_at, source_at = header.index("key"), header.index(f"source_{SOURCE_LANGUAGE}")
    target_at = header.index(targets[0])
    units = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (len(header) - len(row))
        units.append(
            FileUnit(
                cells[key_at].strip(),
                _unsafe(cells[source_at]),
                _unsafe(cells[target_at]),
                _("line %(line)s") % {"line": number},
            )
        )
    return units
