"""The whole policy as one document: a page to read through and print, and a PDF; the public's version only."""

import io

import pytest
from pypdf import PdfReader

from portal.pdf import PdfUnavailable
from portal.services import publish_page
from tests.factories import PageFactory, SuperuserFactory


def test_the_whole_policy_is_one_page_with_every_published_page_in_order(client, policies):
    response = client.get("/hvidovre/hele-politikken/")
    assert response.status_code == 200
    text = response.text
    positions = [text.index(f'id="side-{slug}"') for slug in ("forord", "indledning", "en-faelles-opgave")]
    assert positions == sorted(positions)
    assert "Vedtaget af Kommunalbestyrelsen den 24. juni 2015." in text
    assert 'href="/hvidovre/hele-politikken/pdf/"' in text
    assert 'href="/hvidovre/hele-politikken/"' in client.get("/hvidovre/").text


def test_the_whole_policy_shows_no_draft_and_costs_two_queries(client, municipality, django_assert_num_queries):
    pages = [PageFactory(municipality=municipality, slug=f"side-{n}", sections=20) for n in range(15)]
    section = pages[0].sections.first()
    section.body = "Hemmelig kladde."
    section.save()
    PageFactory(municipality=municipality, slug="kladde", title="Aldrig udgivet", is_published=False)
    with django_assert_num_queries(2):  # the municipality, its published versions
        text = client.get("/testrup/hele-politikken/").text
    assert text.count('class="whole-policy-page"') == 15
    assert "Hemmelig kladde." not in text and "Aldrig udgivet" not in text


def test_an_editor_s_whole_policy_is_a_preview_of_the_drafts(client, editor, django_assert_num_queries):
    for n in range(10):
        PageFactory(municipality=editor.municipality, slug=f"side-{n}", sections=5)
    PageFactory(municipality=editor.municipality, slug="kladde", title="Aldrig udgivet", is_published=False)
    client.force_login(editor)
    with django_assert_num_queries(4 + 2 + 1):  # the login's, the municipality and pages, all their sections
        text = client.get(f"/{editor.municipality.slug}/hele-politikken/").text
    assert "Forhåndsvisning" in text and "Aldrig udgivet" in text


def test_the_whole_policy_downloads_as_a_tagged_pdf(client, policies):
    response = client.get("/rudersdal/hele-politikken/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="rudersdal-paaroerendepolitik.pdf"'
    reader = PdfReader(io.BytesIO(response.content))
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "På vegne af kommunalbestyrelsen," in text and "Udmøntning af politikken" in text


def test_the_public_pdf_is_made_once_per_version_of_the_policy(client, policies, monkeypatch):
    from portal import views

    made = []
    real = views.render_pdf
    monkeypatch.setattr("portal.views.render_pdf", lambda html: made.append(html) or real(html))
    first = client.get("/rudersdal/hele-politikken/pdf/").content
    assert client.get("/rudersdal/hele-politikken/pdf/").content == first and len(made) == 1
    page = policies["rudersdal"].pages.filter(kind="page").first()
    publish_page(acting_user=SuperuserFactory(), page=page)  # an edit published: a new version of the content
    client.get("/rudersdal/hele-politikken/pdf/")
    assert len(made) == 2


def test_without_the_pdf_library_the_printable_page_is_offered(client, municipality, monkeypatch):
    def missing(html):
        raise PdfUnavailable("libpango-1.0.so.0: cannot open shared object file")

    monkeypatch.setattr("portal.views.render_pdf", missing)
    response = client.get("/testrup/hele-politikken/pdf/")
    assert response.status_code == 302 and response["Location"] == "/testrup/hele-politikken/?pdf=unavailable"
    assert "PDF'en kan ikke laves på serveren lige nu" in client.get(response["Location"]).text


def test_a_page_may_not_take_the_address_of_the_whole_policy(municipality):
    from django.core.exceptions import ValidationError

    page = PageFactory.build(municipality=municipality, slug="hele-politikken", title="X")
    with pytest.raises(ValidationError):
        page.full_clean()


def test_publishing_shows_in_the_whole_policy_at_once(client, municipality):
    page = PageFactory(municipality=municipality, slug="side", sections=1)
    client.get("/testrup/hele-politikken/")
    section = page.sections.get()
    section.body = "Ny udgivet tekst."
    section.save()
    publish_page(acting_user=None, page=page)
    assert "Ny udgivet tekst." in client.get("/testrup/hele-politikken/").text
