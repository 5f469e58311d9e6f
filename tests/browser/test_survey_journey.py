"""A relative answers the survey on a phone with the keyboard alone, then finds the link used."""

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from portal.roles import Role
from surveys import services
from surveys.models import Answer, Invitation, SurveyResponse
from tests.factories import StaffFactory
from tests.scenarios import open_survey

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("viewport_name", ["phone"])]

MAX_TABS = 80


def danish(message: str) -> str:
    """The text a Danish page shows (the English source until the catalogue translates it)."""
    with translation.override("da"):
        return gettext(message)


def tab_to(page, selector: str) -> None:
    """Press Tab until the element matching `selector` has the focus (the keyboard user's way there)."""
    target = page.locator(selector)
    for _press in range(MAX_TABS):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"{selector} never got the focus in {MAX_TABS} presses of Tab")


def test_relative_answers_with_the_keyboard_on_a_phone(live_policies, roles, live_server, page, console):
    haderslev = live_policies["haderslev"]
    survey = open_survey(haderslev)
    manager = StaffFactory(municipality=haderslev, roles=[Role.MANAGER])
    [code] = services.generate_invitations(wave=survey.wave, unit=survey.unit, count=1, acting_user=manager)
    link = f"{live_server.url}/undersoegelse/{code}/"

    response = page.goto(link)
    assert response.status == 200 and response.headers["referrer-policy"] == "strict-origin"
    assert page.viewport_size == {"width": 390, "height": 844}
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pårørendeundersøgelse")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone

    for question in [survey.scale, survey.yes_no, survey.choice]:
        group = page.get_by_role("group", name=question.text)
        expect(group).to_be_visible()  # a fieldset whose legend is the question
        first_option = f"#id_q{question.pk}_0"
        tab_to(page, first_option)
        page.keyboard.press("Space")
        expect(page.locator(first_option)).to_be_checked()
    tab_to(page, f"#id_q{survey.text.pk}")
    page.keyboard.type("Tak for en god dialog.")
    tab_to(page, "main form button[type='submit']")
    with page.expect_request(lambda request: request.method == "POST") as sent:
        page.keyboard.press("Enter")
    assert sent.value.headers.get("referer") == f"{live_server.url}/"  # the origin only, never the code
    assert sent.value.headers.get("origin") == live_server.url

    page.wait_for_url(f"{live_server.url}/undersoegelse/tak/")
    expect(page.get_by_role("heading", level=1)).to_have_text(danish("Thank you for your answers"))
    assert code not in page.url

    stored = SurveyResponse.objects.get()
    assert {answer.question_id: answer.value or answer.text for answer in Answer.objects.filter(response=stored)} == {
        survey.scale.pk: "i_meget_hoej_grad",
        survey.yes_no.pk: "ja",
        survey.choice.pk: "Hver uge",
        survey.text.pk: "Tak for en god dialog.",
    }
    assert Invitation.objects.get().used_on is not None

    console.expected_failures.add(link)  # the used link answers 410 Gone, which Chromium logs
    again = page.goto(link)
    assert again.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text(danish("This code has already been used"))
    assert SurveyResponse.objects.count() == 1
    assert console.take() == []
