"""An editor fills in the municipality's "Find rundt" from a file: CSV, XLSX or HSDS 3.0, previewed row by row.

contacts.directory_import reads the file (pure), contacts.services plans and writes (one transaction), and
contacts.staff_views shows the preview and imports. Importing again updates instead of duplicating.
"""

import io
import json
import re
import zipfile
from datetime import date, timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from contacts.directory_import import MAX_ROWS, ParsedDirectory, parse_directory_upload
from contacts.hsds import hsds_json, hsds_tabular_zip
from contacts.models import ContactPoint, DirectoryImport, Need, Situation, SituationContact
from contacts.services import import_directory, order_directory_import, plan_directory_import, run_directory_import
from portal.errors import RuleViolation
from portal.roles import Role
from portal.upload_tables import MAX_UNPACKED_BYTES, ImportFileError
from tests.factories import ContactPointFactory, MunicipalityFactory, StaffFactory

MAX = 5 * 1024 * 1024
HEADER = ["id", "behov", "situation", "spørg om", "kontakt", "telefon", "e-mail", "sidst tjekket"]
# Synthetic contact points of a made-up municipality (no seed names a contact outside Hvidovre).
ROWS = [
    ["vis-1", "Akutte behov", "Min mor kan ikke klare sig selv", "Spørg om hjælp i hjemmet", "Visitationen (test)",
     "70 10 20 30", "visitation@testrup.example", "01-03-2025"],
    ["vis-1", "Akutte behov", "Min far er faldet", "Spørg om genoptræning", "Visitationen (test)", "", "", ""],
    ["dem-1", "Ekstra behov i hverdagen", "Min mand glemmer meget", "Hør om demenscaféen", "Demenskoordinator (test)",
     "+45 70102031", "demens@testrup.example", ""],
]  # fmt: skip


