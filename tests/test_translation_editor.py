"""The editors translate side by side, see what is missing or outdated per language, approve drafts in bulk, and send
a language to a translation agency and back (XLIFF 2.1, PO, CSV) — through HTTP, with the access matrix."""

import csv
import io
import re

import polib
import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.models import Translation
from portal.roles import Role
from portal.translation_services import save_translation
from portal.translations import TextState, source_digest, text_units, translatable_models
from tests.factories import (
    ContactPointFactory,
    NeedFactory,
    PageFactory,
    QuestionFactory,
    SituationFactory,
    StaffFactory,
    SuperuserFactory,
    SurveyFactory,
)

pytestmark = pytest.mark.django_db
OVERVIEW = "/personale/oversaettelser/"


@pytest.fixture
def as_editor(client, editor):
    client.force_login(editor)
    return client


def side_url(obj, language="tr") -> str:
    return reverse("staff:translation", args=[language, obj._meta.label_lower, obj.pk])


def translate(obj, field, text, language="tr", approved=False):
    return save_translation(acting_user=None, obj=obj, field=field, language=language, text=text, approved=approved)


def texts_of(response) -> list:
    return list(response.context["page"].object_list)


# --- What there is to translate ---------------------------------------------------------------------------------


def test_every_translatable_kind_of_content_is_found_without_core_naming_the_feature_apps():
    labels = {model._meta.label_lower for model in translatable_models()}
    assert {"portal.page", "portal.section", "contacts.need", "contacts.offer", "surveys.question"} <= labels
    assert "surveys.wave" not in labels  # translatable by the mixin, but it names no field to translate


def test_only_the_current_version_of_a_survey_question_is_offered_for_translation(municipality):
    survey = SurveyFactory(municipality=municipality)
    old = QuestionFactory(survey=survey, text="Gammel ordlyd", is_current=False)
    new = QuestionFactory(survey=survey, text="Ny ordlyd")
    keys = {unit.key for unit in text_units(municipality.pk, ["tr"])}
    assert f"surveys.question.{new.pk}.text" in keys and f"surveys.question.{old.pk}.text" not in keys


# --- The overview -----------------------------------------------------------------------------------------------


def test_the_overview_counts_checked_drafts_outdated_and_missing_per_language(as_editor, municipality):
    needs = [NeedFactory(municipality=municipality, name=f"Behov {n}") for n in range(4)]
    translate(needs[0], "name", "İhtiyaç 0", approved=True)
    translate(needs[1], "name", "İhtiyaç 1")
    translate(needs[2], "name", "İhtiyaç 2", approved=True)
    needs[2].name = "Behov 2, ændret"
    needs[2].save()
    translate(needs[0], "name", "Potrzeba 0", language="pl", approved=True)
    NeedFactory(municipality=NeedFactory().municipality, name="Andres behov")  # another municipality's
    response = as_editor.get(OVERVIEW)
    assert response.status_code == 200
    summary = {row["code"]: row for row in response.context["summary"]}
    municipality_texts = 1 + 4  # the policy's title (no subtitle) and the four needs
    assert {key: summary["tr"][key] for key in ("approved", "draft", "outdated", "missing", "total")} == {
        "approved": 1, "draft": 1, "outdated": 1, "missing": municipality_texts - 3, "total": municipality_texts,
    }  # fmt: skip
    assert (summary["pl"]["approved"], summary["pl"]["missing"]) == (1, municipality_texts - 1)
    assert "Andres behov" not in response.text


def test_an_empty_danish_text_is_not_missing(as_editor, municipality):
    situation = SituationFactory(need=NeedFactory(municipality=municipality), text="Min mor falder", note="")
    keys = {unit.key for unit in texts_of(as_editor.get(OVERVIEW, {"sprog": "ar", "slags": "contacts.situation"}))}
    assert keys == {f"contacts.situation.{situation.pk}.text"}


