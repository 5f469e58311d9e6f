"""Public pages: fixed query counts, caching that never serves stale text, languages, CSP, health."""

import re

import pytest
from django.urls import reverse

from portal.models import Section
from portal.services import publish_page
from portal.translation_services import save_translation
from tests.factories import PageFactory


def test_policy_page_queries_do_not_grow_with_sections_or_pages(client, municipality, django_assert_num_queries):
    small = PageFactory(municipality=municipality, slug="lille", sections=1)
    big = PageFactory(municipality=municipality, slug="stor", sections=300)
    for number in range(50):
        PageFactory(municipality=municipality, slug=f"ekstra-{number}", sections=2)
    # the municipality, its pages' published versions (with their sections), the offers whose sentences they may hold
    with django_assert_num_queries(3):
        assert client.get(small.get_absolute_url()).status_code == 200
    with django_assert_num_queries(3):
        response = client.get(big.get_absolute_url())
    assert response.text.count('class="policy-section') == 300


def test_municipality_page_runs_two_queries_however_many_pages(client, municipality, django_assert_num_queries):
    for number in range(60):
        PageFactory(municipality=municipality, slug=f"side-{number}", sections=3)
    with django_assert_num_queries(2):
        assert client.get(municipality.get_absolute_url()).status_code == 200


def test_an_editors_preview_runs_the_queries_of_the_public_page_and_four_for_the_login(
    client, editor, django_assert_num_queries
):
    """Session, user, and the user's and groups' permissions (for may_preview); then the page's own queries."""
    draft = PageFactory(municipality=editor.municipality, slug="kladde", sections=3, is_published=False)
    PageFactory(municipality=editor.municipality, slug="anden", sections=3)
    client.force_login(editor)
    with django_assert_num_queries(4 + 4):
        assert "Forhåndsvisning" in client.get(draft.get_absolute_url()).text
    with django_assert_num_queries(4 + 2):
        assert draft.title in client.get(editor.municipality.get_absolute_url()).text


def test_front_page_runs_one_query(client, policies, django_assert_num_queries):
    with django_assert_num_queries(1):
        client.get("/")


def test_a_cached_page_costs_no_query(client, municipality, django_assert_num_queries):
    page = PageFactory(municipality=municipality, slug="side", sections=5)
    client.get(page.get_absolute_url())
    with django_assert_num_queries(0):
        assert client.get(page.get_absolute_url()).status_code == 200


def test_a_publication_is_visible_at_once_to_anonymous_visitors_and_a_draft_is_not(client, municipality):
    page = PageFactory(municipality=municipality, slug="side", sections=1)
    assert "Tekst 0." in client.get(page.get_absolute_url()).text
    section = page.sections.get()
    section.body = "Ny tekst fra redaktøren."
    section.save()
    response = client.get(page.get_absolute_url()).text
    assert "Tekst 0." in response and "Ny tekst fra redaktøren." not in response
    publish_page(acting_user=None, page=page)
    assert "Ny tekst fra redaktøren." in client.get(page.get_absolute_url()).text


def test_a_deleted_page_disappears_from_the_cached_front_page_of_the_municipality(client, municipality):
    page = PageFactory(municipality=municipality, slug="forsvinder", title="Forsvinder snart")
    assert "Forsvinder snart" in client.get(municipality.get_absolute_url()).text
    page.delete()
    assert "Forsvinder snart" not in client.get(municipality.get_absolute_url()).text


def test_a_single_municipality_portal_sends_the_front_page_there(client, municipality):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/testrup/"


def test_unknown_municipality_and_page_are_404(client, municipality):
    assert client.get("/findes-ikke/").status_code == 404
    assert client.get("/testrup/findes-ikke/").status_code == 404


@pytest.mark.parametrize(
    ("url", "lang"), [("/haderslev/", "da"), ("/en/haderslev/", "en"), ("/", "da"), ("/en/", "en")]
)
def test_html_lang_matches_the_language_of_the_page(client, policies, url, lang):
    assert f'<html lang="{lang}">' in client.get(url).text


