"""The "Find rundt" pages: Hvidovre's real directory, the other municipalities' empty ones, queries, caching."""

import json
import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext, ngettext

from contacts.models import ContactPoint, Need, Situation, SituationContact
from contacts.search_index import index_situations
from contacts.validators import format_phone
from portal.signals import mark_content_changed
from tests.browser.helpers import ROOT
from tests.factories import MunicipalityFactory

HVIDOVRE_SEED = json.loads((ROOT / "fixtures" / "directory" / "hvidovre.json").read_text(encoding="utf-8"))
THREE_NEEDS = ["Akutte behov", "Ændret sygdomsbillede", "Ekstra behov i hverdagen"]
WITHOUT_CONTACTS = ["haderslev", "aabenraa", "ballerup", "rudersdal"]  # their policies name no contacts
# Database queries of a first (uncached) render for an anonymous visitor, however big the directory.
# The directory: the municipality, its needs, their situations (the list names no contact points).
# The search: the municipality, the vocabulary its words may match (all words at once), the best situations
# ranked in the database, the situations found and their contact points (contacts.search_index), the offers it
# finds; the whole directory is not read, and no more than the best 20 situations, however many a word is in.
QUERIES = {"directory": 3, "search": 6, "situation": 3, "contact": 3, "offers": 2}


def directory_url(slug: str, query: str = "") -> str:
    url = reverse("contacts:directory", args=[slug])
    return f"{url}?q={query}" if query else url


def situation_url(situation: Situation) -> str:
    return reverse("contacts:situation", args=[situation.need.municipality.slug, situation.pk])


def contact_url(contact: ContactPoint) -> str:
    return reverse("contacts:contact", args=[contact.municipality.slug, contact.pk])


def offers_url(slug: str) -> str:
    return reverse("contacts:offers", args=[slug])


def main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def tel_links(html: str) -> list[str]:
    return re.findall(r'href="(tel:[^"]*)"', html)


def contact_cards(html: str) -> list[str]:
    """The HTML of each contact card on a page."""
    return [card.split("</section>")[0] for card in html.split('<section class="contact-card"')[1:]]


def emergency_notice(html: str) -> str:
    start = html.index('class="alert alert-warning emergency-notice"')
    return html[start : html.index("</div>\n</div>", start)]


def hvidovre_pages(municipality) -> list[str]:
    """Every page of Hvidovre's directory: the directory, a search, each situation, each contact, the offers."""
    situations = Situation.objects.filter(need__municipality=municipality).select_related("need__municipality")
    return [
        directory_url("hvidovre"),
        directory_url("hvidovre", "demens"),
        directory_url("hvidovre", "fodbold"),
        *(situation_url(situation) for situation in situations),
        *(contact_url(contact) for contact in municipality.contact_points.select_related("municipality")),
        offers_url("hvidovre"),
        "/en" + directory_url("hvidovre"),
    ]


# --- Hvidovre's directory is its seed ---------------------------------------------------------------


def test_hvidovre_has_exactly_the_situations_and_contact_points_of_its_seed(directories):
    hvidovre = directories["hvidovre"]
    seed_situations = [situation for need in HVIDOVRE_SEED["needs"] for situation in need["situations"]]
    assert len(seed_situations) == 8 and len(HVIDOVRE_SEED["contact_points"]) == 10
    assert list(Need.objects.filter(municipality=hvidovre).values_list("name", flat=True)) == THREE_NEEDS
    assert list(
        Situation.objects.filter(need__municipality=hvidovre)
        .order_by("need__order", "order")
        .values_list("text", flat=True)
    ) == [situation["text"] for situation in seed_situations]
    stored = {(contact.name, contact.phone, contact.email) for contact in hvidovre.contact_points.all()}
    assert stored == {(c["name"], c["phone"], c["email"]) for c in HVIDOVRE_SEED["contact_points"]}
    assert hvidovre.offers.count() == len(HVIDOVRE_SEED["offers"]) == 7


def test_every_situation_of_the_seed_is_on_the_directory_page_under_its_need(client, directories):
    html = main(client.get(directory_url("hvidovre")).text)
    for need in HVIDOVRE_SEED["needs"]:
        section = html[html.index(f">{escape(need['name'])}</h3>") :].split("</section>")[0]
        for situation in need["situations"]:
            assert f"“{escape(situation['text'])}”" in section, situation["text"]