def test_the_list_filters_by_language_state_and_kind_with_ids_only_in_the_address(as_editor, municipality):
    need = NeedFactory(municipality=municipality, name="Akutte behov")
    translate(need, "name", "Acil ihtiyaçlar")
    page = PageFactory(municipality=municipality, title="Forord", sections=0)
    response = as_editor.get(OVERVIEW, {"sprog": "tr", "tilstand": "draft"})
    assert [unit.key for unit in texts_of(response)] == [f"contacts.need.{need.pk}.name"]
    response = as_editor.get(OVERVIEW, {"sprog": "tr", "tilstand": "missing", "slags": "portal.page"})
    assert [unit.key for unit in texts_of(response)] == [f"portal.page.{page.pk}.title"]
    assert side_url(page) + "#felt-title" in response.text
    assert re.fullmatch(r"/personale/oversaettelser/tr/portal\.page/\d+/", side_url(page))


def test_a_filter_the_portal_does_not_have_is_a_danish_message(as_editor):
    response = as_editor.get(OVERVIEW, {"sprog": "xx", "tilstand": "weird"})
    assert response.status_code == 200
    assert "Vælg en af mulighederne på listen." in response.text


def test_the_list_is_paged(as_editor, municipality):
    NeedFactory.create_batch(60, municipality=municipality)
    first = as_editor.get(OVERVIEW, {"sprog": "uk", "slags": "contacts.need"})
    assert len(texts_of(first)) == 50 and first.context["page"].paginator.count == 60
    assert "slags=contacts.need&amp;side=2" in first.text or "side=2" in first.text
    assert len(texts_of(as_editor.get(OVERVIEW, {"sprog": "uk", "slags": "contacts.need", "side": 2}))) == 10


@pytest.mark.parametrize("needs", [1, 30])
def test_the_overview_costs_the_same_queries_however_many_texts(
    as_editor, municipality, needs, django_assert_num_queries
):
    for need in NeedFactory.create_batch(needs, municipality=municipality):
        translate(need, "name", "Bir ihtiyaç")
    PageFactory(municipality=municipality, sections=2)
    # session, user, the user's own permissions, their roles with the roles' permissions; the translations; one query
    # per kind the editor translates (the municipality, pages, sections, needs, contact points, situations, their
    # contacts, offers); the municipality's name for the heading
    with django_assert_num_queries(4 + 1 + 8 + 1):
        response = as_editor.get(OVERVIEW)
    assert response.status_code == 200


# --- Side by side -----------------------------------------------------------------------------------------------


def test_an_editor_translates_a_text_side_by_side_and_marks_it_checked(as_editor, editor, municipality):
    need = NeedFactory(municipality=municipality, name="Akutte behov")
    page = as_editor.get(side_url(need))
    assert page.status_code == 200
    assert '<div class="translation-source" lang="da">' in page.text and "Akutte behov" in page.text
    response = as_editor.post(
        side_url(need), {"field": "name", "name-text": "Acil ihtiyaçlar", "name-status": "approved", "name-seen": ""}
    )
    assert response.status_code == 302
    saved = Translation.objects.get()
    assert (saved.text, saved.status, saved.language, saved.updated_by) == ("Acil ihtiyaçlar", "approved", "tr", editor)
    assert need.translated("name", "tr").state == TextState.APPROVED
    assert LogEntry.objects.filter(content_type__model="translation", user=editor).exists()
    assert "Kontrolleret af kommunen" in as_editor.get(side_url(need)).text


def test_arabic_is_written_right_to_left_and_turkish_left_to_right(as_editor, municipality):
    need = NeedFactory(municipality=municipality)
    assert re.search(r'<textarea[^>]*lang="ar"[^>]*dir="rtl"', as_editor.get(side_url(need, "ar")).text)
    assert re.search(r'<textarea[^>]*lang="tr"[^>]*dir="ltr"', as_editor.get(side_url(need, "tr")).text)