def csv_bytes(rows, *, encoding="utf-8", separator=";") -> bytes:
    lines = [separator.join(row) for row in [HEADER, *rows]]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in [header, *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def errors_by_line(parsed: ParsedDirectory) -> dict[int, list[str]]:
    return {row.line: row.errors for row in parsed.rows if row.errors}


# --- reading the file ---------------------------------------------------------------------------------


def test_a_windows_1252_csv_with_semicolons_from_danish_excel_keeps_its_danish_letters():
    rows = [["", "Ændret sygdomsbillede", "Min søster får kræftbehandling", "Spørg om råd", "Sundhedsrådgivningen Ø",
             "70102032", "", ""]]  # fmt: skip
    parsed = parse_directory_upload("kontakter.csv", csv_bytes(rows, encoding="cp1252"), max_bytes=MAX)
    (row,) = parsed.rows
    assert (row.need, row.situation, row.name) == (
        "Ændret sygdomsbillede",
        "Min søster får kræftbehandling",
        "Sundhedsrådgivningen Ø",
    )
    assert row.ask_about == "Spørg om råd" and row.phone == "70102032" and not row.errors


def test_a_comma_csv_in_utf8_with_bom_reads_the_same_rows():
    data = b"\xef\xbb\xbf" + csv_bytes(ROWS, separator=",")
    parsed = parse_directory_upload("kontakter.csv", data, max_bytes=MAX)
    assert [row.name for row in parsed.rows] == [
        "Visitationen (test)",
        "Visitationen (test)",
        "Demenskoordinator (test)",
    ]
    assert [row.phone for row in parsed.rows] == ["70102030", "70102030", "70102031"]  # the first row's, repeated
    assert parsed.rows[0].last_checked == "2025-03-01" and not parsed.has_errors


def test_each_bad_row_gets_its_own_danish_message():
    rows = [
        ["", "Akutte behov", "", "", "Visitationen (test)", "1234", "ikke-en-adresse", ""],
        ["", "", "Min mor er faldet", "", "Hjemmeplejen (test)", "", "", "31-02-2025"],
        ["", "Akutte behov", "Min mor er syg", "", "", "", "", ""],
    ]
    parsed = parse_directory_upload("kontakter.csv", csv_bytes(rows), max_bytes=MAX)
    assert errors_by_line(parsed) == {
        2: [
            "“1234” er ikke et dansk telefonnummer. Skriv 8 cifre, fx 36 39 28 80.",
            "Skriv situationen (kolonnen “situation”) med borgerens eller de pårørendes egne ord.",
            "»ikke-en-adresse« er ikke en e-mailadresse.",
        ],
        3: [
            "“31-02-2025” er ikke en dato. Skriv den fx som 01-03-2025.",
            "Skriv det behov, situationen hører under (kolonnen “behov”).",
        ],
        4: ["Skriv kontaktpunktets navn (kolonnen “kontakt”)."],
    }


def test_one_contact_point_with_two_different_phone_numbers_is_an_error_on_the_later_row():
    rows = [ROWS[0], [*ROWS[1][:5], "70109999", "", ""]]
    parsed = parse_directory_upload("kontakter.csv", csv_bytes(rows), max_bytes=MAX)
    assert errors_by_line(parsed) == {
        3: ["“Visitationen (test)” har andre oplysninger her end i række 2 (telefon). Skriv dem ens."]
    }


def test_a_file_without_the_required_columns_is_refused_with_the_columns_it_needs():
    with pytest.raises(ImportFileError) as refused:
        parse_directory_upload("kontakter.csv", b"navn;telefon\r\nVisitationen;70102030\r\n", max_bytes=MAX)
    assert refused.value.messages[0].startswith("Kolonnen “behov” mangler. Brug skabelonens kolonner: id, behov")
    assert len(refused.value.messages) == 2  # behov and situation; "navn" is read as the contact point's name


def test_ten_thousand_rows_are_read_and_one_more_is_refused_clearly():
    many = [[f"k{n}", "Akutte behov", f"Situation {n}", "", f"Kontakt {n}", "", "", ""] for n in range(MAX_ROWS)]
    parsed = parse_directory_upload("kontakter.csv", csv_bytes(many), max_bytes=MAX)
    assert len(parsed.rows) == MAX_ROWS and not parsed.has_errors
    with pytest.raises(ImportFileError) as refused:
        parse_directory_upload("kontakter.csv", csv_bytes([*many, many[0]]), max_bytes=MAX)
    assert refused.value.messages == ["Filen har mere end 10.000 rækker. Del den op i flere filer."]


def test_a_file_over_the_size_limit_is_refused_unread():
    with pytest.raises(ImportFileError) as refused:
        parse_directory_upload("kontakter.csv", b"x" * (MAX + 1), max_bytes=MAX)
    assert refused.value.messages == ["Filen er for stor. Den må højst fylde 5 MB."]


def test_an_xlsx_that_would_unpack_to_too_much_is_refused_unopened():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (MAX_UNPACKED_BYTES + 1))
    with pytest.raises(ImportFileError) as refused:
        parse_directory_upload("kontakter.xlsx", buffer.getvalue(), max_bytes=MAX)
    assert refused.value.messages == [
        "Filen pakkes ud til langt mere, end en vejviser kan fylde, så den blev ikke åbnet."
    ]


def test_an_xlsx_reads_numbers_as_typed():
    data = xlsx_bytes([[*ROWS[0][:5], 70102030, "visitation@testrup.example", "2025-03-01"]])
    (row,) = parse_directory_upload("kontakter.xlsx", data, max_bytes=MAX).rows
    assert row.phone == "70102030" and row.last_checked == "2025-03-01" and not row.errors


def test_the_template_is_an_xlsx_whose_columns_the_import_reads(client, editor):
    client.force_login(editor)
    response = client.get(reverse("contacts-staff:import-template"))
    assert response["Content-Disposition"] == 'attachment; filename="find-rundt-skabelon.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    header = [cell.value for cell in workbook["Kontakter"][1]]
    assert header[:3] == ["id", "behov", "situation"] and "kontakt" in header
    filled = xlsx_bytes([["x", "Akutte behov", "Min mor er syg", "", "Visitationen (test)"]], header=header[:5])
    assert not parse_directory_upload("skabelon.xlsx", filled, max_bytes=MAX).has_errors


# --- importing ----------------------------------------------------------------------------------------


def parsed_rows(rows=ROWS) -> ParsedDirectory:
    return parse_directory_upload("kontakter.csv", csv_bytes(rows), max_bytes=MAX)