def test_every_situation_page_lists_its_contact_points_with_phone_and_email_together(client, directories):
    contacts = {contact["name"]: contact for contact in HVIDOVRE_SEED["contact_points"]}
    situations = {situation.text: situation for situation in Situation.objects.select_related("need__municipality")}
    for need in HVIDOVRE_SEED["needs"]:
        for seed in need["situations"]:
            html = main(client.get(situation_url(situations[seed["text"]])).text)
            assert f"“{escape(seed['text'])}”</h1>" in html
            cards = contact_cards(html)
            assert len(cards) == len(seed["contacts"])
            for card, link in zip(cards, seed["contacts"], strict=True):  # in the seed's order
                contact = contacts[link["contact"]]
                assert f">{escape(contact['name'])}</a></h3>" in card
                assert escape(link["ask_about"]) in card
                assert f'href="tel:+45{contact["phone"]}"' in card
                assert format_phone(contact["phone"]) in card  # "36 39 28 80"
                assert f">{contact['email']}</a>" in card  # shown as written, æ and all
                assert f'href="mailto:{contact["email"].replace("å", "%C3%A5")}"' in card
            if seed["note"]:
                assert escape(seed["note"]) in html


def test_every_contact_page_shows_its_phone_and_email(client, directories):
    for contact in directories["hvidovre"].contact_points.select_related("municipality"):
        html = main(client.get(contact_url(contact)).text)
        card = contact_cards(html)[0]
        assert f"<h1>{escape(contact.name)}</h1>" in html
        assert f'href="tel:+45{contact.phone}"' in card and contact.phone_display in card
        assert f">{contact.email}</a>" in card
        for situation in contact.situations.all():  # "Contact them when …"
            assert f"“{escape(situation.text)}”" in html


def test_phone_links_are_in_international_form_and_shown_in_pairs(client, directories):
    situation = Situation.objects.get(text__startswith="Borgeren har svært ved at klare sig selv")
    html = main(client.get(situation_url(situation)).text)
    assert 'href="tel:+4536392880"' in html and "36 39 28 80" in html
    assert 'href="tel:+4536393430"' in html and "36 39 34 30" in html
    assert all(link in {"tel:112", "tel:1813"} or re.fullmatch(r"tel:\+45[0-9]{8}", link) for link in tel_links(html))


def test_the_coordinator_situation_names_all_three_coordinators(client, directories):
    situation = Situation.objects.get(text__startswith="Borgeren er syg")
    html = main(client.get(situation_url(situation)).text)
    for name in ["Kræftkoordinator", "Hjerneskadekoordinator", "Demenskoordinator"]:
        assert f">{name}</a></h3>" in html
    assert 'href="tel:+4536393829"' in html and 'href="tel:+4536393737"' in html


# --- the emergency notice -----------------------------------------------------------------------------


def test_every_hvidovre_directory_page_names_112_and_1813(client, directories):
    for url in hvidovre_pages(directories["hvidovre"]):
        response = client.get(url)
        assert response.status_code == 200, url
        notice = emergency_notice(main(response.text))
        assert 'href="tel:112"' in notice and 'href="tel:1813"' in notice, url


@pytest.mark.parametrize("slug", ["haderslev", "aabenraa"])
def test_outside_the_capital_region_the_notice_names_112_and_not_1813(client, directories, slug):
    for url in [directory_url(slug), directory_url(slug, "demens"), offers_url(slug), "/en" + directory_url(slug)]:
        html = main(client.get(url).text)
        notice = emergency_notice(html)
        assert 'href="tel:112"' in notice, url
        assert "1813" not in html, url
        assert "lægevagten" in notice, url


def test_the_notice_follows_the_municipalitys_region(client, directories):
    haderslev = directories["haderslev"]
    haderslev.region = "hovedstaden"  # as if it were in the capital region
    haderslev.save()
    assert 'href="tel:1813"' in client.get(directory_url("haderslev")).text


# --- browsing, searching, sharing, offers -----------------------------------------------------------


def test_the_directory_is_browsed_by_need(client, directories):
    html = main(client.get(directory_url("hvidovre")).text)
    headings = re.findall(r'<h3 id="need-\d+">([^<]+)</h3>', html)
    assert headings == [escape(name) for name in THREE_NEEDS]
    assert 'role="search"' in html and 'name="q"' in html
    assert f'href="{offers_url("hvidovre")}"' in html