def test_an_outdated_translation_says_the_danish_has_changed_and_saving_again_makes_it_current(as_editor, municipality):
    need = NeedFactory(municipality=municipality, name="Akutte behov")
    saved = translate(need, "name", "Acil ihtiyaçlar", approved=True)
    need.name = "Akutte og pludselige behov"
    need.save()
    page = as_editor.get(side_url(need))
    assert "Den danske tekst er ændret siden" in page.text
    as_editor.post(
        side_url(need),
        {"field": "name", "name-text": "Acil ve ani ihtiyaçlar", "name-status": "approved",
         "name-seen": saved.updated_at.isoformat()},
    )  # fmt: skip
    need.refresh_from_db()
    assert need.translated("name", "tr").state == TextState.APPROVED
    assert "Den danske tekst er ændret siden" not in as_editor.get(side_url(need)).text


def test_a_translation_saved_by_someone_else_meanwhile_is_not_overwritten_and_the_text_is_kept(as_editor, municipality):
    need = NeedFactory(municipality=municipality)
    translate(need, "name", "Birinci")
    response = as_editor.post(
        side_url(need), {"field": "name", "name-text": "İkinci çeviri", "name-status": "draft", "name-seen": ""}
    )
    assert response.status_code == 200
    assert "Nogen anden gemte denne oversættelse" in response.text
    assert "İkinci çeviri</textarea>" in response.text and "Birinci" in response.text
    assert Translation.objects.get().text == "Birinci"
    current = Translation.objects.get().updated_at.isoformat()
    assert f'value="{current}"' in response.text  # saving again is now allowed
    again = as_editor.post(
        side_url(need), {"field": "name", "name-text": "İkinci çeviri", "name-status": "draft", "name-seen": current}
    )
    assert again.status_code == 302 and Translation.objects.get().text == "İkinci çeviri"


def test_html_in_a_translation_is_a_danish_message_at_the_field(as_editor, municipality):
    need = NeedFactory(municipality=municipality)
    response = as_editor.post(
        side_url(need),
        {"field": "name", "name-text": "<script>alert(1)</script>", "name-status": "draft", "name-seen": ""},
    )
    assert response.status_code == 200
    assert "En oversættelse er ren tekst" in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in response.text
    assert not Translation.objects.exists()


def test_a_field_that_is_not_translatable_or_an_unknown_language_is_not_found(as_editor, municipality):
    need = NeedFactory(municipality=municipality)
    not_translatable = {"field": "order", "order-text": "1", "order-status": "draft"}
    assert as_editor.post(side_url(need), not_translatable).status_code == 404
    assert as_editor.get(reverse("staff:translation", args=["xx", "contacts.need", need.pk])).status_code == 404
    assert as_editor.get(reverse("staff:translation", args=["tr", "consent.citizen", 1])).status_code == 404


# --- Approving in bulk ------------------------------------------------------------------------------------------


def test_chosen_drafts_are_marked_checked_and_an_outdated_one_is_left_for_reading(as_editor, municipality):
    needs = [NeedFactory(municipality=municipality) for _n in range(3)]
    drafts = [translate(need, "name", f"Taslak {n}") for n, need in enumerate(needs)]
    needs[2].name = "Ændret"
    needs[2].save()
    response = as_editor.get(OVERVIEW, {"sprog": "tr", "tilstand": "draft"})
    assert f'name="valgt" value="{drafts[0].pk}"' in response.text
    response = as_editor.post(
        reverse("staff:translations-approve"),
        {"sprog": "tr", "tilstand": "draft", "valgt": [drafts[0].pk, drafts[2].pk]},
        follow=True,
    )
    assert "1 oversættelser er markeret som kontrolleret af kommunen" in response.text
    assert [Translation.objects.get(pk=d.pk).status for d in drafts] == ["approved", "draft", "draft"]


