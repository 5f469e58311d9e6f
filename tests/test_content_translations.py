"""The municipality's content in the reader's language: the English texts kept when the `_en` columns went,
published pages showing their translations, and an honest word where a text is Danish, a draft or outdated."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from contacts.models import ContactPoint, Need, Offer, Situation, SituationContact
from portal.models import Page, Section, Translation
from portal.services import publish_page, revert_page
from portal.translation_services import save_translation
from portal.translations import TextState
from surveys.models import Question
from tests.factories import (
    MunicipalityFactory,
    NeedFactory,
    PageFactory,
    QuestionFactory,
    SituationFactory,
    SurveyFactory,
)

ONLY_DANISH = "This page is only in Danish."
PARTS_DANISH = "Parts of this page are only in Danish."
NOT_CHECKED = "This translation has not yet been checked by the municipality."
DANISH_CHANGED = "The Danish text has changed since this was translated."
NOTICES = (ONLY_DANISH, PARTS_DANISH, NOT_CHECKED, DANISH_CHANGED)


def translate(obj, field, text, language="en", *, approved=True):
    return save_translation(acting_user=None, obj=obj, field=field, language=language, text=text, approved=approved)


def notices_of(html: str, language: str = "en") -> list[str]:
    """The notices `html` (a page in `language`) shows, by their English msgids."""
    with translation.override(language):
        return [notice for notice in NOTICES if escape(gettext(notice)) in html]


@pytest.fixture
def page(municipality):
    page = PageFactory(municipality=municipality, slug="side", title="Forord", sections=0)
    Section.objects.create(page=page, order=1, kind="text", heading="Velkommen", body="Dansk tekst.")
    publish_page(acting_user=None, page=page)
    return page


# --- the data migration ----------------------------------------------------------------------------------

BEFORE = [
    ("portal", "0012_translations"),
    ("contacts", "0007_directory_import_keys_and_own_needs"),
    ("surveys", "0008_email_rounds"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return MigrationExecutor(connection).loader.project_state(targets).apps if targets else None


@pytest.mark.django_db(transaction=True)
def test_removing_the_english_columns_keeps_every_english_text_as_a_translation_and_can_be_undone(municipality):
    page = PageFactory(municipality=municipality, slug="side", title="Forord", sections=0)
    section = Section.objects.create(page=page, order=1, kind="text", heading="Velkommen", body="Dansk tekst.")
    publish_page(acting_user=None, page=page)
    need = NeedFactory(municipality=municipality, name="Akutte behov")
    survey = SurveyFactory(municipality=municipality, title="Pårørendeundersøgelse")
    question = QuestionFactory(survey=survey, text="Hvordan går det?")
    try:
        old = migrate(BEFORE)
        old.get_model("portal", "Municipality").objects.filter(pk=municipality.pk).update(
            policy_title_en="Policy for relatives"
        )
        old.get_model("portal", "Page").objects.filter(pk=page.pk).update(title_en="Foreword")
        old.get_model("portal", "Section").objects.filter(pk=section.pk).update(body_en="English text.")
        versions = old.get_model("portal", "PageVersion").objects.filter(page_id=page.pk)
        old_sections = [{"order": 1, "kind": "text", "heading": "Velkommen", "heading_en": "Welcome",
                         "body": "Dansk tekst.", "body_en": "English text.", "figure": "", "items": "",
                         "items_en": "", "attribution": "", "attribution_en": "", "portal_note": ""}]  # fmt: skip
        versions.update(title_en="Foreword", sections=old_sections)
        old.get_model("contacts", "Need").objects.filter(pk=need.pk).update(name_en="Urgent needs")
        old.get_model("surveys", "Survey").objects.filter(pk=survey.pk).update(title_en="Survey of relatives")
        old.get_model("surveys", "Question").objects.filter(pk=question.pk).update(text_en="How is it going?")

        migrate(None)
        kept = {
            (row.content_type.model, row.object_id, row.field): (row.text, row.status, row.municipality_id)
            for row in Translation.objects.filter(language="en").select_related("content_type")
        }
        approved = "approved"
        assert kept == {
            ("municipality", municipality.pk, "policy_title"): ("Policy for relatives", approved, municipality.pk),
            ("page", page.pk, "title"): ("Foreword", approved, municipality.pk),
            ("section", section.pk, "body"): ("English text.", approved, municipality.pk),
            ("section", section.pk, "heading"): ("Welcome", approved, municipality.pk),  # from the published version
            ("need", need.pk, "name"): ("Urgent needs", approved, municipality.pk),
            ("survey", survey.pk, "title"): ("Survey of relatives", approved, municipality.pk),
            ("question", question.pk, "text"): ("How is it going?", approved, municipality.pk),
        }
        assert Section.objects.get(pk=section.pk).translated("body", "en").state == TextState.APPROVED
        assert Page.objects.get(pk=page.pk).published_version.sections == [
            {"id": section.pk, "order": 1, "kind": "text", "heading": "Velkommen", "body": "Dansk tekst.",
             "figure": "", "items": "", "attribution": "", "portal_note": ""}
        ]  # fmt: skip

        old = migrate(BEFORE)
        assert old.get_model("portal", "Section").objects.get(pk=section.pk).body_en == "English text."
        assert old.get_model("portal", "Municipality").objects.get(pk=municipality.pk).policy_title_en == (
            "Policy for relatives"
        )
        assert old.get_model("contacts", "Need").objects.get(pk=need.pk).name_en == "Urgent needs"
        assert old.get_model("surveys", "Question").objects.get(pk=question.pk).text_en == "How is it going?"
        version = old.get_model("portal", "PageVersion").objects.filter(page_id=page.pk).latest("number")
        assert version.title_en == "Foreword" and version.sections[0]["heading_en"] == "Welcome"
        assert "id" not in version.sections[0]
        assert not Translation.objects.exists()
    finally:
        migrate(None)


# --- published versions keep their sections' translations ------------------------------------------------


def test_a_published_page_shows_the_translations_of_its_sections(client, page):
    section = page.sections.get()
    translate(page, "title", "Foreword")
    translate(section, "heading", "Welcome")
    translate(section, "body", "English text.")
    html = client.get("/en/testrup/side/").text
    assert "<h1>Foreword</h1>" in html and "English text." in html and "Dansk tekst." not in html
    assert notices_of(html) == []


def test_putting_an_old_version_back_keeps_its_sections_translations(client, page):
    section = page.sections.get()
    translate(section, "body", "English text.")
    first = page.published_version
    section.body = "Ændret dansk tekst."
    section.save()
    publish_page(acting_user=None, page=page)
    revert_page(acting_user=None, page=page, version=first)
    assert page.sections.get().translated("body", "en") == "English text."


def test_a_new_version_of_a_question_keeps_its_translations_marked_outdated_when_its_danish_changed(db):
    from surveys.services import new_version_of

    question = QuestionFactory(text="Hvordan går det?")
    translate(question, "text", "How is it going?", "tr")
    question.text = "Hvordan går det nu?"
    new = new_version_of(question)
    assert new.translated("text", "tr") == "How is it going?"
    assert new.translated("text", "tr").state == TextState.OUTDATED
    assert Question.objects.get(pk=question.pk).translated("text", "tr").state == TextState.APPROVED


# --- the notices ----------------------------------------------------------------------------------------


def test_a_page_without_translations_says_it_is_only_in_danish_and_marks_the_danish(client, page):
    html = client.get("/en/testrup/side/").text
    assert notices_of(html) == [ONLY_DANISH]
    assert '<h1 lang="da">Forord</h1>' in html and 'lang="da">Velkommen</h2>' in html
    assert notices_of(client.get("/testrup/side/").text) == []  # the Danish page has nothing to say


def test_a_page_filled_after_rendering_tells_the_browser_its_true_length(client, page):
    """The notices' place is filled after a page is rendered; a stale Content-Length left browsers waiting."""
    MunicipalityFactory()  # the front page lists the municipalities (with one, it sends the visitor there)
    for path in ("/en/", "/ar/", "/", "/en/testrup/side/"):
        response = client.get(path)
        assert response.status_code == 200
        assert int(response["Content-Length"]) == len(response.content), path