def test_a_search_shows_the_situations_with_their_contact_cards(client, directories):
    html = main(client.get(directory_url("hvidovre", "demens")).text)
    heading = ngettext("%(counter)s situation matches “%(query)s”", "%(counter)s situations match “%(query)s”", 1)
    assert f'<h2 id="results-heading">{heading % {"counter": 1, "query": "demens"}}</h2>' in html
    result = html.split('<article class="situation-result">')[1]
    assert "Borgeren er syg og har behov for kontakt til en koordinator" in result
    assert ">Demenskoordinator</a></h4>" in result and 'href="tel:+4536393737"' in result
    assert 'id="browse-heading"' not in html  # the results replace the list of needs


def headings(html: str) -> list[str]:
    """The page's headings as "h2 text", in order."""
    return [
        f"h{level} {re.sub(r'<[^>]+>', '', text).strip()}"
        for level, text in re.findall(r"<h([1-6])[^>]*>(.*?)</h\1>", html, re.DOTALL)
    ]


def test_headings_nest_the_contact_cards_under_what_they_belong_to(client, directories):
    # Search results: each card is a part of its situation, the one that matches the search first.
    found = headings(main(client.get(directory_url("hvidovre", "demens")).text))
    assert found[found.index("h3 “Borgeren er syg og har behov for kontakt til en koordinator”") :][:4] == [
        "h3 “Borgeren er syg og har behov for kontakt til en koordinator”",
        "h4 Demenskoordinator",
        "h4 Kræftkoordinator",
        "h4 Hjerneskadekoordinator",
    ]
    # A situation: the cards under "Whom to contact".
    situation = Situation.objects.select_related("need__municipality").get(text__startswith="Borgeren er syg")
    found = headings(main(client.get(situation_url(situation)).text))
    assert found[0].startswith("h1 “Borgeren er syg") and found[-3:] == [
        "h3 Kræftkoordinator",
        "h3 Hjerneskadekoordinator",
        "h3 Demenskoordinator",
    ]
    # A contact card's own page: the card is a section of the page, not of the emergency notice.
    contact = directories["hvidovre"].contact_points.get(name="Demenskoordinator")
    found = headings(main(client.get(contact_url(contact)).text))
    assert found[0] == "h1 Demenskoordinator" and "h2 Demenskoordinator" in found
    assert all(heading[:2] in {"h1", "h2"} for heading in found), found


def test_a_search_that_finds_nothing_says_so_and_shows_the_needs(client, directories):
    html = main(client.get(directory_url("hvidovre", "fodbold")).text)
    assert '<article class="situation-result">' not in html
    assert (
        escape(
            gettext("Nothing in the directory matches those words. Try other words, or browse the situations below.")
        )
        in html
    )
    assert 'id="browse-heading"' in html


def test_the_query_is_shown_back_escaped(client, directories):
    html = client.get(directory_url("hvidovre", "<script>alert(1)</script>")).text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_the_contact_page_has_a_share_link_to_itself(client, directories):
    contact = directories["hvidovre"].contact_points.get(name="Demenskoordinator")
    html = main(client.get(contact_url(contact)).text)
    share_url = f"http://testserver{contact_url(contact)}"
    assert f'<a href="{share_url}" class="share-link" dir="ltr">{share_url}</a>' in html  # left to right in Arabic too
    assert f'data-share="{share_url}"' in html and "data-print" in html


def test_the_offers_page_without_offers_says_so_honestly(client, directories):
    rudersdal = directories["rudersdal"]  # its policy names no offer
    html = main(client.get(offers_url("rudersdal")).text)
    expected = gettext(
        "%(name)s has not yet added offers for relatives here. Look for peer groups, respite and counselling "
        'on <a href="%(url)s">the municipality\'s website</a>.'
    ) % {"name": rudersdal.name, "url": rudersdal.website}
    assert expected in html
    assert 'class="offer"' not in html and "contact-card" not in html


