"""The interface in every configured language: the language switcher, right to left for Arabic, dates and
figures as each language writes them, and text that keeps its direction and is escaped (issue 16).

None of this depends on the content being translated: the pages may still show the municipality's Danish.
"""

import re
from datetime import date, datetime
from html import unescape

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import get_language_info

from portal.formats import (
    format_date,
    format_datetime,
    format_integer,
    format_percent,
    format_share,
    format_share_range,
    format_short_date,
    format_short_datetime,
)
from portal.models import RESERVED_SLUGS, validate_not_reserved
from surveys import labels
from tests.factories import ContactPointFactory, PageFactory, SituationContactFactory, SituationFactory, StaffFactory

LANGUAGES = [code for code, _name in settings.LANGUAGES]
NBSP = "\u00a0"
LRM = "\u200e"


# --- formats -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "day"),
    [
        ("da", "31. oktober 2025"),
        ("en", "31 October 2025"),
        ("ar", "31 أكتوبر 2025"),
        ("tr", "31 Ekim 2025"),
        ("pl", "31 października 2025"),
        ("uk", "31 жовтня 2025 р."),
    ],
)
def test_a_day_is_written_as_the_language_writes_it(language, day):
    assert format_date(date(2025, 10, 31), language) == day


@pytest.mark.parametrize(
    ("language", "day"),
    [("da", "05.10.2025"), ("en", "05/10/2025"), ("ar", "05/10/2025"), ("tr", "05.10.2025"), ("pl", "05.10.2025")],
)
def test_a_day_in_digits_is_written_as_the_language_writes_it(language, day):
    assert format_short_date(date(2025, 10, 5), language) == day
    assert format_short_datetime(datetime(2025, 10, 5, 9, 7), language) == f"{day} 09:07"


def test_no_date_mixes_two_languages():
    """Never "31. October": the day's punctuation and the month's name come from the same language."""
    with translation.override("en"):
        assert format_date(date(2025, 10, 31)) == "31 October 2025"
    with translation.override("da"):
        assert format_date(date(2025, 10, 31)) == "31. oktober 2025"
    assert format_date(None) == ""


def test_a_time_is_shown_in_copenhagen_time_after_the_day():
    from django.utils import timezone

    moment = timezone.make_aware(datetime(2025, 3, 1, 14, 5))
    assert format_datetime(moment, "da") == "1. marts 2025 14:05"
    assert format_datetime(moment, "en") == "1 March 2025 14:05"


@pytest.mark.parametrize(
    ("language", "percent", "interval"),
    [
        ("da", f"75{NBSP}%", f"58–73{NBSP}%"),
        ("en", "75%", "58–73%"),
        ("tr", "%75", "%58–73"),
        ("pl", "75%", "58–73%"),
        ("uk", "75%", "58–73%"),
        ("ar", f"75{LRM}%{LRM}", f"\u206658–73{LRM}%{LRM}\u2069"),  # isolated: never drawn "73%–58"
    ],
)
def test_a_percentage_is_written_as_the_language_writes_it(language, percent, interval):
    assert format_percent(75, language) == percent
    assert format_share(0.75, language) == percent
    assert format_share_range(0.58, 0.73, language) == interval


def test_a_share_is_rounded_half_up_in_every_language():
    assert format_share(0.665, "en") == "67%" and format_share(0.005, "tr") == "%1"
    assert format_share(None, "da") == ""


@pytest.mark.parametrize(
    ("language", "small", "large"),
    [
        ("da", "1.234", "1.234.567"),
        ("en", "1,234", "1,234,567"),
        ("tr", "1.234", "1.234.567"),
        ("ar", "1,234", "1,234,567"),
        ("pl", "1234", f"1{NBSP}234{NBSP}567"),  # Polish and Ukrainian group from five digits
        ("uk", "1234", f"1{NBSP}234{NBSP}567"),
    ],
)
def test_a_whole_number_is_grouped_as_the_language_groups_it(language, small, large):
    assert format_integer(1234, language) == small
    assert format_integer(1234567, language) == large
    assert format_integer(999, language) == "999" and format_integer(-1234567, language) == "-" + large


def test_an_unknown_language_is_written_in_danish():
    assert format_share(0.5, "xx") == f"50{NBSP}%" and format_date(date(2025, 1, 2), "xx") == "2. januar 2025"


def test_the_survey_figures_follow_the_readers_language():
    """The results' shares and intervals (surveys.labels) are written by portal.formats."""
    for language, expected in [("da", f"59{NBSP}%"), ("en", "59%"), ("tr", "%59")]:
        with translation.override(language):
            assert labels.percent(0.59) == expected
    with translation.override("en"):
        assert labels.interval_text((0.43, 0.73)) == "43–73%"


def test_the_template_filters_use_the_active_language():
    template = Template("{% load local_formats %}{{ day|long_date }} {{ share|share }} {{ n|integer }}")
    context = Context({"day": date(2025, 10, 31), "share": 0.75, "n": 12345})
    with translation.override("tr"):
        assert template.render(context) == "31 Ekim 2025 %75 12.345"
    with translation.override("en"):
        assert template.render(context) == "31 October 2025 75% 12,345"