def test_a_page_partly_translated_says_which_parts_are_danish(client, page):
    translate(page, "title", "Foreword")
    html = client.get("/en/testrup/side/").text
    assert notices_of(html) == [PARTS_DANISH]
    assert "<h1>Foreword</h1>" in html and 'lang="da">Velkommen</h2>' in html


def test_a_draft_translation_is_shown_and_said_to_be_unchecked(client, page):
    section = page.sections.get()
    for field, text in (("heading", "Welcome"), ("body", "English text.")):
        translate(section, field, text, approved=False)
    translate(page, "title", "Foreword")
    html = client.get("/en/testrup/side/").text
    assert "English text." in html and notices_of(html) == [NOT_CHECKED]


def test_editing_the_danish_and_publishing_marks_the_english_page_outdated(client, page):
    section = page.sections.get()
    translate(page, "title", "Foreword")
    translate(section, "heading", "Welcome")
    translate(section, "body", "English text.")
    assert notices_of(client.get("/en/testrup/side/").text) == []  # (now in the page cache)
    section.body = "Ny dansk tekst."
    section.save()
    assert notices_of(client.get("/en/testrup/side/").text) == []  # the draft is not public yet
    publish_page(acting_user=None, page=page)
    html = client.get("/en/testrup/side/").text
    assert "English text." in html and notices_of(html) == [DANISH_CHANGED]