def test_english_interface_keeps_danish_content_marked_as_danish(client, policies):
    text = client.get("/en/haderslev/tema-2-du-skal-ikke-staa-alene/").text
    assert ">Front page<" in text and "Theme 2" in text
    assert '<h1 lang="da">Du skal ikke stå alene</h1>' in text
    danish = client.get("/haderslev/tema-2-du-skal-ikke-staa-alene/").text
    assert ">Forside<" in danish and "Tema 2" in danish and 'lang="da">Du skal' not in danish


def test_an_english_translation_by_an_editor_is_shown_in_english(client, municipality):
    page = PageFactory(municipality=municipality, slug="side", title="Forord", sections=0)
    section = Section.objects.create(page=page, kind="text", body="Dansk tekst.")
    save_translation(acting_user=None, obj=page, field="title", language="en", text="Foreword", approved=True)
    save_translation(acting_user=None, obj=section, field="body", language="en", text="English text.", approved=True)
    publish_page(acting_user=None, page=page)
    english = client.get("/en/testrup/side/").text
    assert "<h1>Foreword</h1>" in english and "English text." in english and "Dansk tekst." not in english
    assert "Dansk tekst." in client.get("/testrup/side/").text


def test_language_switch_links_to_the_same_page_in_the_other_language(client, policies):
    danish = client.get("/haderslev/forord/").text
    assert 'href="/en/haderslev/forord/" lang="en" hreflang="en"' in danish
    english = client.get("/en/haderslev/forord/").text
    assert 'href="/haderslev/forord/" lang="da" hreflang="da"' in english


def test_public_pages_have_no_inline_scripts_or_styles_and_a_strict_csp(client, policies):
    response = client.get("/haderslev/tema-2-du-skal-ikke-staa-alene/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe-inline" not in policy
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text)
    assert "<style" not in response.text and " style=" not in response.text


def test_public_pages_set_no_cookies_and_carry_no_csrf_token(client, policies):
    response = client.get("/haderslev/forord/")
    assert response.cookies == {} and "csrfmiddlewaretoken" not in response.text


def test_footer_links_to_the_municipalitys_accessibility_statement_or_the_portals(client, municipality):
    # The municipality's own statement page (portal.standard_pages), until it links one made elsewhere (WAS).
    assert 'href="/testrup/tilgaengelighedserklaering/"' in client.get(municipality.get_absolute_url()).text
    municipality.accessibility_statement_url = "https://was.example/testrup"
    municipality.save()
    assert (
        'href="https://was.example/testrup">Tilgængelighedserklæring'
        in client.get(municipality.get_absolute_url()).text
    )


def test_a_missing_page_explains_itself_in_danish_within_the_portal_layout(client, municipality):
    response = client.get("/testrup/findes-ikke/")
    assert response.status_code == 404
    assert "Vi kan ikke finde siden" in response.text and 'class="skipnav"' in response.text


def test_made_up_query_parameters_are_served_from_the_cached_page(client, municipality, django_assert_num_queries):
    page = PageFactory(municipality=municipality, slug="side", sections=1)
    client.get(page.get_absolute_url())
    with django_assert_num_queries(0):  # the page and its version come from the cache
        assert client.get(f"{page.get_absolute_url()}?x=1&utm_source=nyhedsbrev").status_code == 200


def test_a_huge_wave_number_in_the_answers_export_is_a_404_not_a_500(client, db):
    from portal.roles import Role
    from surveys.models import Survey
    from tests.factories import MunicipalityFactory, StaffFactory

    home = MunicipalityFactory(town="Bølle", slug="boelle", kommunekode="0904")
    survey = Survey.objects.create(municipality=home, title="Undersøgelse")
    client.force_login(StaffFactory(municipality=home, roles=[Role.MANAGER]))
    response = client.get(reverse("surveys:answers-csv", args=[survey.pk]) + "?wave=" + "9" * 30)
    assert response.status_code == 404