def test_bulk_approval_needs_a_post_with_the_csrf_token(client, editor, municipality):
    draft = translate(NeedFactory(municipality=municipality), "name", "Taslak")
    client.force_login(editor)
    assert client.get(reverse("staff:translations-approve")).status_code == 405
    from django.test import Client

    checking = Client(enforce_csrf_checks=True)
    checking.force_login(editor)
    assert checking.post(reverse("staff:translations-approve"), {"valgt": [draft.pk]}).status_code == 403
    assert Translation.objects.get().status == "draft"


def test_another_municipalitys_drafts_cannot_be_approved(as_editor, other_municipality):
    draft = translate(NeedFactory(municipality=other_municipality), "name", "Taslak")
    as_editor.post(reverse("staff:translations-approve"), {"sprog": "tr", "valgt": [draft.pk]})
    assert Translation.objects.get().status == "draft"


# --- Export and import ------------------------------------------------------------------------------------------


def export(client, file_format: str, language: str = "tr") -> bytes:
    response = client.get(reverse("staff:translations-export", args=[language, file_format]))
    assert response.status_code == 200 and response.streaming
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content)


def upload(client, data: bytes, name: str, language: str = "tr"):
    return client.post(reverse("staff:translations-import", args=[language]), {"file": SimpleUploadedFile(name, data)})


@pytest.fixture
def contents(municipality):
    need = NeedFactory(municipality=municipality, name="Akutte behov")
    checked = NeedFactory(municipality=municipality, name="Ekstra behov")
    translate(checked, "name", "Ek ihtiyaçlar", approved=True)
    return {"need": need, "checked": checked}


def fill_xliff(data: bytes, key: str, target: str) -> bytes:
    text = data.decode()
    pattern = re.compile(rf'(<unit id="{re.escape(key)}".*?<source>.*?</source>)(<target>.*?</target>)?', re.S)
    return pattern.sub(lambda m: f"{m.group(1)}<target>{target}</target>", text, count=1).encode()


def fill_po(data: bytes, key: str, target: str) -> bytes:
    catalogue = polib.pofile(data.decode())
    next(entry for entry in catalogue if entry.msgctxt == key).msgstr = target
    return str(catalogue).encode()


def fill_csv(data: bytes, key: str, target: str) -> bytes:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    for row in rows:
        if row[0] == key:
            row[3] = target
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    return buffer.getvalue().encode()


FILL = {"xliff": fill_xliff, "po": fill_po, "csv": fill_csv}
NAMES = {"xliff": "aby-tr.xlf", "po": "aby-tr.po", "csv": "aby-tr.csv"}


@pytest.mark.parametrize("file_format", ["xliff", "po", "csv"])
def test_a_language_goes_to_a_translation_agency_and_back_as_drafts(as_editor, contents, file_format):
    need, checked = contents["need"], contents["checked"]
    exported = export(as_editor, file_format)
    assert "Akutte behov" in exported.decode("utf-8-sig") and "Ek ihtiyaçlar" in exported.decode("utf-8-sig")
    key = f"contacts.need.{need.pk}.name"
    response = upload(as_editor, FILL[file_format](exported, key, "Acil ihtiyaçlar"), NAMES[file_format])
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    saved = Translation.objects.get(object_id=need.pk)
    assert (saved.text, saved.status) == ("Acil ihtiyaçlar", "draft")
    assert Translation.objects.get(object_id=checked.pk).status == "approved"  # unchanged: not touched
    messages = [str(m) for m in as_editor.get(OVERVIEW).context["messages"]]
    assert any("1 oversættelser gemt som kladder" in m for m in messages)


def test_the_xliff_export_is_xliff_2_1_with_the_states_of_the_texts(as_editor, contents):
    text = export(as_editor, "xliff").decode()
    assert 'xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.1" srcLang="da" trgLang="tr"' in text
    assert f'<unit id="contacts.need.{contents["checked"].pk}.name"' in text and 'state="final"' in text
    assert 'state="initial"' in text


