"""Reading a municipality's units and staff from CSV and XLSX: every row's Danish message, every bad file refused.

portal.staff_import is pure (no database) except for Area/Role choices; portal.staff_rules.import_problems
adds what the database knows (unknown or closed units, addresses used in another municipality).
"""

import io
import zipfile

import pytest
from openpyxl import Workbook

from portal.models import Area
from portal.roles import Role
from portal.staff_import import MAX_ROWS, ImportFileError, ParsedImport, parse_upload
from portal.staff_rules import import_problems
from tests.factories import MunicipalityFactory, StaffFactory, UnitFactory

MAX = 2 * 1024 * 1024


def xlsx(sheets: dict[str, list[list]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


STAFF_HEADER = ["navn", "e-mail", "roller", "enheder"]


def all_errors(parsed: ParsedImport) -> list[str]:
    return [error for row in [*parsed.units, *parsed.staff] for error in row.errors]


def test_a_semicolon_csv_from_danish_excel_in_windows_1252_reads_units():
    data = "Navn;Område\r\nPlejecenter Åbo;ældre\r\nBofællesskab Æblehaven;Handicap\r\n".encode("cp1252")
    parsed = parse_upload("enheder.csv", data, max_bytes=MAX)
    assert [(row.name, row.area) for row in parsed.units] == [
        ("Plejecenter Åbo", Area.ELDERLY),
        ("Bofællesskab Æblehaven", Area.DISABILITY),
    ]
    assert not parsed.has_errors


def test_a_comma_csv_in_utf8_with_bom_reads_staff_with_several_roles_and_units():
    data = (
        "\ufeffnavn,e-mail,roller,enheder\n"
        '"Anna Hansen",Anna@Kommune.example,"Sagsbehandler|Leder","Distrikt Nord, Hjemmeplejen|Plejecenter Åbo"\n'
    ).encode()
    parsed = parse_upload("personale.csv", data, max_bytes=MAX)
    (row,) = parsed.staff
    assert (row.first_name, row.last_name, row.email) == ("Anna", "Hansen", "anna@kommune.example")
    assert row.roles == [Role.CASEWORKER.value, Role.MANAGER.value]
    assert row.units == ["Distrikt Nord, Hjemmeplejen", "Plejecenter Åbo"]
    assert not row.errors


def test_an_xlsx_with_a_units_sheet_and_a_staff_sheet_reads_both():
    data = xlsx(
        {
            "Enheder": [["navn", "område"], ["Plejecenter Åbo", "ældre"]],
            "Personale": [STAFF_HEADER, ["Bo Berg", "bo@kommune.example", "sagsbehandler", "Plejecenter Åbo"]],
        }
    )
    parsed = parse_upload("opsaetning.xlsx", data, max_bytes=MAX)
    assert [row.name for row in parsed.units] == ["Plejecenter Åbo"]
    assert [(row.email, row.roles, row.units) for row in parsed.staff] == [
        ("bo@kommune.example", ["Sagsbehandler"], ["Plejecenter Åbo"])
    ]


def test_a_wrong_column_is_named_in_danish_and_nothing_is_read():
    data = b"navn;e-mail;rolle;afdeling\nAnna;anna@kommune.example;Leder;X\n"
    with pytest.raises(ImportFileError) as refused:
        parse_upload("personale.csv", data, max_bytes=MAX)
    assert refused.value.messages == [
        "Ukendt kolonne »afdeling«. Brug kolonnerne: navn, e-mail, roller, enheder.",
        "Kolonnen »enheder« mangler. Brug kolonnerne: navn, e-mail, roller, enheder.",
    ]


def test_a_header_that_is_neither_units_nor_staff_is_refused():
    with pytest.raises(ImportFileError) as refused:
        parse_upload("x.csv", b"a;b\n1;2\n", max_bytes=MAX)
    assert "Kolonnerne blev ikke genkendt" in refused.value.messages[0]


def test_each_bad_row_gets_its_own_danish_message():
    data = (
        "navn;e-mail;roller;enheder\n"
        "Anna Hansen;anna@kommune.example;Sagsbehandler;\n"
        "Anna Igen;ANNA@kommune.example;Leder;\n"
        "Bo Berg;ikke-en-adresse;Direktør;\n"
        ";carl@kommune.example;;\n"
    ).encode()
    parsed = parse_upload("personale.csv", data, max_bytes=MAX)
    assert [row.errors for row in parsed.staff] == [
        [],
        ["E-mailadressen anna@kommune.example står mere end én gang i filen."],
        [
            "Ukendt rolle »Direktør«. Skriv en af: Sagsbehandler, Leder, Redaktør, Kommuneadministrator, "
            "Databeskyttelsesrådgiver, Pårørendekontakt.",
            "»ikke-en-adresse« er ikke en e-mailadresse.",
        ],
        ["Giv personen mindst én rolle.", "Skriv personens navn."],
    ]


def test_a_unit_row_without_an_area_or_with_an_unknown_one_says_so():
    parsed = parse_upload("enheder.csv", "navn;område\nA;\nB;skole\nA;ældre\n".encode(), max_bytes=MAX)
    assert [row.errors for row in parsed.units] == [
        ["Skriv enhedens område: ældre, handicap, psykiatri, misbrug eller sundhed."],
        ["Ukendt område »skole«. Skriv en af: ældre, handicap, psykiatri, misbrug, sundhed."],
        ["Enheden »A« står mere end én gang i filen."],
    ]


def test_a_nul_byte_in_a_cell_is_an_error_of_its_row():
    data = b"navn;e-mail;roller;enheder\nAn\x00na;anna@kommune.example;Leder;\n"
    parsed = parse_upload("personale.csv", data, max_bytes=MAX)
    assert parsed.staff[0].errors == ["Rækken indeholder et tegn, der ikke er tilladt (en NUL-byte)."]
    assert "\x00" not in parsed.staff[0].name


def test_a_file_over_the_limit_is_refused_unread():
    with pytest.raises(ImportFileError) as refused:
        parse_upload("stor.csv", b"navn;omr\xc3\xa5de\n" + b"x" * (10 * 1024 * 1024), max_bytes=MAX)
    assert refused.value.messages == ["Filen er for stor. Den må højst fylde 2 MB."]


def test_an_xlsx_that_is_really_a_zip_bomb_is_refused_unopened():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 100_000  # small to upload, 30 MB unpacked
    with pytest.raises(ImportFileError) as refused:
        parse_upload("bombe.xlsx", data, max_bytes=MAX)
    assert refused.value.messages == [
        "Filen pakkes ud til langt mere, end en liste over enheder og personale kan fylde, så den blev ikke åbnet."
    ]


def test_a_file_that_only_claims_to_be_xlsx_is_refused():
    with pytest.raises(ImportFileError) as refused:
        parse_upload("personale.xlsx", b"PK\x03\x04 not really a zip", max_bytes=MAX)
    assert refused.value.messages == ["Filen kunne ikke læses som en Excel-fil (.xlsx). Gem den igen fra Excel."]


def test_another_kind_of_file_is_refused():
    with pytest.raises(ImportFileError) as refused:
        parse_upload("personale.pdf", b"%PDF-1.7", max_bytes=MAX)
    assert refused.value.messages == ["Upload en CSV-fil eller en Excel-fil (.xlsx)."]


def test_more_rows_than_the_cap_are_refused():
    data = ("navn;område\n" + "".join(f"Enhed {n};ældre\n" for n in range(MAX_ROWS + 1))).encode()
    with pytest.raises(ImportFileError) as refused:
        parse_upload("enheder.csv", data, max_bytes=MAX)
    assert refused.value.messages == [f"Filen har flere end {MAX_ROWS} rækker."]


def test_an_empty_file_is_refused():
    with pytest.raises(ImportFileError) as refused:
        parse_upload("tom.csv", b"navn;omr\xc3\xa5de\n", max_bytes=MAX)
    assert refused.value.messages == ["Filen indeholder ingen enheder og intet personale."]


@pytest.mark.django_db
def test_unknown_and_closed_units_and_addresses_of_another_municipality_are_errors_of_their_rows():
    municipality, elsewhere = MunicipalityFactory(), MunicipalityFactory()
    UnitFactory(municipality=municipality, name="Plejecenter Åbo")
    UnitFactory(municipality=municipality, name="Gammelt Center", closed_on="2026-01-01")
    UnitFactory(municipality=elsewhere, name="Andeby Center")
    StaffFactory(municipality=elsewhere, username="taken@andeby.example")
    data = (
        "navn;e-mail;roller;enheder\n"
        "Anna Hansen;anna@kommune.example;Sagsbehandler;plejecenter åbo|Nyt Center\n"
        "Bo Berg;bo@kommune.example;Sagsbehandler;Andeby Center\n"
        "Carl Carlsen;carl@kommune.example;Sagsbehandler;Gammelt Center\n"
        "Dorte Dam;taken@andeby.example;Leder;\n"
    ).encode()
    parsed = parse_upload("personale.csv", data, max_bytes=MAX)
    import_problems(parsed, municipality)
    assert [row.errors for row in parsed.staff] == [
        ["Ukendt enhed »Nyt Center«. Opret den først, eller tilføj den til filen."],
        ["Ukendt enhed »Andeby Center«. Opret den først, eller tilføj den til filen."],
        ["Enheden »Gammelt Center« er lukket."],
        ["E-mailadressen taken@andeby.example kan ikke bruges her. Spørg platformens administrator."],
    ]
