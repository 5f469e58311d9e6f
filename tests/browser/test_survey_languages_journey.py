"""Relatives answer Haderslev's questionnaire on a phone in Arabic (right to left) and in Polish, in the portal's
prepared translations (drafts, so the page says they are not yet checked); axe-core and the Nu checker find
nothing wrong, and the answers count together with the Danish ones."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from portal.roles import Role
from surveys import services
from surveys.models import Answer, Question, Survey, SurveyResponse
from surveys.survey_fixtures import load_survey, prepared_translations, survey_fixture_paths
from tests.browser.html_checker import html_checker, vnu_problems
from tests.browser.public_pages import axe_problems
from tests.factories import StaffFactory, UnitFactory, WaveFactory

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("viewport_name", ["phone"])]


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def haderslev_survey(live_policies, roles):
    municipality = live_policies["haderslev"]
    assert load_survey(next(path for path in survey_fixture_paths() if path.stem == "haderslev"))
    survey = Survey.objects.get(municipality=municipality)
    unit = UnitFactory(municipality=municipality, name="Plejecentret Solgården")
    today = timezone.localdate()
    wave = WaveFactory(survey=survey, name="2026", opens_on=today - timedelta(days=1),
                       closes_on=today + timedelta(days=30), units=[unit])  # fmt: skip
    manager = StaffFactory(municipality=municipality, roles=[Role.MANAGER])
    return survey, wave, unit, manager


@pytest.mark.parametrize("language", ["ar", "pl"])
def test_relative_answers_in_arabic_or_polish_on_a_phone(
    haderslev_survey, live_server, page, console, axe, tmp_path, language, viewport_name
):
    checker = html_checker()
    survey, wave, unit, manager = haderslev_survey
    texts = prepared_translations()[language]
    [code] = services.generate_invitations(wave=wave, unit=unit, count=1, acting_user=manager)
    questions = list(Question.objects.filter(survey=survey).order_by("order"))

    response = page.goto(f"{live_server.url}/{language}/undersoegelse/{code}/")
    assert response.status == 200
    html = {"answer.html": response.text()}
    assert page.viewport_size == {"width": 390, "height": 844}
    expect(page.locator("html")).to_have_attribute("lang", language)
    direction = "rtl" if language == "ar" else "ltr"
    assert page.evaluate("getComputedStyle(document.querySelector('main form')).direction") == direction
    expect(page.get_by_role("heading", level=1)).to_have_text(texts[survey.title])
    expect(page.locator("main .alert-info")).to_be_visible()  # the translation has not yet been checked
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    problems = axe_problems(axe, page, f"{language} answer page")

    for question in questions:
        if question.kind == Question.Kind.TEXT:
            field = page.get_by_role("textbox", name=texts[question.text], exact=False)
            field.fill("شكرًا" if language == "ar" else "Dziękuję")
        else:
            expect(page.get_by_role("group", name=texts[question.text])).to_be_visible()
            page.locator(f"#id_q{question.pk}_1").check()
    thanks_url = f"{live_server.url}/{language}/undersoegelse/tak/"
    with page.expect_response(thanks_url) as thanks:
        page.locator("main form button[type='submit']").click()
    page.wait_for_url(thanks_url)
    html["thanks.html"] = thanks.value.text()
    problems += axe_problems(axe, page, f"{language} thanks page")
    problems += console.take()
    problems += vnu_problems(checker, tmp_path, write(tmp_path, html))
    assert not problems, "\n".join(problems)

    response_row = SurveyResponse.objects.get()
    assert response_row.language == language
    answers = {answer.question.kind: answer.value for answer in Answer.objects.select_related("question")}
    assert answers["scale"] == "i_hoej_grad" and answers["yes_no"] == "nej"  # the same values in every language


def write(directory, pages: dict[str, str]) -> dict[str, str]:
    for name, text in pages.items():
        (directory / name).write_text(text, encoding="utf-8")
    return {name: name for name in pages}