def test_the_export_holds_no_personal_data(as_editor, editor, contents, municipality):
    for file_format in ("xliff", "po", "csv"):
        text = export(as_editor, file_format).decode("utf-8-sig")
        assert editor.username not in text and editor.email not in text


def test_a_unit_whose_danish_changed_since_the_export_is_imported_but_shown_as_outdated(as_editor, contents):
    need = contents["need"]
    exported = export(as_editor, "po")
    need.name = "Akutte og pludselige behov"
    need.save()
    response = upload(as_editor, fill_po(exported, f"contacts.need.{need.pk}.name", "Acil ihtiyaçlar"), "tr.po")
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.translated("name", "tr").state == TextState.OUTDATED
    assert Translation.objects.get(object_id=need.pk).source_digest == source_digest("Akutte behov")
    messages = [str(m) for m in as_editor.get(OVERVIEW).context["messages"]]
    assert any("vist som forældede" in m for m in messages)


def problems_of(response) -> list[str]:
    assert response.status_code == 200
    return response.context["problems"] + list(response.context["form"].errors.get("file", []))


def test_a_file_in_another_language_imports_nothing(as_editor, contents):
    exported = fill_po(export(as_editor, "po", "pl"), f"contacts.need.{contents['need'].pk}.name", "Pilne")
    problems = problems_of(upload(as_editor, exported, "pl.po", language="tr"))
    assert problems == ["Filen er en oversættelse til »pl«, ikke til »tr«. Importér den under sit eget sprog."]
    assert Translation.objects.count() == 1


@pytest.mark.parametrize("file_format", ["xliff", "po", "csv"])
def test_unknown_keys_and_another_municipalitys_keys_are_named_and_nothing_is_saved(
    as_editor, contents, other_municipality, file_format
):
    foreign = NeedFactory(municipality=other_municipality, name="Andres behov")
    exported = export(as_editor, file_format)
    good = FILL[file_format](exported, f"contacts.need.{contents['need'].pk}.name", "Acil ihtiyaçlar")
    text = good.decode("utf-8-sig").replace(
        f"contacts.need.{contents['checked'].pk}.name", f"contacts.need.{foreign.pk}.name"
    )
    problems = problems_of(upload(as_editor, text.encode(), NAMES[file_format]))
    assert len(problems) == 1
    assert f"»contacts.need.{foreign.pk}.name« er ikke en af kommunens tekster, som du må oversætte" in problems[0]
    assert Translation.objects.count() == 1  # the good unit was not saved either


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("tr.xlf", b"<xliff><unit", "XML'en er i stykker"),
        ("tr.xlf", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "DOCTYPE"),
        ("tr.xlf", b"<other/>", "ikke XLIFF 2"),
        ("tr.po", b"/etc/passwd", "kunne ikke læses som en PO-fil"),
        ("tr.po", b'msgid "x"\nmsgstr "y"\n', "siger ikke, hvilket sprog"),
        ("tr.csv", b"a;b\n1;2\n", "skal have kolonnerne key, state, source_da, target_tr"),
        ("tr.docx", b"PK\x03\x04", "Upload en XLIFF-fil"),
    ],
)
def test_a_broken_file_is_a_danish_message_never_a_500(as_editor, contents, name, data, message):
    problems = problems_of(upload(as_editor, data, name))
    assert any(message in problem for problem in problems), problems
    assert Translation.objects.count() == 1


@pytest.mark.parametrize("file_format", ["xliff", "po", "csv"])
def test_html_or_script_in_a_target_is_refused_with_the_unit_named(as_editor, contents, file_format):
    key = f"contacts.need.{contents['need'].pk}.name"
    target = "&lt;script&gt;alert(1)&lt;/script&gt;" if file_format == "xliff" else "<script>alert(1)</script>"
    data = FILL[file_format](export(as_editor, file_format), key, target)
    problems = problems_of(upload(as_editor, data, NAMES[file_format]))
    assert len(problems) == 1 and "En oversættelse er ren tekst" in problems[0]
    assert Translation.objects.count() == 1