# --- the language switcher ------------------------------------------------------------------------------


def switcher(html: str) -> str:
    return re.search(r'<nav class="language-switcher".*?</nav>', html, re.DOTALL).group(0)


@pytest.fixture
def policy_page(municipality):
    return PageFactory(municipality=municipality, slug="forord", title="Forord")


@pytest.mark.parametrize("current", LANGUAGES)
def test_the_switcher_names_every_language_in_its_own_language_and_links_the_same_page(client, policy_page, current):
    prefix = "" if current == "da" else f"/{current}"
    html = client.get(f"{prefix}/testrup/forord/").text
    links = re.findall(r"<a ([^>]*)>(.*?)</a>", switcher(html), re.DOTALL)
    assert len(links) == len(LANGUAGES)
    for (attributes, text), code in zip(links, LANGUAGES, strict=True):
        name = re.sub(r"<svg.*?</svg>", "", text, flags=re.DOTALL)
        assert (
            unescape(name)
            == get_language_info(code)["name_local"][0].upper() + get_language_info(code)["name_local"][1:]
        )
        href = "/testrup/forord/" if code == "da" else f"/{code}/testrup/forord/"
        assert f'href="{href}" lang="{code}" hreflang="{code}"' in attributes
        assert ('aria-current="true"' in attributes) == (code == current)
        assert ("#check" in text) == (code == current)
    assert "Türkçe" in html and "Polski" in html and "Українська" in html and "العربيّة" in html


def test_every_language_has_an_alternate_link_and_danish_is_the_default(client, policy_page):
    html = client.get("/ar/testrup/forord/").text
    base = settings.PORTAL_BASE_URL.rstrip("/")
    for code in LANGUAGES:
        href = f"{base}/testrup/forord/" if code == "da" else f"{base}/{code}/testrup/forord/"
        assert f'<link rel="alternate" hreflang="{code}" href="{href}">' in html
    assert f'<link rel="alternate" hreflang="x-default" href="{base}/testrup/forord/">' in html


def test_the_switcher_keeps_the_search_words_of_a_search_page(client, municipality):
    html = client.get("/tr/testrup/soeg/", {"q": "  aflastning   om natten ", "junk": "x"}).text
    assert 'href="/pl/testrup/soeg/?q=aflastning+om+natten"' in switcher(html)
    assert "junk" not in switcher(html)
    directory = client.get("/testrup/find-rundt/", {"q": "demens"}).text
    assert 'href="/ar/testrup/find-rundt/?q=demens"' in switcher(directory)


def test_the_switcher_carries_no_search_words_from_a_staff_page(client, municipality, caseworker):
    client.force_login(caseworker)
    html = client.get("/personale/", {"q": "010203-1234"}).text
    assert "010203" not in switcher(html)


# --- right to left --------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", LANGUAGES)
def test_only_a_right_to_left_language_turns_the_page(client, policy_page, code):
    prefix = "" if code == "da" else f"/{code}"
    html = client.get(f"{prefix}/testrup/forord/").text
    expected = f'<html lang="{code}" dir="rtl">' if get_language_info(code)["bidi"] else f'<html lang="{code}">'
    assert expected in html


def test_the_arabic_link_in_the_switcher_runs_right_to_left_on_a_danish_page(client, policy_page):
    links = switcher(client.get("/testrup/forord/").text)
    assert 'lang="ar" hreflang="ar" dir="rtl"' in links and 'lang="tr" hreflang="tr" dir="ltr"' in links


def test_a_phone_number_web_address_and_share_link_stay_left_to_right(client, municipality):
    link = SituationContactFactory(
        situation=SituationFactory(need__municipality=municipality), contact_point__phone="36392880"
    )
    html = client.get(f"/ar/testrup/find-rundt/situation/{link.situation.pk}/").text
    assert '<bdi dir="ltr">36 39 28 80</bdi>' in html
    assert '<bdi dir="ltr">' + link.contact_point.website.removeprefix("https://") + "</bdi>" in html
    contact_page = client.get(f"/ar/testrup/find-rundt/kontakt/{link.contact_point.pk}/").text
    assert 'class="share-link" dir="ltr"' in contact_page


def test_the_stylesheet_mirrors_the_layout_for_right_to_left():
    """portal.css is served whole (PurgeCSS trims only DKFDS's stylesheet), so these rules reach the page."""
    css = (settings.BASE_DIR / "static" / "css" / "portal.css").read_text()
    for rule in [
        ':where([dir="rtl"]) ul > li { padding-left: 0; padding-right: 1.6rem; }',
        ':where([dir="rtl"]) .form-radio:checked + label::after { left: auto; right: 6px; }',
        '[dir="rtl"] .breadcrumbs .icon-svg',
        ".contact-card { margin: 1.6rem 0; padding: 1.6rem 2.4rem; border: 0.1rem solid #bfbfbf; border-inline-start:",
    ]:
        assert rule in css


# --- every link keeps the language ----------------------------------------------------------------------


