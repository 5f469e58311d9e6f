"""Offers for the relative themself: each from its municipality's own policy, filterable, kept by its editors."""

import json
import re

import pytest
from django.urls import reverse

from contacts.directory import search_offers
from contacts.models import Offer
from tests.browser.helpers import ROOT
from tests.factories import ContactPointFactory
from tests.test_directory import main, tel_links

FIXTURES = ROOT / "fixtures"
SLUGS = ["aabenraa", "ballerup", "haderslev", "hvidovre", "rudersdal"]


def seed_text(slug: str) -> str:
    """The municipality's seed as the fixtures hold it: the policy's text, and the directory its policy prints
    (Hvidovre's "Find rundt"), with white space collapsed."""
    policy = json.loads((FIXTURES / "policies" / f"{slug}.json").read_text(encoding="utf-8"))
    directory = json.loads((FIXTURES / "directory" / f"{slug}.json").read_text(encoding="utf-8"))
    parts = []
    for page in policy["pages"]:
        for section in page["sections"]:
            parts += [section["heading"], section["body"], *section["items"]]
    for need in directory["needs"]:
        for situation in need["situations"]:
            parts += [situation["text"], situation["note"], *[link["ask_about"] for link in situation["contacts"]]]
    return " ".join(" ".join(parts).split())


def fixture_offers(slug: str) -> list[dict]:
    return json.loads((FIXTURES / "directory" / f"{slug}.json").read_text(encoding="utf-8"))["offers"]


def offers_url(slug: str, **params) -> str:
    url = reverse("contacts:offers", args=[slug])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in params.items()) if params else "")


@pytest.mark.parametrize("slug", SLUGS)
def test_every_offer_in_the_fixtures_keeps_a_sentence_of_its_own_municipalitys_policy(slug):
    text = seed_text(slug)
    for offer in fixture_offers(slug):
        source = " ".join(offer["source"].split())
        assert len(source) >= 15 and source in text, f"{slug}: {offer['name']}: {source!r}"


def test_the_offers_are_those_the_policies_name_and_no_others():
    names = {slug: [offer["name"] for offer in fixture_offers(slug)] for slug in SLUGS}
    assert names["hvidovre"] == [
        "Midlertidig aflastningsplads",
        "Daghjemstilbud på et plejecenter",
        "Demenskoordinator",
        "Kræftkoordinator",
        "Hjerneskadekoordinator",
        "Borgerrådgiveren",
        "Bruger- og pårørenderåd",
    ]
    assert len(names["haderslev"]) == 4 and len(names["ballerup"]) == 4
    assert names["aabenraa"] == [] and names["rudersdal"] == []  # their policies name no offer


def test_an_offer_names_only_a_contact_point_of_its_own_directory_never_a_number_of_its_own(directories):
    for slug in SLUGS:
        directory = json.loads((FIXTURES / "directory" / f"{slug}.json").read_text(encoding="utf-8"))
        contact_names = {contact["name"] for contact in directory["contact_points"]}
        for offer in directory["offers"]:
            assert offer["contact"] in contact_names | {""}, offer["name"]
            assert not re.search(r"\d{2} ?\d{2} ?\d{2} ?\d{2}", json.dumps(offer, ensure_ascii=False)), offer["name"]
    loaded = Offer.objects.filter(municipality=directories["hvidovre"]).select_related("contact_point")
    assert {offer.name: offer.contact_point.name for offer in loaded if offer.contact_point} == {
        "Midlertidig aflastningsplads": "Boligteamet",
        "Daghjemstilbud på et plejecenter": "Boligteamet",
        "Demenskoordinator": "Demenskoordinator",
        "Kræftkoordinator": "Kræftkoordinator",
        "Hjerneskadekoordinator": "Hjerneskadekoordinator",
        "Borgerrådgiveren": "Borgerrådgiver",
    }


def test_loading_the_directories_again_keeps_the_offers_of_a_municipality_without_needs(directories):
    from contacts.directory_fixtures import directory_fixture_paths, load_directory

    haderslev = directories["haderslev"]
    before = sorted(haderslev.offers.values_list("name", flat=True))
    assert before and not haderslev.needs.exists()  # Haderslev's policy names offers but no needs
    for path in directory_fixture_paths():  # as a second deployment does
        load_directory(path)
    assert sorted(haderslev.offers.values_list("name", flat=True)) == before


def test_the_offers_page_shows_each_offer_with_how_to_sign_up_and_the_policys_words(client, directories):
    html = main(client.get(offers_url("hvidovre")).text)
    assert html.count('<section class="offer"') == 7
    assert "Midlertidig aflastningsplads" in html and "Sådan melder du dig til" in html
    assert "Kontakt Boligteamet og hør om mulighederne for midlertidig aflastningsplads." in html
    assert "Fra Hvidovre Kommunes pårørendepolitik" in html
    assert "tel:+4536392880" in tel_links(html)  # Boligteamet's number, as the policy prints it
    assert 'href="/hvidovre/find-rundt/hvordan-har-du-det/"' in html
    assert 'href="/hvidovre/find-rundt/ring-mig-op/"' in html