def test_markup_elements_inside_an_xliff_target_are_refused(as_editor, contents):
    key = f"contacts.need.{contents['need'].pk}.name"
    data = fill_xliff(export(as_editor, "xliff"), key, 'Acil <b xmlns="http://www.w3.org/1999/xhtml">ihtiyaç</b>')
    problems = problems_of(upload(as_editor, data, "tr.xlf"))
    assert len(problems) == 1 and "En oversættelse er ren tekst" in problems[0]


def test_a_survey_manager_exports_the_questionnaire_but_not_the_directory(client, manager, municipality):
    question = QuestionFactory(survey=SurveyFactory(municipality=municipality), text="Hvordan går det?")
    need = NeedFactory(municipality=municipality, name="Akutte behov")
    client.force_login(manager)
    text = export(client, "csv").decode("utf-8-sig")
    assert f"surveys.question.{question.pk}.text" in text and f"contacts.need.{need.pk}" not in text
    data = f"key;state;source_da;target_tr\ncontacts.need.{need.pk}.name;missing;Akutte behov;Acil\n".encode()
    problems = problems_of(upload(client, data, "tr.csv"))
    assert "ikke en af kommunens tekster, som du må oversætte" in problems[0]


# --- The access matrix ------------------------------------------------------------------------------------------

TRANSLATION_URLS = {
    "translations": None,
    "translations-approve": None,
    "translation": "object",
    "translations-export": "export",
    "translations-import": "language",
}
ROLES = ["anonymous", "caseworker", "manager", "editor", "admin", "other_editor", "superuser"]


@pytest.fixture
def world(municipality, other_municipality, editor, other_editor):
    need = NeedFactory(municipality=municipality, name="Akutte behov")
    draft = translate(need, "name", "Taslak")
    users = {
        "caseworker": StaffFactory(municipality=municipality, roles=[Role.CASEWORKER]),
        "manager": StaffFactory(municipality=municipality, roles=[Role.MANAGER]),
        "editor": editor,
        "admin": StaffFactory(municipality=municipality, roles=[Role.MUNICIPALITY_ADMIN]),
        "other_editor": other_editor,
        "superuser": SuperuserFactory(),
    }
    return {"need": need, "draft": draft, "users": users}


def matrix_url(name: str, world) -> str:
    args = {
        None: [],
        "object": ["tr", "contacts.need", world["need"].pk],
        "export": ["tr", "csv"],
        "language": ["tr"],
    }[TRANSLATION_URLS[name]]
    return reverse(f"staff:{name}", args=args)


def matrix_post(name: str, world) -> dict:
    return {
        "translations-approve": {"sprog": "tr", "valgt": [world["draft"].pk]},
        "translation": {"field": "name", "name-text": "Değişti", "name-status": "approved", "name-seen": ""},
        "translations-import": {
            "file": SimpleUploadedFile(
                "tr.csv",
                f"key;state;source_da;target_tr\ncontacts.need.{world['need'].pk}.name;x;Akutte behov;Yeni\n".encode(),
            )
        },
    }.get(name, {})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(TRANSLATION_URLS))