def directory_state(municipality) -> dict:
    return {
        "contacts": sorted(
            ContactPoint.objects.filter(municipality=municipality).values_list(
                "pk", "external_id", "name", "phone", "email", "last_checked"
            )
        ),
        "needs": sorted(Need.objects.filter(municipality=municipality).values_list("pk", "name")),
        "situations": sorted(Situation.objects.filter(need__municipality=municipality).values_list("pk", "text")),
        "links": sorted(
            SituationContact.objects.filter(situation__need__municipality=municipality).values_list(
                "situation_id", "contact_point_id", "ask_about"
            )
        ),
    }


def test_an_import_creates_the_needs_situations_and_contact_points_and_a_second_import_changes_nothing(
    municipality, editor
):
    plan = import_directory(municipality=municipality, parsed=parsed_rows(), acting_user=editor)
    assert plan.contacts_created == ["Visitationen (test)", "Demenskoordinator (test)"]
    assert plan.needs_created == ["Akutte behov", "Ekstra behov i hverdagen"] and plan.situations_created == 3
    visitation = ContactPoint.objects.get(municipality=municipality, external_id="vis-1")
    assert (visitation.phone, visitation.last_checked) == ("70102030", date(2025, 3, 1))  # the file's date
    dementia = ContactPoint.objects.get(municipality=municipality, external_id="dem-1")
    assert dementia.last_checked == timezone.localdate()  # no date in the file: checked by this import
    assert [link.situation.text for link in visitation.situation_links.order_by("situation__order")] == [
        "Min mor kan ikke klare sig selv",
        "Min far er faldet",
    ]
    before = directory_state(municipality)
    again = import_directory(municipality=municipality, parsed=parsed_rows(), acting_user=editor)
    assert again.changes_nothing and again.contacts_unchanged == 2
    assert directory_state(municipality) == before


def test_importing_a_changed_file_updates_the_contact_point_with_the_same_id(municipality, editor):
    import_directory(municipality=municipality, parsed=parsed_rows(), acting_user=editor)
    changed = [[*ROWS[0][:4], "Visitationen (nyt navn)", "70109999", ROWS[0][6], "01-06-2025"], *ROWS[1:]]
    changed[1] = [*changed[1][:4], "Visitationen (nyt navn)", "", "", ""]
    plan = plan_directory_import(municipality=municipality, parsed=parsed_rows(changed))
    assert plan.contacts_changed == ["Visitationen (nyt navn)"] and not plan.contacts_created
    import_directory(municipality=municipality, parsed=parsed_rows(changed), acting_user=editor)
    visitation = ContactPoint.objects.get(municipality=municipality, external_id="vis-1")
    assert (visitation.name, visitation.phone, visitation.last_checked) == (
        "Visitationen (nyt navn)",
        "70109999",
        date(2025, 6, 1),
    )
    assert ContactPoint.objects.filter(municipality=municipality).count() == 2
    assert LogEntry.objects.filter(object_id=str(visitation.pk), change_message="Ændret ved import.").count() == 1


def test_a_row_without_an_id_updates_the_contact_point_of_the_same_name(municipality, editor):
    existing = ContactPointFactory(municipality=municipality, name="Visitationen (test)", phone="70100000")
    rows = [["", *ROWS[0][1:5], "70102030", "", ""]]
    import_directory(municipality=municipality, parsed=parsed_rows(rows), acting_user=editor)
    existing.refresh_from_db()
    assert existing.phone == "70102030"
    assert ContactPoint.objects.filter(municipality=municipality).count() == 1


def test_a_file_with_an_error_imports_nothing_at_all(municipality, editor):
    rows = [*ROWS, ["", "Akutte behov", "Min mor er syg", "", "Hjemmeplejen (test)", "12", "", ""]]
    parsed = parsed_rows(rows)
    with pytest.raises(RuleViolation):
        import_directory(municipality=municipality, parsed=parsed, acting_user=editor)
    assert directory_state(municipality) == {"contacts": [], "needs": [], "situations": [], "links": []}