def test_a_translation_of_an_unpublished_draft_never_reaches_the_public_page(client, page):
    section = page.sections.get()
    section.body = "Hemmelig kladde, ikke udgivet."
    section.save()  # a draft: the public still reads "Dansk tekst."
    translate(section, "body", "Secret unpublished draft.")  # the translator works on the editors' draft
    html = client.get("/en/testrup/side/").text
    assert "Secret unpublished draft." not in html and "Hemmelig kladde" not in html
    assert "Dansk tekst." in html and notices_of(html) == [ONLY_DANISH]
    publish_page(acting_user=None, page=page)
    assert "Secret unpublished draft." in client.get("/en/testrup/side/").text


def test_a_policy_page_translated_into_arabic_is_in_arabic_without_a_notice(client, page):
    section = page.sections.get()
    translate(page, "title", "تمهيد", "ar")
    translate(section, "heading", "مرحبا", "ar")
    translate(section, "body", "نص عربي.", "ar")
    html = client.get("/ar/testrup/side/").text
    assert '<html lang="ar"' in html and "<h1>تمهيد</h1>" in html and "نص عربي." in html
    assert "Dansk tekst." not in html and 'lang="da"' not in html.split("<main", 1)[1].split("</main>")[0]
    assert "translation-notices" not in html
    english = client.get("/en/testrup/side/").text  # the Arabic is not the English
    assert notices_of(english) == [ONLY_DANISH]


def test_the_notice_is_served_with_the_page_from_the_cache(client, page, django_assert_num_queries):
    client.get("/en/testrup/side/")
    with django_assert_num_queries(0):
        html = client.get("/en/testrup/side/").text
    assert notices_of(html) == [ONLY_DANISH]


def test_a_new_translation_shows_at_once_on_a_cached_page(client, page):
    assert notices_of(client.get("/en/testrup/side/").text) == [ONLY_DANISH]
    translate(page, "title", "Foreword")
    assert notices_of(client.get("/en/testrup/side/").text) == [PARTS_DANISH]


def test_the_directory_says_what_is_only_in_danish(client, municipality):
    need = NeedFactory(municipality=municipality, name="Akutte behov")
    situation = SituationFactory(need=need, text="Min nærmeste er blevet syg")
    translate(need, "name", "Pilne potrzeby", "pl", approved=False)
    html = client.get("/pl/testrup/find-rundt/").text
    assert "Pilne potrzeby" in html and notices_of(html, "pl") == [PARTS_DANISH, NOT_CHECKED]
    assert 'lang="da"><a href' in html
    translate(situation, "text", "Moja bliska osoba zachorowała", "pl", approved=True)
    assert notices_of(client.get("/pl/testrup/find-rundt/").text, "pl") == [NOT_CHECKED]


# --- queries ----------------------------------------------------------------------------------------------


def warm_content_types():
    """ContentType ids are cached per process after their first use; counts are taken with them cached."""
    ContentType.objects.get_for_models(Page, Section, Need, Situation, SituationContact, ContactPoint, Offer)