def test_only_those_who_may_change_the_content_translate_it_in_their_own_municipality(client, world, role, name):
    """The editor translates the directory; the manager translates only the survey (and so reaches the overview,
    but not the directory's need: 403); the administrator may change the municipality's details, and so translates
    its policy title; another municipality's editor gets 404 for the need and sees none of its texts."""
    url = matrix_url(name, world)
    if role != "anonymous":
        client.force_login(world["users"][role])
    before = list(Translation.objects.values_list("pk", "text", "status", "updated_at"))
    answers = [] if name == "translations-approve" else [client.get(url)]
    answers.append(client.post(url, matrix_post(name, world)))
    for response in answers:
        if role == "anonymous":
            assert response.status_code == 302 and response.url.startswith(reverse("login"))
        elif role in ("caseworker", "superuser"):
            assert response.status_code == 403
            assert "Tekster oversættes af dem, der må ændre dem" in response.text
        elif role == "editor":
            assert response.status_code in (200, 302)
        elif name == "translation":  # the manager and the administrator may not change needs
            assert response.status_code == (404 if role == "other_editor" else 403)
        else:
            assert response.status_code in (200, 302)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            body = body.decode("utf-8-sig")
            assert "Akutte behov" not in body and "Taslak" not in body
            assert f"contacts.need.{world['need'].pk}.name" not in body or "som du må oversætte" in body
    if role != "editor":
        assert list(Translation.objects.values_list("pk", "text", "status", "updated_at")) == before


def test_the_staff_home_links_those_who_translate_to_the_translations(client, editor, caseworker):
    client.force_login(editor)
    assert OVERVIEW in client.get(reverse("staff-home")).text
    client.force_login(caseworker)
    assert OVERVIEW not in client.get(reverse("staff-home")).text


def test_a_file_bigger_than_the_setting_is_a_message_at_the_field(as_editor, contents, settings):
    settings.TRANSLATION_IMPORT_MAX_BYTES = 1024 * 1024
    data = b"key;state;source_da;target_tr\n" + b"x" * (1024 * 1024)
    assert problems_of(upload(as_editor, data, "tr.csv")) == ["Filen er for stor. Den må højst fylde 1 MB."]


@pytest.mark.parametrize(
    ("text", "message"),
    [("Acil\x00", "Null-tegn er ikke tilladte."), ("Acil\x07", "Oversættelsen indeholder usynlige kontroltegn.")],
)
def test_control_characters_in_a_translation_are_a_danish_message_at_the_field(as_editor, municipality, text, message):
    need = NeedFactory(municipality=municipality)
    response = as_editor.post(
        side_url(need), {"field": "name", "name-text": text, "name-status": "draft", "name-seen": ""}
    )
    assert response.status_code == 200 and not Translation.objects.exists()
    assert message in " ".join(response.context["rows"][0]["form"].errors["text"])


def test_a_cat_tools_own_inline_xliff_markers_are_read_as_their_text(as_editor, contents):
    key = f"contacts.need.{contents['need'].pk}.name"
    data = fill_xliff(export(as_editor, "xliff"), key, 'Acil <mrk id="m1" translate="yes">ihtiyaçlar</mrk>')
    assert upload(as_editor, data, "tr.xlf").status_code == 302
    assert Translation.objects.get(object_id=contents["need"].pk).text == "Acil ihtiyaçlar"


def test_the_side_by_side_page_costs_a_fixed_number_of_queries(as_editor, municipality, django_assert_num_queries):
    from django.contrib.contenttypes.models import ContentType

    section = PageFactory(municipality=municipality, sections=1).sections.get()
    translate(section, "heading", "Başlık")
    ContentType.objects.clear_cache()
    # session, user, the user's own permissions, their roles with the roles' permissions; the section (within the
    # municipality), its content type, its translations
    with django_assert_num_queries(4 + 3):
        assert as_editor.get(side_url(section)).status_code == 200


def test_an_agencys_translation_of_an_earlier_danish_never_replaces_one_of_the_new_danish(as_editor, contents):
    checked = contents["checked"]
    exported = export(as_editor, "csv")
    checked.name = "Ekstra behov i hverdagen"
    checked.save()
    save_translation(
        acting_user=None, obj=checked, field="name", language="tr", text="Günlük hayatta ek ihtiyaçlar",
        approved=True, seen_updated_at=Translation.objects.get(object_id=checked.pk).updated_at,
    )  # fmt: skip
    seen = Translation.objects.get(object_id=checked.pk).updated_at
    translate_existing = fill_csv(exported, f"contacts.need.{checked.pk}.name", "Ek ihtiyaçlar, yeni")
    response = upload(as_editor, translate_existing, "tr.csv")
    assert response.status_code == 302
    kept = Translation.objects.get(object_id=checked.pk)
    assert (kept.text, kept.status, kept.updated_at) == ("Günlük hayatta ek ihtiyaçlar", "approved", seen)
    messages = [str(m) for m in as_editor.get(OVERVIEW).context["messages"]]
    assert any("1 blev ikke gemt" in m for m in messages)