def internal_links(html: str) -> list[str]:
    """The page's own links and form addresses, not the switcher's, the static files or outside sites."""
    html = re.sub(r'<nav class="language-switcher".*?</nav>', "", html, flags=re.DOTALL)
    html = re.sub(r'<link rel="alternate"[^>]*>', "", html)
    found = re.findall(r'(?:href|action)="(/[^"]*)"', html)
    return [url for url in found if not url.startswith(("/static/", "/testrup/udseende.css"))]


def test_every_link_on_the_arabic_pages_stays_in_arabic(client, municipality):
    PageFactory(municipality=municipality, slug="forord", title="Forord")
    link = SituationContactFactory(situation=SituationFactory(need__municipality=municipality))
    pages = [
        "/ar/",
        "/ar/testrup/",
        "/ar/testrup/forord/",
        "/ar/testrup/find-rundt/?q=demens",
        f"/ar/testrup/find-rundt/situation/{link.situation.pk}/",
        f"/ar/testrup/find-rundt/kontakt/{link.contact_point.pk}/",
        "/ar/testrup/find-rundt/til-dig-som-paaroerende/",
        "/ar/testrup/saadan-gaar-det/",
        "/ar/testrup/soeg/?q=pleje",
        "/ar/undersoegelse/",
    ]
    for url in pages:
        response = client.get(url, follow=True)  # the front page of a portal of one municipality redirects to it
        assert response.status_code == 200, url
        assert all(target.startswith("/ar/") for target, _status in response.redirect_chain), url
        links = internal_links(response.text)
        assert links, url
        assert all(href.startswith("/ar/") for href in links), (url, [h for h in links if not h.startswith("/ar/")])


@pytest.mark.parametrize("url", ["/fr/", "/xx/testrup/", "/fr/testrup/forord/", "/zz/undersoegelse/"])
def test_a_language_the_portal_does_not_have_is_page_not_found(client, policy_page, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("url", "status"),
    [("/ar/%C0%AF/", 404), ("/ar/testrup/soeg/?q=%00%E2%80%AE", 200), ("/uk/testrup/soeg/?q=" + "x" * 5000, 200)],
)
def test_a_garbled_address_in_another_language_gets_a_page_not_a_server_error(client, policy_page, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert 'class="language-switcher"' in response.text


def test_no_municipality_or_page_can_take_a_language_code():
    for code in LANGUAGES:
        assert code in RESERVED_SLUGS
        with pytest.raises(ValidationError):
            validate_not_reserved(code)


# --- bad input ------------------------------------------------------------------------------------------

TRICKY = "Anne \u202eKirsten<script>alert(1)</script>"


def test_a_typed_name_is_escaped_and_isolated_from_the_text_around_it():
    html = Template("{% load bidi %}Tak, {{ name|isolate }}! Ring {{ phone|ltr }}.").render(
        Context({"name": TRICKY, "phone": "33 12 34 56"})
    )
    assert html == (
        "Tak, <bdi>Anne \u202eKirsten&lt;script&gt;alert(1)&lt;/script&gt;</bdi>! "
        'Ring <bdi dir="ltr">33 12 34 56</bdi>.'
    )
    assert Template("{% load bidi %}[{{ name|isolate }}]").render(Context({"name": ""})) == "[]"


def test_an_editors_contact_name_with_markup_is_shown_as_text(client, municipality):
    contact = ContactPointFactory(municipality=municipality, name="<b>Team</b> <script>alert(1)</script>")
    html = client.get(f"/ar/testrup/find-rundt/kontakt/{contact.pk}/").text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Team</b>" not in html


def test_a_staff_members_name_in_the_staff_list_cannot_turn_the_row(client, municipality):
    from portal.roles import Role

    administrator = StaffFactory(municipality=municipality, roles=[Role.MUNICIPALITY_ADMIN])
    StaffFactory(municipality=municipality, first_name="Anne \u202eKirsten", last_name="<script>x</script>")
    client.force_login(administrator)
    html = client.get("/personale/administration/").text
    assert "<bdi>Anne \u202eKirsten &lt;script&gt;x&lt;/script&gt;</bdi>" in html
    assert "<script>x</script>" not in html


def test_the_survey_keeps_the_relatives_language_from_the_code_to_the_thank_you_page(client, municipality, manager):
    from surveys import services
    from tests.scenarios import open_survey

    survey = open_survey(municipality)
    [code] = services.generate_invitations(wave=survey.wave, unit=survey.unit, count=1, acting_user=manager)
    typed = client.post("/ar/undersoegelse/", {"code": code.replace("-", "").lower()})
    assert typed.status_code == 303 and typed["Location"] == f"/ar/undersoegelse/{code}/"
    form = client.get(typed["Location"]).text
    assert '<html lang="ar" dir="rtl">' in form and 'action="/undersoegelse/' not in form
    answered = client.post(typed["Location"], survey.form_data())
    assert answered.status_code == 303 and answered["Location"] == "/ar/undersoegelse/tak/"
    assert '<html lang="ar" dir="rtl">' in client.get(answered["Location"]).text