def test_a_translated_policy_page_adds_one_query_per_kind_of_text(client, municipality, django_assert_num_queries):
    small = PageFactory(municipality=municipality, slug="lille", sections=1)
    big = PageFactory(municipality=municipality, slug="stor", sections=300)
    for number in range(20):
        PageFactory(municipality=municipality, slug=f"ekstra-{number}", sections=2)
    for section in big.sections.all()[:50]:
        translate(section, "body", f"Translated {section.pk}.", "uk")
    translate(big, "title", "Великий", "uk")
    for number in range(3):
        offer = Offer.objects.create(
            municipality=municipality, kind="respite", name=f"Tilbud {number}", description="Et tilbud.",
            source=f"Sætning {number}.",
        )  # fmt: skip
        translate(offer, "name", f"Пропозиція {number}", "uk")
    small_url, big_url = small.get_absolute_url(), big.get_absolute_url()  # (in Danish: no language prefix)
    warm_content_types()
    # the municipality, the published versions, the offers (as in Danish); the pages', the sections' and the
    # offers' translations (the offers' names are in the links under the sentences they come from)
    with django_assert_num_queries(3 + 3):
        assert client.get("/uk" + small_url).status_code == 200
    with django_assert_num_queries(3 + 3):
        html = client.get("/uk" + big_url).text
    assert html.count("Translated ") == 50 and "Великий" in html
    with django_assert_num_queries(3):  # the Danish page as before
        assert client.get(small_url).status_code == 200


def test_find_rundt_in_another_language_adds_one_query_per_kind_of_text(client, directories, django_assert_num_queries):
    from tests.test_directory import QUERIES, page_urls

    hvidovre = directories["hvidovre"]
    for need in hvidovre.needs.all():
        translate(need, "name", f"İhtiyaç {need.pk}", "tr")
        for situation in need.situations.all():
            translate(situation, "text", f"Durum {situation.pk}", "tr")
            for link in situation.contacts.all():
                translate(link, "ask_about", f"Sorun {link.pk}", "tr")
    for contact in hvidovre.contact_points.all():
        translate(contact, "opening_hours", "Pazartesi–Cuma", "tr")
    urls = page_urls(hvidovre)
    warm_content_types()
    # browsing: the needs' and the situations' translations; a search: the offers' (searched in the reader's
    # language too), the situations', what to ask each contact point about, and the contact points'
    added = {"directory": 2, "search": 4}
    for name in added:
        with django_assert_num_queries(QUERIES[name] + added[name]):
            html = client.get("/tr" + urls[name]).text
        assert "Durum " in html, name
    with django_assert_num_queries(QUERIES["directory"]):
        assert "Durum " not in client.get(urls["directory"]).text


@pytest.mark.parametrize(
    "path",
    [
        "/en/testrup/",  # the policy's front page
        "/en/testrup/hele-politikken/",
        "/en/testrup/find-rundt/",
        "/en/testrup/find-rundt/til-dig-som-paaroerende/",
        "/en/testrup/soeg/?q=aflastning",
    ],
)
def test_every_public_page_says_what_is_only_in_danish(client, page, path):
    from contacts.models import Offer

    need = NeedFactory(municipality=page.municipality, name="Akutte behov")
    SituationFactory(need=need, text="Min nærmeste er blevet syg")
    Offer.objects.create(municipality=page.municipality, kind="respite", name="Aflastning", description="Et tilbud.")
    html = client.get(path).text
    assert notices_of(html) == [ONLY_DANISH], path
    assert 'lang="da"' in html.split('id="main-content"', 1)[1]


def test_how_it_goes_in_english_shows_the_translated_indicators_in_one_query_per_kind(
    client, municipality, django_assert_num_queries
):
    from django.utils import timezone

    from surveys.models import Indicator, Survey
    from tests.scenarios import demo_results

    demo = demo_results(municipality, timezone.localdate())
    for indicator in demo["indicators"].values():
        translate(indicator, "name", f"Indicator {indicator.pk}")
        translate(indicator.question, "text", f"Question {indicator.question.pk}")
    survey = demo["indicators"]["respect"].question.survey
    url = "/en" + reverse("surveys:how-it-goes", args=[municipality.slug])
    ContentType.objects.get_for_models(Indicator, Question, Survey)
    # as in Danish (the municipality, waves, indicators, units, answers, the published yearly reports; no
    # results measured outside the portal here); the indicators', their questions' and their survey's translations
    with django_assert_num_queries(6):
        assert client.get(url.removeprefix("/en")).status_code == 200
    with django_assert_num_queries(6 + 3):
        html = client.get(url).text
    assert f"Indicator {demo['indicators']['respect'].pk}" in html
    assert notices_of(html) == [PARTS_DANISH]  # the survey's title is only in Danish
    translate(survey, "title", "Survey of relatives")
    assert notices_of(client.get(url).text) == []