@pytest.mark.parametrize("slug", WITHOUT_CONTACTS)
def test_other_municipalities_show_no_invented_contacts_and_no_borrowed_headings(client, directories, slug):
    for url in [directory_url(slug), directory_url(slug, "demens"), offers_url(slug)]:
        html = main(client.get(url).text)
        # The only numbers are the emergency numbers of the notice: no municipal contact is invented.
        assert set(tel_links(html)) <= {"tel:112", "tel:1813"}, url
        assert set(tel_links(html)) == set(tel_links(emergency_notice(html))), url
        assert "tel:+45" not in html and "mailto:" not in html and "contact-card" not in html, url
    html = main(client.get(directory_url(slug)).text)
    # Hvidovre's headings are Hvidovre's: this municipality's policy names no needs, so it shows none, and says so.
    assert re.findall(r'<h3 id="need-\d+"', html) == []
    assert not Need.objects.filter(municipality__slug=slug).exists()
    name = directories[slug].name
    assert escape(gettext("%(name)s has not put its contacts into the directory yet.") % {"name": name}) in html


@pytest.mark.parametrize("slug", [*WITHOUT_CONTACTS, "hvidovre"])
def test_every_heading_of_a_municipalitys_directory_is_its_own_and_has_situations(client, directories, slug):
    html = main(client.get(directory_url(slug)).text)
    for need_id in re.findall(r'<h3 id="need-(\d+)"', html):
        need = Need.objects.get(pk=need_id)
        assert need.municipality.slug == slug
        assert need.situations.exists()
    assert "No situations have been added here yet." not in html


def test_a_heading_without_situations_is_not_shown(client, directories):
    Need.objects.create(municipality=directories["hvidovre"], name="Endnu tom overskrift", order=99)
    html = main(client.get(directory_url("hvidovre")).text)
    assert "Endnu tom overskrift" not in html
    headings = re.findall(r'<h3 id="need-\d+">([^<]+)</h3>', html)
    assert headings == [escape(name) for name in THREE_NEEDS]


def test_the_seeds_contacts_carry_the_date_of_the_printed_policy_not_the_day_they_were_loaded(directories):
    dates = set(directories["hvidovre"].contact_points.values_list("last_checked", flat=True))
    assert dates == {date(2015, 6, 24)}  # "vedtaget af Kommunalbestyrelsen d. 24. juni 2015"
    assert all(contact.needs_checking for contact in directories["hvidovre"].contact_points.all())


def test_haderslevs_directory_has_no_tel_links_but_112(client, directories):
    assert tel_links(main(client.get(directory_url("haderslev")).text)) == ["tel:112"]


def test_a_situation_or_contact_of_another_municipality_is_404(client, directories):
    situation = Situation.objects.filter(need__municipality__slug="hvidovre").first()
    contact = directories["hvidovre"].contact_points.first()
    assert client.get(reverse("contacts:situation", args=["haderslev", situation.pk])).status_code == 404
    assert client.get(reverse("contacts:contact", args=["haderslev", contact.pk])).status_code == 404
    assert client.get(reverse("contacts:situation", args=["hvidovre", 999_999])).status_code == 404
    assert client.get(directory_url("findes-ikke")).status_code == 404


def test_the_english_directory_marks_the_danish_texts_as_danish(client, directories):
    html = main(client.get("/en" + directory_url("hvidovre")).text)
    assert re.search(r'<li lang="da"><a href="/en/hvidovre/find-rundt/situation/\d+/">“Borgeren har svært', html)
    assert '<h3 id="need-' in html and 'lang="da">Akutte behov</h3>' in html


# --- queries do not grow with the directory -----------------------------------------------------------


def grow(municipality, situations: int = 1000) -> None:
    """Synthetic situations (bulk_create: no signals, so indexed here), each with two contact points."""
    needs = list(municipality.needs.order_by("order"))
    contacts = list(municipality.contact_points.order_by("pk"))
    created = Situation.objects.bulk_create(
        Situation(
            need=needs[number % len(needs)],
            text=f"Syntetisk situation {number}: demens, plejehjem og genoptræning",
            note="Syntetisk, kun til test.",
            order=1000 + number,
        )
        for number in range(situations)
    )
    SituationContact.objects.bulk_create(
        SituationContact(situation=situation, contact_point=contacts[(number + offset) % len(contacts)], order=offset)
        for number, situation in enumerate(created)
        for offset in (0, 1)
    )
    index_situations(situation.pk for situation in created)  # as a save of each would
    mark_content_changed(pk=municipality.pk)  # as an edit in the admin would