def test_an_import_touches_only_the_editors_own_municipality(municipality, other_municipality, editor):
    theirs = ContactPointFactory(municipality=other_municipality, name="Visitationen (test)", phone="70100000")
    theirs.external_id = "vis-1"
    theirs.save()
    import_directory(municipality=municipality, parsed=parsed_rows(), acting_user=editor)
    theirs.refresh_from_db()
    assert theirs.phone == "70100000" and not Need.objects.filter(municipality=other_municipality).exists()
    assert ContactPoint.objects.filter(municipality=municipality, external_id="vis-1").exists()


def test_an_imported_contact_point_is_found_by_the_directory_search_at_once(client, municipality, editor):
    import_directory(municipality=municipality, parsed=parsed_rows(), acting_user=editor)
    html = client.get(reverse("contacts:directory", args=[municipality.slug]) + "?q=demenskoordinator").text
    assert "situation-result" in html and "Demenskoordinator (test)" in html and "Min mand glemmer meget" in html


# --- HSDS 3.0 in ----------------------------------------------------------------------------------------


def test_the_hsds_json_of_hvidovres_directory_imports_into_a_new_municipality_as_the_same_directory(directories):
    hvidovre = directories["hvidovre"]
    document = json.dumps(hsds_json(hvidovre, base_url="https://portal.example"), ensure_ascii=False).encode()
    parsed = parse_directory_upload("hsds.json", document, max_bytes=MAX)
    assert parsed.source == "hsds" and not parsed.has_errors
    copy = MunicipalityFactory(town="Kopiby", slug="kopiby", kommunekode="0903")
    import_directory(municipality=copy, parsed=parsed, acting_user=StaffFactory(municipality=copy, roles=[Role.EDITOR]))
    assert sorted(copy.contact_points.values_list("name", "phone", "email", "last_checked")) == sorted(
        hvidovre.contact_points.values_list("name", "phone", "email", "last_checked")
    )
    assert list(copy.needs.values_list("name", flat=True)) == list(hvidovre.needs.values_list("name", flat=True))
    theirs = sorted(Situation.objects.filter(need__municipality=hvidovre).values_list("need__name", "text"))
    assert sorted(Situation.objects.filter(need__municipality=copy).values_list("need__name", "text")) == theirs
    again = plan_directory_import(
        municipality=copy, parsed=parse_directory_upload("hsds.json", document, max_bytes=MAX)
    )
    assert again.changes_nothing


def test_the_hsds_tabular_package_imports_the_same_rows_as_the_json(directories):
    hvidovre = directories["hvidovre"]
    from_json = parse_directory_upload(
        "hsds.json", json.dumps(hsds_json(hvidovre, base_url="https://portal.example")).encode(), max_bytes=MAX
    )
    from_zip = parse_directory_upload(
        "hsds.zip", hsds_tabular_zip(hvidovre, base_url="https://portal.example"), max_bytes=MAX
    )
    key = lambda row: (row.key, row.situation)  # noqa: E731
    assert sorted(map(key, from_zip.rows)) == sorted(map(key, from_json.rows)) and not from_zip.has_errors
    by_key = {key(row): row for row in from_json.rows}
    for row in from_zip.rows:
        mine = by_key[key(row)]
        assert (row.name, row.phone, row.email, row.need, row.ask_about) == (
            mine.name,
            mine.phone,
            mine.email,
            mine.need,
            mine.ask_about,
        )


def test_an_hsds_service_in_no_situation_is_a_row_with_a_message():
    document = {"contents": [{"id": "a1", "name": "Rådgivningen (test)", "status": "active", "attributes": []}]}
    parsed = parse_directory_upload("hsds.json", json.dumps(document).encode(), max_bytes=MAX)
    assert errors_by_line(parsed) == {
        1: ["Tjenesten har ingen attribut med et taksonomiord, så den er ikke i nogen situation."]
    }


def test_json_that_is_not_hsds_is_refused_clearly():
    with pytest.raises(ImportFileError) as refused:
        parse_directory_upload("data.json", b'{"navn": "x"}', max_bytes=MAX)
    assert refused.value.messages == [
        "Filen er ikke et HSDS 3.0-datasæt: den har ingen liste af tjenester (“contents” eller “services”)."
    ]