def test_the_offers_page_filters_by_kind_and_by_whom_they_are_for(client, directories):
    html = main(client.get(offers_url("hvidovre", type="respite")).text)
    assert html.count('<section class="offer"') == 1 and "Midlertidig aflastningsplads" in html
    # For relatives of people with dementia: the dementia coordinator and the offers for all relatives.
    html = main(client.get(offers_url("hvidovre", type="counselling", **{"for": "dementia"})).text)
    assert re.findall(r'<h3 class="h3" id="offer-\d+">([^<]+)</h3>', html) == ["Demenskoordinator", "Borgerrådgiveren"]
    assert '<option value="dementia" selected>' in html
    # A kind nobody offers: said so, with the way back.
    html = main(client.get(offers_url("hvidovre", type="course")).text)
    assert 'class="offer"' not in html and "Der er endnu ikke lagt tilbud af den slags ind her." in html


def test_an_unknown_filter_value_shows_every_offer(client, directories):
    html = main(client.get(offers_url("ballerup", type="<script>", **{"for": "x" * 500})).text)
    assert html.count('<section class="offer"') == 4 and "<script>" not in html


def test_the_offers_page_costs_two_queries_filtered_or_not(client, directories, django_assert_num_queries):
    for url in [offers_url("hvidovre"), offers_url("hvidovre", type="respite", **{"for": "dementia"})]:
        with django_assert_num_queries(2):  # the municipality, its offers with their contact points
            assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("slug", "query", "first"),
    [
        ("hvidovre", "aflastning", "Midlertidig aflastningsplads"),
        ("hvidovre", "pårørenderåd", "Bruger- og pårørenderåd"),
        ("hvidovre", "respite", "Midlertidig aflastningsplads"),
        ("haderslev", "pårørendegruppe", "Fællesskaber med andre i samme situation"),
        ("haderslev", "jeg er udkørt som pårørende", "Et pusterum"),
        ("haderslev", "jeg kan ikke mere", "Et pusterum"),
        ("ballerup", "frivillig forening", "Frivillige foreninger"),
        ("ballerup", "aflastning", "Fleksibel aflastning"),
    ],
)
def test_the_directory_search_finds_the_offers_for_the_relative(directories, query, slug, first):
    found = search_offers(directories[slug], query)
    assert found and found[0].name == first, [offer.name for offer in found]


def test_an_editor_adds_an_offer_for_their_own_municipality_only(client, editor, other_municipality):
    client.force_login(editor)
    own_contact = ContactPointFactory(municipality=editor.municipality, name="Pårørendekonsulenten")
    foreign_contact = ContactPointFactory(municipality=other_municipality, name="Fremmed kontakt")
    add_url = reverse("admin:contacts_offer_add")
    form = client.get(add_url).text
    assert "Pårørendekonsulenten" in form and "Fremmed kontakt" not in form
    data = {
        "municipality": editor.municipality.pk,
        "kind": "peer_group",
        "for_whom": "dementia",
        "name": "Pårørendegruppe for demens",
        "description": "Syntetisk eksempel: vi mødes hver anden tirsdag.",
        "sign_up": "Ring til pårørendekonsulenten.",
        "price": "Gratis",
        "where_and_when": "Hver anden tirsdag kl. 16-18",
        "contact_point": own_contact.pk,
        "order": 10,
    }
    assert client.post(add_url, data).status_code == 302
    offer = Offer.objects.get(name="Pårørendegruppe for demens")
    assert (offer.municipality, offer.for_whom, offer.price) == (editor.municipality, "dementia", "Gratis")
    refused = client.post(add_url, {**data, "name": "Andet", "contact_point": foreign_contact.pk})
    assert refused.status_code == 200 and not Offer.objects.filter(name="Andet").exists()
    html = main(client.get(offers_url(editor.municipality.slug, **{"for": "dementia"})).text)
    assert "Pårørendegruppe for demens" in html and "Hver anden tirsdag kl. 16-18" in html and "Gratis" in html


def test_a_policy_sentence_that_promises_an_offer_links_to_it_on_the_offers_page(client, directories):
    haderslev = directories["haderslev"]
    offer = Offer.objects.get(municipality=haderslev, name="Fællesskaber med andre i samme situation")
    html = main(client.get(reverse("policy-page", args=["haderslev", "tema-2-du-skal-ikke-staa-alene"])).text)
    section = html[: html.index("Vi hjælper dig ind i fællesskaber")]
    section = html[len(section) :].split("</section>")[0]
    link = f'<a class="function-link" href="{offer.get_absolute_url()}">'
    assert link in section and "Til dig som pårørende: Fællesskaber med andre i samme situation" in section
    response = client.get(offer.get_absolute_url())
    assert f'id="tilbud-{offer.pk}"' in response.text