def page_urls(municipality) -> dict[str, str]:
    contact = municipality.contact_points.get(name="Demenskoordinator")
    situation = Situation.objects.select_related("need__municipality").get(text__startswith="Borgeren er syg")
    return {
        "directory": directory_url("hvidovre"),
        "search": directory_url("hvidovre", "demens plejehjem"),
        "situation": situation_url(situation),
        "contact": contact_url(contact),
        "offers": offers_url("hvidovre"),
    }


def test_queries_do_not_grow_with_the_directory(client, directories, django_assert_num_queries):
    hvidovre = directories["hvidovre"]
    urls = page_urls(hvidovre)
    for name, url in urls.items():
        with django_assert_num_queries(QUERIES[name]):
            assert client.get(url).status_code == 200, url

    grow(hvidovre, 1000)
    assert Situation.objects.filter(need__municipality=hvidovre).count() == 1008
    contact = hvidovre.contact_points.get(name="Demenskoordinator")
    assert contact.situations.count() > 100
    for name, url in urls.items():
        with django_assert_num_queries(QUERIES[name]):
            response = client.get(url)
        assert response.status_code == 200, url
        assert name in {"situation", "offers"} or "Syntetisk situation" in response.text, name
    search = main(client.get(urls["search"]).text)
    assert search.count('<article class="situation-result">') == 20  # the search shows the best 20


def test_a_cached_directory_page_costs_no_query(client, directories, django_assert_num_queries):
    for url in page_urls(directories["hvidovre"]).values():
        client.get(url)
        with django_assert_num_queries(0):  # the content's version is cached too (portal.public_cache)
            assert client.get(url).status_code == 200


# --- an edit is visible at once to anonymous visitors -------------------------------------------------


def test_an_edit_of_a_contact_point_is_visible_at_once(client, directories, django_assert_num_queries):
    visitation = directories["hvidovre"].contact_points.get(name="Visitationen")
    situation = Situation.objects.select_related("need__municipality").get(text__startswith="Borgeren har svært")
    urls = [situation_url(situation), contact_url(visitation), directory_url("hvidovre", "hjemmehjælp")]
    for url in urls:
        assert "36 39 28 80" in client.get(url).text, url
        with django_assert_num_queries(0):
            client.get(url)  # now served from the page cache

    visitation.phone = "+45 36 39 11 11"
    visitation.name = "Visitationen (ny)"
    visitation.full_clean()
    visitation.save()
    for url in urls:
        html = client.get(url).text
        assert 'href="tel:+4536391111"' in html and "36 39 11 11" in html, url
        assert "36 39 28 80" not in html and "Visitationen (ny)" in html, url


def test_an_edit_of_a_situation_is_found_by_the_search_at_once(client, directories):
    situation = Situation.objects.get(text__startswith="Borgeren har behov for vedligeholdende")
    assert "situation-result" not in client.get(directory_url("hvidovre", "vandgymnastik")).text
    situation.keywords = "vandgymnastik, svømning"
    situation.save()
    html = client.get(directory_url("hvidovre", "vandgymnastik")).text
    assert "situation-result" in html and "Genoptræningen" in html


def test_a_new_municipality_without_a_directory_has_an_empty_one(client, db):
    testrup = MunicipalityFactory(town="Testrup", slug="testrup", kommunekode="0901")
    html = main(client.get(directory_url("testrup")).text)
    assert escape(gettext("%(name)s has not put its contacts into the directory yet.") % {"name": testrup.name}) in html
    assert tel_links(html) == ["tel:112"]


def test_the_migration_forgets_only_the_empty_headings_borrowed_from_hvidovre(directories):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("contacts.migrations.0007_directory_import_keys_and_own_needs")
    haderslev, ballerup = directories["haderslev"], directories["ballerup"]
    borrowed = [Need.objects.create(municipality=haderslev, name=name, order=n) for n, name in enumerate(THREE_NEEDS)]
    used = Need.objects.create(municipality=ballerup, name="Akutte behov")
    Situation.objects.create(need=used, text="En situation en redaktør har lagt ind (test)")
    own = Need.objects.create(municipality=haderslev, name="Haderslevs eget behov (test)")
    migration.forget_borrowed_needs(apps, None)
    assert not Need.objects.filter(pk__in=[need.pk for need in borrowed]).exists()
    assert Need.objects.filter(pk__in=[used.pk, own.pk]).count() == 2
    assert list(Need.objects.filter(municipality=directories["hvidovre"]).values_list("name", flat=True)) == THREE_NEEDS
