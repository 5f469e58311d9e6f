"""The pages every Danish public site has, for each municipality, with a default text its editors adapt."""

import html
import io

from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from portal.models import Municipality, Page, PageVersion
from portal.personal_data import stores
from portal.standard_pages import ensure_standard_pages
from tests.factories import MunicipalityFactory, SuperuserFactory

STANDARD = ["klagevejledning", "privatlivspolitik", "tilgaengelighedserklaering", "hvad-maa-personalet-fortaelle-mig"]


def test_every_municipality_gets_the_four_pages_published_and_linked_from_every_page_s_footer(client, policies):
    for municipality in Municipality.objects.all():
        assert set(municipality.pages.filter(kind="standard").values_list("slug", flat=True)) == set(STANDARD)
    page = client.get("/hvidovre/forord/").text
    for slug in ["klagevejledning", "privatlivspolitik", "hvad-maa-personalet-fortaelle-mig"]:
        assert f'href="/hvidovre/{slug}/"' in page
        assert client.get(f"/hvidovre/{slug}/").status_code == 200
    assert 'href="/hvidovre/tilgaengelighedserklaering/"' in page


def test_the_standard_pages_are_not_part_of_the_policy(client, policies):
    front = client.get("/hvidovre/").text
    assert "Privatlivspolitik</a></li>" not in front.split("<footer")[0]
    whole = client.get("/hvidovre/hele-politikken/").text
    assert 'id="side-klagevejledning"' not in whole
    complaints = client.get("/hvidovre/klagevejledning/").text
    assert 'rel="next"' not in complaints and 'rel="prev"' not in complaints


def test_the_complaints_page_names_the_route_and_the_deadline(client, policies):
    text = client.get("/ballerup/klagevejledning/").text
    assert "inden 4 uger" in text and "Ankestyrelsen" in text and "borgerrådgiver" in text
    assert "Styrelsen for Patientklager" in text


@override_settings(CONSENT_RETENTION_YEARS=7)
def test_the_privacy_page_states_what_is_kept_and_how_long_from_the_retention_settings(client, municipality):
    ensure_standard_pages(municipality)
    text = client.get("/testrup/privatlivspolitik/").text
    assert "Svar på pårørendeundersøgelsen. Svarene er anonyme" in text
    assert "Datatilsynet" in text and "databeskyttelsesrådgiver" in text
    assert "Borgernes sager: 7 år efter, at borgerens forløb blev afsluttet" in text


@override_settings(CONTACT_REQUEST_RETENTION_DAYS=45)
def test_the_privacy_page_names_every_store_in_the_register_with_what_why_and_how_long(client, municipality):
    ensure_standard_pages(municipality)
    text = html.unescape(client.get("/testrup/privatlivspolitik/").text)
    with translation.override("da"):
        register = stores()
        assert len(register) >= 5  # logins, sessions, citizens' records, contact requests, survey addresses
        for store in register:
            assert f"{store.name}: {store.what}" in text
            assert f"{store.name}: {store.why}" in text
            assert f"{store.name}: {store.retention(municipality)}" in text
    assert "Pårørendes henvendelser: 45 dage efter, at henvendelsen blev sendt" in text
    assert "ændringer i hjælpen og hvilke pårørende der fik besked om dem" in text


def test_the_accessibility_statement_has_what_digitaliseringsstyrelsen_asks(client, municipality):
    ensure_standard_pages(municipality)
    text = client.get("/testrup/tilgaengelighedserklaering/").text
    for part in ["Den er udarbejdet den", "gælder Testrup Kommunes sider", "Kendte problemer", "Feedback og kontakt"]:
        assert part in text
    assert "klage til Digitaliseringsstyrelsen" in text


@override_settings(PORTAL_ACCESSIBILITY_STATEMENT_URL="https://www.was.digst.dk/testrup")
def test_a_statement_made_in_was_is_linked_instead(client, municipality):
    ensure_standard_pages(municipality)
    assert 'href="https://www.was.digst.dk/testrup"' in client.get("/testrup/").text


def test_making_them_again_keeps_what_the_editor_wrote(municipality):
    ensure_standard_pages(municipality)
    page = municipality.pages.get(slug="klagevejledning")
    page.title = "Klager – redaktørens titel"
    page.save()
    assert ensure_standard_pages(municipality) == []
    assert Page.objects.get(pk=page.pk).title == "Klager – redaktørens titel"


def test_a_municipality_added_in_the_admin_gets_the_four_pages(client, db):
    client.force_login(SuperuserFactory())
    data = {
        "name": "Nyby Kommune", "slug": "nyby", "kommunekode": "0999", "website": "nyby.example", "region": "",
        "policy_title": "Pårørendepolitik", "policy_subtitle": "",
        "policy_adopted_by": "", "policy_adopted_on": "", "accent_colour": "", "address": "", "phone": "",
        "email": "", "opening_hours": "", "accessibility_statement_url": "",
    }  # fmt: skip
    assert client.post(reverse("admin:portal_municipality_add"), data).status_code == 302
    assert Municipality.objects.get(slug="nyby").pages.filter(kind="standard").count() == 4


def migrate_after_upgrade() -> str:
    """`manage.py migrate` as a deploy runs it after an upgrade (nothing left to apply); what it printed."""
    out = io.StringIO()
    call_command("migrate", verbosity=1, interactive=False, stdout=out)
    return out.getvalue()


def test_a_municipality_running_before_the_upgrade_gets_the_four_pages_published_from_migrate(client, municipality):
    assert not municipality.pages.filter(kind=Page.Kind.STANDARD).exists()
    printed = migrate_after_upgrade()
    assert set(municipality.pages.filter(kind=Page.Kind.STANDARD).values_list("slug", flat=True)) == set(STANDARD)
    assert "Standard pages made for Testrup Kommune" in printed
    assert "Pårørendes henvendelser" in client.get("/testrup/privatlivspolitik/").text
    assert 'href="/testrup/klagevejledning/"' in client.get("/testrup/").text


def test_migrating_again_makes_nothing_twice_and_keeps_the_editor_s_text_draft_and_deletion(municipality):
    other = MunicipalityFactory(town="Andeby", slug="andeby", kommunekode="0902")
    migrate_after_upgrade()
    complaints = municipality.pages.get(slug="klagevejledning")
    complaints.title = "Klager – redaktørens titel"
    complaints.save()
    section = complaints.sections.first()
    section.body = "Redaktørens egen tekst."
    section.save()
    other.pages.get(slug="hvad-maa-personalet-fortaelle-mig").delete()
    pages, versions = Page.objects.count(), PageVersion.objects.count()

    assert "Standard pages made" not in migrate_after_upgrade()

    assert (Page.objects.count(), PageVersion.objects.count()) == (pages, versions)
    complaints.refresh_from_db()
    assert complaints.title == "Klager – redaktørens titel"
    assert complaints.sections.first().body == "Redaktørens egen tekst."
    assert not other.pages.filter(slug="hvad-maa-personalet-fortaelle-mig").exists()
