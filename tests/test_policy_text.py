"""Every seed's text is on its municipality's pages, word for word (see tests/seed_text/)."""

import html
import importlib
import re

import pytest

MUNICIPALITIES = ["aabenraa", "ballerup", "haderslev", "hvidovre", "rudersdal"]


def sentences_of(slug: str) -> dict[str, list[str]]:
    return importlib.import_module(f"tests.seed_text.{slug}").SENTENCES


def visible_text(page_html: str) -> str:
    """The text a reader sees: tags, scripts and styles removed, entities decoded, whitespace collapsed."""
    without_code = re.sub(r"<(script|style)\b.*?</\1>", " ", page_html, flags=re.S | re.I)
    without_inline = re.sub(r"</?(a|span|strong|em)\b[^>]*>", "", without_code)  # part of the sentence
    without_tags = re.sub(r"<[^>]+>", " ", without_inline)
    return re.sub(r"\s+", " ", html.unescape(without_tags)).strip()


CASES = [(slug, page) for slug in MUNICIPALITIES for page in sentences_of(slug)]


@pytest.mark.parametrize(("municipality_slug", "page_slug"), CASES)
def test_every_distinctive_sentence_of_the_seed_is_on_its_page(client, policies, municipality_slug, page_slug):
    response = client.get(f"/{municipality_slug}/{page_slug}/")
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    missing = [sentence for sentence in sentences_of(municipality_slug)[page_slug] if sentence not in text]
    assert missing == []


@pytest.mark.parametrize("municipality_slug", MUNICIPALITIES)
def test_every_page_of_the_policy_is_linked_from_the_municipality_front_page(client, policies, municipality_slug):
    text = client.get(f"/{municipality_slug}/").content.decode()
    for page in policies[municipality_slug].pages.all():
        assert f'href="/{municipality_slug}/{page.slug}/"' in text


def test_front_page_lists_the_five_municipalities(client, policies):
    text = visible_text(client.get("/").content.decode())
    for name in ["Aabenraa Kommune", "Ballerup Kommune", "Haderslev Kommune", "Hvidovre Kommune", "Rudersdal Kommune"]:
        assert name in text


def test_quotes_are_shown_as_quotes_with_their_attribution(client, policies):
    page_html = client.get("/haderslev/tema-2-du-skal-ikke-staa-alene/").content.decode()
    quotes = re.findall(r"<figure class=\"policy-quote\".*?</figure>", page_html, flags=re.S)
    assert len(quotes) == 3
    assert all(
        "<blockquote>" in quote and "<figcaption>– Citat fra pårørende</figcaption>" in quote for quote in quotes
    )
    assert "Jeg forventer, at kommunen ved, hvad tilbuddet er til min datter" in quotes[1]


def test_haderslev_target_and_baseline_are_shown_with_their_figures(client, policies):
    text = visible_text(client.get("/haderslev/tema-2-du-skal-ikke-staa-alene/").content.decode())
    assert "Mål i 2024: 75 % 75 % af pårørende til mennesker, der har brug for hjælp fra Voksen og Sundhed" in text
    assert "Baseline i marts 2021: 66 % af de mennesker" in text


def test_lists_in_the_seed_are_lists_on_the_page(client, policies):
    page_html = client.get("/aabenraa/rolle-og-opgavefordeling/").content.decode()
    assert page_html.count("<li>") >= 4 + 9 + 9  # Borgeren, Pårørende and Medarbejderen's tasks
    ambitions = client.get("/ballerup/tema-6-en-koordineret-indsats/").content.decode()
    assert re.search(r'<ul class="policy-ambitions">\s*<li>Fokusere på at de rette medarbejdere', ambitions)


def test_aabenraa_model_steps_are_an_ordered_list_in_order(client, policies):
    page_html = client.get("/aabenraa/model-for-systematisk-samarbejde/").content.decode()
    steps = re.search(r'<ol class="policy-steps">(.*?)</ol>', page_html, flags=re.S).group(1)
    headings = re.findall(r'<h2 class="h3">(.*?)</h2>', steps)
    assert headings == ["Dialog med borger", "Samtykke", "Gensidighed", "Aftaler og opfølgning"]


def test_extraction_breaks_are_mended(client, policies):
    hvidovre = visible_text(client.get("/hvidovre/indledning/").content.decode())
    assert "personale" in hvidovre and "per so nale" not in hvidovre
    forord = visible_text(client.get("/hvidovre/forord/").content.decode())
    assert "kommunens hjælp" in forord and "kom munens" not in forord
