"""What the policies lost in extraction is mended from the seeds (/work/shared/seeds/), with no word changed."""

import json
import re

from django.conf import settings

from portal.models import Page

FIXTURES = settings.BASE_DIR / "fixtures" / "policies"


def fixture(slug: str) -> dict:
    return json.loads((FIXTURES / f"{slug}.json").read_text(encoding="utf-8"))


def all_text(data: dict) -> str:
    return "\n".join(
        part
        for page in data["pages"]
        for section in page["sections"]
        for part in [section["heading"], section["body"], *section["items"]]
    )


def test_aabenraa_s_model_is_on_the_page_named_for_it(policies):
    model = Page.objects.get(municipality__slug="aabenraa", slug="model-for-systematisk-samarbejde")
    steps = [s.heading for s in model.sections.filter(kind="step").order_by("order")]
    assert steps == ["Dialog med borger", "Samtykke", "Gensidighed", "Aftaler og opfølgning"]
    town = Page.objects.get(municipality__slug="aabenraa", slug="aabenraa-kommune")
    assert not town.sections.filter(kind="step").exists()
    assert town.sections.first().body.startswith("Aabenraa Kommunes vækststrategi 2016-2028")


def test_hvidovre_has_its_hyphens_back_and_nothing_else_changed():
    text = all_text(fixture("hvidovre"))
    assert text.count("bruger- og pårørenderåd") == 3
    assert "arbejds- og følgegrupper" in text and "voksen-, ældre- og handicapområder" in text
    assert not re.search(r"bruger og pårørenderåd|arbejds og følgegrupper|voksen, ældre og", text)


def test_rudersdal_s_foreword_says_that_the_signatory_is_not_in_the_printed_policy(client, policies):
    page = client.get("/rudersdal/forord/").text
    assert '<div class="policy-signature"><p>På vegne af kommunalbestyrelsen,</p></div>' in page
    assert (
        '<p class="policy-portal-note"><strong>Portalens bemærkning:</strong> '
        "Den trykte politik nævner ikke, hvem der skriver under på kommunalbestyrelsens vegne.</p>"
    ) in page


def test_headings_the_portal_added_are_marked_as_the_portal_s(client, policies):
    marked = set(Page.objects.filter(title_by_portal=True).values_list("municipality__slug", "slug"))
    assert marked == {("hvidovre", "information-og-dialog"), ("rudersdal", "udmoentning-af-politikken")}
    note = "Overskriften er portalens; politikken har ikke selv en overskrift her."
    assert note in client.get("/hvidovre/information-og-dialog/").text
    assert note not in client.get("/hvidovre/forord/").text


def test_a_printed_web_address_is_a_link_and_an_e_mail_address_is_not_broken(client, policies):
    page = client.get("/hvidovre/en-faelles-opgave/").text
    assert 'læses på <a href="https://hvidovre.dk/politikker">hvidovre.dk/politikker</a>.' in page