# --- the pages ------------------------------------------------------------------------------------------


def confirm(client, payload: str) -> str:
    """Confirm the preview (its task enqueued at the commit, as in production); the progress page's address."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("contacts-staff:import-confirm"), {"payload": payload})
    assert response.status_code == 302, response
    assert re.fullmatch(r"/personale/find-rundt/import/\d+/", response["Location"])
    return response["Location"]


def run_the_worker():
    """What a worker does (`manage.py db_worker`), here in the test's process: every task enqueued, then stop.

    Its checks for stale connections are left out: they close the test's own connection, which holds the test's
    transaction (tests/test_queue_workers.py runs the worker as a real process).
    """
    from unittest import mock

    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def upload(client, data: bytes, name: str = "kontakter.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("contacts-staff:import"), {"file": SimpleUploadedFile(name, data)})


def test_the_editor_sees_the_plan_then_imports_and_the_relative_finds_the_contact(
    client, municipality, editor, django_assert_num_queries
):
    client.force_login(editor)
    response = upload(client, xlsx_bytes(ROWS), "kontakter.xlsx")
    html = response.text
    assert response.status_code == 200 and "2 nye kontaktpunkter" in html and "3 nye situationer" in html
    assert not ContactPoint.objects.exists()  # nothing saved before the import
    payload = html.split('name="payload" value="')[1].split('"')[0]
    progress = confirm(client, payload)
    assert not ContactPoint.objects.exists()  # the request only ordered the import
    assert "Importen venter på sin tur." in client.get(progress).text
    run_the_worker()
    html = client.get(progress).text
    assert "Importeret: 2 nye kontaktpunkter, 0 ændrede, 2 nye behov, 3 nye situationer." in html
    assert ContactPoint.objects.filter(municipality=municipality).count() == 2
    again = confirm(client, payload)
    assert again != progress
    run_the_worker()
    assert "Alt i filen var allerede i vejviseren; intet blev ændret." in client.get(again).text
    assert ContactPoint.objects.filter(municipality=municipality).count() == 2


def test_a_preview_with_errors_lists_them_and_offers_no_import(client, municipality, editor):
    client.force_login(editor)
    html = upload(client, csv_bytes([["", "Akutte behov", "", "", "Visitationen (test)", "12", "", ""]])).text
    assert "1 række har fejl" in html and "“12” er ikke et dansk telefonnummer" in html
    assert 'name="payload"' not in html


def test_a_changed_preview_imports_nothing(client, municipality, editor):
    client.force_login(editor)
    response = client.post(reverse("contacts-staff:import-confirm"), {"payload": "ændret"}, follow=True)
    assert "Forhåndsvisningen er for gammel eller blev ændret" in response.text
    assert not ContactPoint.objects.exists()


def test_a_preview_signed_for_another_editor_imports_nothing(client, municipality, editor, other_editor):
    client.force_login(other_editor)
    payload = upload(client, csv_bytes(ROWS)).text.split('name="payload" value="')[1].split('"')[0]
    client.force_login(editor)
    client.post(reverse("contacts-staff:import-confirm"), {"payload": payload})
    assert not ContactPoint.objects.exists()


def test_the_import_page_is_for_the_municipalitys_editors_only(client, municipality, caseworker, editor):
    url = reverse("contacts-staff:import")
    assert client.get(url).status_code == 302  # to the login
    client.force_login(caseworker)
    assert client.get(url).status_code == 403
    client.force_login(editor)
    assert client.get(url).status_code == 200


def test_the_import_page_and_its_preview_take_a_fixed_number_of_queries(
    client, municipality, editor, django_assert_num_queries
):
    client.force_login(editor)
    url = reverse("contacts-staff:import")
    # session, user, its groups' permissions (has_perms)
    with django_assert_num_queries(5):
        client.get(url)
    many = [[f"k{n}", "Akutte behov", f"Situation {n}", "", f"Kontakt {n}", "", "", ""] for n in range(300)]
    # the same, and the directory the rows are matched against: contact points, needs, situations, links
    with django_assert_num_queries(9):
        upload(client, csv_bytes(many))


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.CASEWORKER, 403),
        (Role.MANAGER, 403),
        (Role.MUNICIPALITY_ADMIN, 403),
        (Role.DATA_PROTECTION_OFFICER, 403),
        (Role.EDITOR, 200),
        ("superuser", 403),  # a platform superuser has no municipality to import into: fixtures are theirs
    ],
)
def test_who_reaches_the_import_pages(client, municipality, role, status):
    from tests.factories import SuperuserFactory

    user = SuperuserFactory() if role == "superuser" else StaffFactory(municipality=municipality, roles=[role])
    client.force_login(user)
    assert client.get(reverse("contacts-staff:import")).status_code == status
    assert client.get(reverse("contacts-staff:import-template")).status_code == status
    assert upload(client, csv_bytes(ROWS)).status_code == status
    confirmed = client.post(reverse("contacts-staff:import-confirm"), {"payload": "x"})
    assert confirmed.status_code == (302 if status == 200 else status)
    order = DirectoryImport.objects.create(municipality=municipality, rows=None)
    assert client.get(reverse("contacts-staff:import-progress", args=[order.pk])).status_code == status
    assert not ContactPoint.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_editors_importing_the_same_file_at_once_make_each_contact_point_once(municipality):
    """On PostgreSQL two threads with their own connections import at the same moment; on SQLite one by one."""
    import threading

    from django.db import connection, connections

    editors = [StaffFactory(municipality=municipality, roles=[Role.EDITOR]) for _ in range(2)]
    rows = [["", *row[1:]] for row in ROWS]  # no ids: matched by name, which no constraint guards
    errors = []

    def run(editor, barrier=None):
        try:
            parsed = parsed_rows(rows)
            if barrier:
                barrier.wait(timeout=10)
            import_directory(municipality=municipality, parsed=parsed, acting_user=editor)
        except BaseException as error:
            errors.append(error)
        finally:
            if barrier:
                connections.close_all()

    if connection.vendor == "postgresql":
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=run, args=(editor, barrier)) for editor in editors]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    else:
        for editor in editors:
            run(editor)
    assert errors == []
    assert sorted(ContactPoint.objects.filter(municipality=municipality).values_list("name", flat=True)) == [
        "Demenskoordinator (test)",
        "Visitationen (test)",
    ]
    assert Situation.objects.filter(need__municipality=municipality).count() == 3


def test_every_import_url_is_in_the_table_of_who_reaches_it():
    from contacts.staff_urls import urlpatterns

    # every other staff URL of the app is a contact request's, in tests/test_contact_requests.py's matrix
    others = {pattern.name for pattern in urlpatterns if not str(pattern.pattern).startswith("henvendelser/")}
    assert others == {"import", "import-confirm", "import-progress", "import-template"}


def test_the_import_pages_are_never_stored_by_a_browser_or_proxy(client, municipality, editor):
    client.force_login(editor)
    order = DirectoryImport.objects.create(municipality=municipality, ordered_by=editor, rows=None)
    for response in [
        client.get(reverse("contacts-staff:import")),
        upload(client, csv_bytes(ROWS)),
        client.get(reverse("contacts-staff:import-progress", args=[order.pk])),
    ]:
        assert "no-store" in response["Cache-Control"]


# --- the import in the background (contacts.tasks) ------------------------------------------------------


def order(editor, rows=ROWS) -> DirectoryImport:
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return order_directory_import(acting_user=editor, data=parsed_rows(rows).as_data())


def test_confirming_only_orders_the_import_and_the_worker_does_it_and_clears_the_rows(municipality, editor):
    from django_tasks_db.models import DBTaskResult

    ordered = order(editor)
    assert ordered.status == DirectoryImport.Status.WAITING and ordered.rows["rows"]
    assert not ContactPoint.objects.exists()
    task = DBTaskResult.objects.get()
    assert (task.task_path, task.args_kwargs["args"]) == ("contacts.tasks.run_directory_import", [ordered.pk])
    run_the_worker()
    ordered.refresh_from_db()
    assert ordered.status == DirectoryImport.Status.DONE and ordered.rows is None
    assert (ordered.contacts_created, ordered.needs_created, ordered.situations_created) == (2, 2, 3)
    assert ordered.started_at <= ordered.finished_at
    assert ContactPoint.objects.filter(municipality=municipality).count() == 2
    assert LogEntry.objects.filter(user=editor, change_message="Oprettet ved import.").count() == 2


def test_an_import_run_twice_imports_once(municipality, editor):
    ordered = order(editor)
    run_directory_import(ordered.pk)
    before = directory_state(municipality)
    again = run_directory_import(ordered.pk)  # a task enqueued twice, or run again after its worker died
    assert again.status == DirectoryImport.Status.DONE and directory_state(municipality) == before


def test_rows_that_no_longer_fit_the_directory_fail_the_import_which_changes_nothing(client, municipality, editor):
    rows = [["", *row[1:]] for row in ROWS]  # no ids: matched by name
    ordered = order(editor, rows)
    # Since the preview, somebody has made two contact points of the name the file's first row has.
    for _n in range(2):
        ContactPointFactory(municipality=municipality, name="Visitationen (test)")
    before = directory_state(municipality)
    run_the_worker()
    ordered.refresh_from_db()
    assert ordered.status == DirectoryImport.Status.FAILED and ordered.rows is None
    assert directory_state(municipality) == before
    assert ordered.failure.startswith("Vejviseren blev ændret efter forhåndsvisningen")
    assert "intet blev importeret" in ordered.failure and "2 kontaktpunkter med navnet" in ordered.failure
    client.force_login(editor)
    html = client.get(reverse("contacts-staff:import-progress", args=[ordered.pk])).text
    assert "Intet blev importeret" in html and "Vejviseren blev ændret efter forhåndsvisningen" in html
    assert "import_progress.js" not in html  # finished: the page stops updating itself


def test_an_error_in_the_portal_fails_the_import_with_a_plain_message_and_changes_nothing(
    municipality, editor, monkeypatch
):
    from contacts import services

    ordered = order(editor)

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full (details for the operators)")

    monkeypatch.setattr(services, "index_situations", broken)
    with pytest.raises(RuntimeError):
        run_directory_import(ordered.pk)
    ordered.refresh_from_db()
    assert ordered.status == DirectoryImport.Status.FAILED and ordered.rows is None
    assert "disk" not in ordered.failure and "intet blev importeret" in ordered.failure
    assert directory_state(municipality) == {"contacts": [], "needs": [], "situations": [], "links": []}


def test_an_import_is_seen_only_by_the_editors_of_its_municipality(
    client, municipality, editor, other_editor, caseworker
):
    ordered = order(editor)
    url = reverse("contacts-staff:import-progress", args=[ordered.pk])
    client.force_login(other_editor)
    assert client.get(url).status_code == 404
    client.force_login(caseworker)
    assert client.get(url).status_code == 403
    colleague = StaffFactory(municipality=municipality, roles=[Role.EDITOR])
    client.force_login(colleague)
    html = client.get(url).text
    assert "Importen venter på sin tur." in html and "import_progress.js" in html


def test_an_import_whose_worker_died_is_recorded_as_failed_and_its_page_stops_waiting(
    client, municipality, editor, settings
):
    from contacts.services import fail_abandoned_imports

    died = order(editor)
    DirectoryImport.objects.filter(pk=died.pk).update(status=DirectoryImport.Status.RUNNING, started_at=died.ordered_at)
    lost = order(editor)  # its task never ran
    recent = order(editor)
    later = died.ordered_at + timedelta(seconds=settings.TASK_ABANDONED_AFTER_SECONDS + 1)
    DirectoryImport.objects.filter(pk=recent.pk).update(ordered_at=later - timedelta(minutes=5))

    assert fail_abandoned_imports(later) == 2
    for abandoned in (died, lost):
        abandoned.refresh_from_db()
        assert abandoned.status == DirectoryImport.Status.FAILED and abandoned.rows is None
    recent.refresh_from_db()
    assert recent.status == DirectoryImport.Status.WAITING and recent.rows
    client.force_login(editor)
    html = client.get(reverse("contacts-staff:import-progress", args=[died.pk])).text
    assert "Importen stoppede, før den var færdig, så intet blev importeret." in html
    assert "import_progress.js" not in html
    assert not ContactPoint.objects.exists()