def test_the_standard_pages_are_a_kind_of_their_own_apart_from_the_policy_pages(as_editor, municipality):
    policy_page = PageFactory(municipality=municipality, slug="forord", title="Forord", sections=1)
    standard = PageFactory(municipality=municipality, slug="klagevejledning", title="Klagevejledning", sections=1)
    standard.kind = "standard"
    standard.save()

    def keys(kind):
        return {unit.key for unit in texts_of(as_editor.get(OVERVIEW, {"sprog": "pl", "slags": kind}))}

    assert keys("portal.page") == {f"portal.page.{policy_page.pk}.title"}
    assert keys("portal.page:standard") == {f"portal.page.{standard.pk}.title"}
    assert {key.split(".")[2] for key in keys("portal.section:standard")} == {
        str(section.pk) for section in standard.sections.all()
    }
    assert "Standardsider" in as_editor.get(OVERVIEW).text


def test_an_import_over_a_translation_saved_meanwhile_saves_nothing(editor, contents):
    from portal.errors import StaleVersion
    from portal.translation_files import read_file
    from portal.translation_services import import_translations

    need, checked = contents["need"], contents["checked"]
    current = text_units(need.municipality_id, ["tr"])
    save_translation(
        acting_user=None, obj=checked, field="name", language="tr", text="Başkası", approved=True,
        seen_updated_at=Translation.objects.get(object_id=checked.pk).updated_at,
    )  # fmt: skip
    data = (
        "key;state;source_da;target_tr\n"
        f"contacts.need.{need.pk}.name;missing;Akutte behov;Acil\n"
        f"contacts.need.{checked.pk}.name;approved;Ekstra behov;Ek, yeni\n"
    ).encode()
    with pytest.raises(StaleVersion):
        import_translations(
            acting_user=editor, language="tr", file_units=read_file("tr.csv", data, "tr"), current=current,
            objects={(type(need), need.pk): need, (type(checked), checked.pk): checked},
        )  # fmt: skip
    assert list(Translation.objects.values_list("text", flat=True)) == ["Başkası"]


@pytest.mark.parametrize("file_format", ["xliff", "po", "csv"])
def test_a_text_typed_in_a_browser_with_paragraphs_comes_back_translated_not_outdated(
    as_editor, municipality, file_format
):
    """A textarea sends CR LF line breaks; an XML parser gives LF back: the same Danish all the same."""
    contact = ContactPointFactory(municipality=municipality, description="Første afsnit.\r\n\r\nAndet afsnit.")
    key = f"contacts.contactpoint.{contact.pk}.description"
    exported = export(as_editor, file_format)
    response = upload(
        as_editor, FILL[file_format](exported, key, "Birinci paragraf. İkinci paragraf."), NAMES[file_format]
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    shown = contact.translated("description", "tr")
    assert (shown, shown.state) == ("Birinci paragraf. İkinci paragraf.", TextState.DRAFT)


def test_a_garbled_version_stamp_on_the_side_by_side_page_is_told_like_a_stale_save(as_editor, municipality):
    need = NeedFactory(municipality=municipality)
    response = as_editor.post(
        side_url(need),
        {"field": "name", "name-text": "Acil", "name-status": "draft", "name-seen": "2024-13-01T00:00:00"},
    )
    assert response.status_code == 200 and "Nogen anden gemte denne oversættelse" in response.text
    assert "Acil</textarea>" in response.text and not Translation.objects.exists()
