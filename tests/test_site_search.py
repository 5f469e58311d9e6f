"""One search box for a municipality's whole public site: the policy's pages, "Find rundt" and the offers.

The register is the core's (portal.site_search); contacts registers what it can search (contacts.site_search),
with the directory's Danish-aware search. Only what an anonymous visitor may read is found.
"""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from contacts.models import Offer
from portal.models import Page
from portal.site_search import site_search
from tests.factories import SuperuserFactory

HVIDOVRE_INTRODUCTION = "/hvidovre/indledning/"  # "… taget hensyn til tavshedspligt, selvbestemmelser og …"


def search_url(slug: str, query: str) -> str:
    return f"{reverse('site-search', args=[slug])}?q={query}"


def groups_on(html: str) -> list[str]:
    return re.findall(r'<h3 id="results-([a-z]+)">', html)


def links_in(html: str, kind: str) -> list[str]:
    section = html.split(f'id="results-{kind}"')[1].split("</section>")[0]
    return re.findall(r'<a href="([^"]+)">', section)


def test_a_word_of_the_policy_finds_its_page_with_an_excerpt(client, directories):
    html = client.get(search_url("hvidovre", "tavshedspligt")).text
    assert groups_on(html)[0] == "pages"
    assert HVIDOVRE_INTRODUCTION in links_in(html, "pages")
    assert "taget hensyn til tavshedspligt" in html  # the paragraph it is in


def test_results_are_grouped_by_kind_in_one_list(client, directories):
    hvidovre = directories["hvidovre"]
    Offer.objects.create(
        municipality=hvidovre,
        kind=Offer.Kind.PEER_GROUP,
        name="Samtalegruppe for pårørende til mennesker med demens (test)",
        description="Et syntetisk tilbud til testen: pårørende mødes og taler om demens.",
    )
    html = client.get(search_url("hvidovre", "demens")).text
    assert groups_on(html) == ["pages", "directory", "offers"]
    assert "/hvidovre/borgeren-i-centrum/" in links_in(html, "pages")
    assert any("/find-rundt/situation/" in url for url in links_in(html, "directory"))
    assert "Demenskoordinator" in html.split('id="results-directory"')[1]  # the situation names whom to contact
    assert links_in(html, "offers")[0].startswith("/hvidovre/find-rundt/til-dig-som-paaroerende/#offer-")


def test_the_search_understands_danish_as_the_directory_search_does(client, directories):
    for query in ["TAVSHEDSPLIGTEN", "tavshedspligt", "vaergemaal", "værgemålet"]:
        assert HVIDOVRE_INTRODUCTION in links_in(client.get(search_url("hvidovre", query)).text, "pages"), query


def test_an_unpublished_page_is_never_found(client, directories):
    from portal.services import unpublish_page

    page = Page.objects.get(municipality=directories["hvidovre"], slug="indledning")
    unpublish_page(acting_user=SuperuserFactory(), page=page)
    html = client.get(search_url("hvidovre", "tavshedspligt")).text
    assert HVIDOVRE_INTRODUCTION not in html


def test_another_municipalitys_pages_and_directory_are_not_found(client, directories):
    html = client.get(search_url("haderslev", "tavshedspligt demenskoordinator")).text
    assert "/hvidovre/" not in html and "Demenskoordinator" not in html


def test_words_that_find_nothing_say_so(client, directories):
    html = client.get(search_url("hvidovre", "fodboldlandshold")).text
    assert groups_on(html) == []
    assert "Intet på siden passer til de ord. Prøv andre ord." in html


@pytest.mark.parametrize("query", ["", "%00", "a" * 300, "%E2%80%8B"])
def test_odd_searches_answer_calmly(client, directories, query):
    assert client.get(search_url("hvidovre", query)).status_code == 200


def test_every_public_page_of_the_municipality_has_the_search_box(client, directories):
    for url in ["/hvidovre/", HVIDOVRE_INTRODUCTION, "/hvidovre/find-rundt/"]:
        html = client.get(url).text
        assert f'action="{reverse("site-search", args=["hvidovre"])}"' in html, url


def test_the_search_page_reads_a_fixed_number_of_queries_and_is_cached(client, directories, django_assert_num_queries):
    # The municipality; the published pages with their sections; the directory's vocabulary, postings, situations and
    # their contact points (one word); the offers.
    with django_assert_num_queries(7):
        first = client.get(search_url("hvidovre", "demens"))
    with django_assert_num_queries(0):  # from the cache, also with a parameter the page does not read
        again = client.get(search_url("hvidovre", "demens") + "&utm_source=x")
    assert again.content == first.content


def test_the_register_lists_the_apps_kinds_in_order():
    assert [provider.kind for provider in site_search.providers()] == ["pages", "directory", "offers"]


def test_the_english_page_marks_danish_text(client, directories):
    html = client.get("/en" + search_url("hvidovre", "tavshedspligt")).text
    assert f'<a href="/en{HVIDOVRE_INTRODUCTION}" lang="da">{escape("Indledning")}</a>' in html
