"""The relatives' survey in every interface language: answer scales, the ready questionnaires' translations, a
manager approving them, answering in a language, letters and e-mails in it, and one result whatever the language."""

import json
import re

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone, translation

from portal.errors import RuleViolation
from portal.models import Translation
from portal.roles import Role
from portal.translation_services import save_translation
from portal.translations import TextState, source_digest
from surveys import email_sending, services
from surveys.forms import AnswerForm
from surveys.languages import language_shares, translated_choices, translation_progress
from surveys.models import Answer, EmailBatch, Indicator, Scale, Survey, SurveyResponse
from surveys.results import survey_results
from surveys.survey_fixtures import (
    TRANSLATION_FIXTURE_DIR,
    load_prepared_translations,
    load_survey,
    prepared_translations,
    survey_fixture_paths,
)
from tests.factories import IndicatorFactory, StaffFactory
from tests.scenarios import open_survey

CONTENT_LANGUAGES = ["en", "ar", "tr", "pl", "uk"]
PREPARED = ["ar", "pl", "tr", "uk"]
GROUPED_CODE = re.compile(r"\b[ACEFGHJKMNPRTUVWXY34679]{4}-[ACEFGHJKMNPRTUVWXY34679]{4}-[ACEFGHJKMNPRTUVWXY34679]{2}\b")
POLISH_VISITS = "Co tydzień\nCo miesiąc\nRzadziej"


@pytest.fixture
def survey(municipality):
    return open_survey(municipality)


@pytest.fixture
def code(survey, manager) -> str:
    [made] = services.generate_invitations(wave=survey.wave, unit=survey.unit, count=1, acting_user=manager)
    return made


def translate(obj, field, language, text, *, approved=False):
    return save_translation(acting_user=None, obj=obj, field=field, language=language, text=text, approved=approved)


def translate_all(survey, language, *, approved=False):
    """Every text of the test survey translated into `language` (marked with the language, so a test sees it)."""
    translate(survey.survey, "title", language, f"[{language}] Pårørendeundersøgelse", approved=approved)
    translate(survey.survey, "intro", language, f"[{language}] Vi vil gerne vide.", approved=approved)
    for question in (survey.scale, survey.yes_no, survey.choice, survey.text):
        translate(question, "text", language, f"[{language}] {question.text}", approved=approved)
    translate(survey.choice, "choices", language, POLISH_VISITS if language == "pl" else "A\nB\nC", approved=approved)


# --- 1. answer scales ------------------------------------------------------------------------------


def test_a_single_choice_question_shows_its_answers_in_the_readers_language(survey):
    translate(survey.choice, "choices", "pl", POLISH_VISITS)
    labels = translated_choices(survey.choice, "pl")
    assert labels == ["Co tydzień", "Co miesiąc", "Rzadziej"]
    assert {label.lang for label in labels} == {"pl"} and {label.state for label in labels} == {TextState.DRAFT}
    assert translated_choices(survey.choice, "da") == ["Hver uge", "Hver måned", "Sjældnere"]


def test_answers_not_translated_or_with_another_number_of_lines_are_shown_in_danish(survey):
    assert translated_choices(survey.choice, "uk") == ["Hver uge", "Hver måned", "Sjældnere"]
    translate(survey.choice, "choices", "pl", "Co tydzień\nCo miesiąc")  # a line short
    labels = translated_choices(survey.choice, "pl")
    assert labels == ["Hver uge", "Hver måned", "Sjældnere"]
    assert {label.lang for label in labels} == {"da"} and {label.state for label in labels} == {TextState.MISSING}


def test_the_answers_translation_is_outdated_when_the_danish_answers_change(survey):
    row = translate(survey.choice, "choices", "pl", POLISH_VISITS, approved=True)
    assert row.source_digest == source_digest("Hver uge\nHver måned\nSjældnere")
    survey.choice.choices = ["Hver uge", "Hver måned", "Sjældnere end hver måned"]
    survey.choice.__dict__.pop("_translation_cache", None)
    assert {label.state for label in translated_choices(survey.choice, "pl")} == {TextState.OUTDATED}


def test_an_answer_given_in_polish_is_stored_as_the_danish_choice(client, survey, code):
    translate_all(survey, "pl")
    page = client.get(f"/pl/undersoegelse/{code}/")
    assert page.status_code == 200 and "Co miesiąc" in page.text
    assert 'value="Hver måned"' in page.text  # the value posted is the Danish answer
    data = survey.form_data() | {f"q{survey.choice.pk}": "Hver måned"}
    assert client.post(f"/pl/undersoegelse/{code}/", data).status_code == 303
    assert Answer.objects.get(question=survey.choice).value == "Hver måned"


def test_the_form_offers_the_same_values_in_every_language(survey):
    translate_all(survey, "ar")
    values = {}
    for language in ["da", "ar"]:
        with translation.override(language):
            form = AnswerForm(questions=[survey.scale, survey.choice])
            values[language] = [[value for value, _label in field.choices] for field in form.fields.values()]
    assert values["da"] == values["ar"] == [list(Scale.values), ["Hver uge", "Hver måned", "Sjældnere", "ved_ikke"]]


# --- 2. the ready questionnaires in every language ------------------------------------------------


def fixture_texts() -> set[str]:
    texts = set()
    for path in survey_fixture_paths():
        data = json.loads(path.read_text(encoding="utf-8"))
        texts |= {data["survey"]["title"], data["survey"]["intro"]}
        texts |= {item["text"] for item in data["questions"]}
        texts |= {"\n".join(item["choices"]) for item in data["questions"] if item["choices"]}
        texts |= {item["name"] for item in data["indicators"]}
    return texts


def test_every_questionnaire_text_has_a_prepared_translation_in_arabic_turkish_polish_and_ukrainian():
    prepared = prepared_translations()
    assert sorted(prepared) == PREPARED
    assert sorted(path.stem for path in TRANSLATION_FIXTURE_DIR.glob("*.json")) == PREPARED
    for language, texts in prepared.items():
        assert set(texts) == fixture_texts(), f"{language}: a text is missing, or a key no longer in the fixtures"
        for danish, text in texts.items():
            assert text.strip() and text != danish, f"{language}: “{danish[:40]}” is not translated"
            # paragraphs stay paragraphs; the intro says whose translation it is
            assert danish.count("\n\n") + ("\n\n" in danish) == text.count("\n\n"), f"{language}: {danish[:40]}"


def test_the_prepared_translations_are_written_in_their_own_scripts():
    prepared = prepared_translations()
    arabic, cyrillic = re.compile("[\u0600-\u06ff]"), re.compile("[\u0400-\u04ff]")
    assert all(arabic.search(text) for text in prepared["ar"].values())
    assert all(cyrillic.search(text) for text in prepared["uk"].values())
    assert any("ą" in text or "ę" in text for text in prepared["pl"].values())
    assert any("ı" in text or "ş" in text for text in prepared["tr"].values())


def test_loading_a_questionnaire_adds_its_translations_as_drafts_not_yet_checked(policies):
    path = next(path for path in survey_fixture_paths() if path.stem == "haderslev")
    assert load_survey(path)
    survey = Survey.objects.get(municipality__slug="haderslev")
    rows = Translation.objects.filter(municipality=survey.municipality)
    assert set(rows.values_list("language", flat=True)) >= set(PREPARED)
    assert set(rows.filter(language__in=PREPARED).values_list("status", flat=True)) == {Translation.Status.DRAFT}
    indicator = Indicator.objects.filter(question__survey=survey).order_by("order").first()
    name = indicator.translated("name", "ar")
    assert name.lang == "ar" and name.state == TextState.DRAFT and name == "المقابلة باحترام واهتمام"
    progress = {row.code: row for row in translation_progress(survey)}
    assert all(progress[code].missing == 0 and progress[code].state == TextState.DRAFT for code in PREPARED)
    # loading again adds nothing and changes nothing
    assert load_prepared_translations(survey) == 0


# --- 3. a manager approves ------------------------------------------------------------------------


def languages_url(survey) -> str:
    return reverse("surveys:languages", args=[survey.survey.pk])


def seen_on_page(client, survey, language: str) -> str:
    """The stamp of the drafts the manager's page shows for `language` (posted with the approval)."""
    html = client.get(languages_url(survey)).text
    found = re.search(rf'name="language" value="{language}">\s*<input type="hidden" name="seen" value="(\w+)"', html)
    return found.group(1)


def test_a_manager_sees_per_language_what_is_checked_drafted_outdated_or_missing(client, manager, survey):
    translate(survey.survey, "title", "uk", "Опитування", approved=True)
    survey.survey.title = "Pårørendeundersøgelse 2026"  # the Danish changed: the Ukrainian title is outdated
    survey.survey.save()
    translate_all(survey, "pl")
    translate_all(survey, "tr", approved=True)
    progress = {row.code: row for row in translation_progress(survey.survey)}
    assert (progress["pl"].draft, progress["pl"].missing, progress["pl"].state) == (7, 0, TextState.DRAFT)
    assert (progress["tr"].approved, progress["tr"].state) == (7, TextState.APPROVED)
    assert (progress["uk"].outdated, progress["uk"].missing, progress["uk"].state) == (1, 6, TextState.MISSING)
    assert progress["en"].outdated == 1  # the scenario's English title, made from the Danish before it changed
    client.force_login(manager)
    page = client.get(languages_url(survey))
    assert page.status_code == 200 and 'lang="pl">Polski' in page.text and 'name="language" value="pl"' in page.text
    assert 'name="language" value="tr"' not in page.text  # nothing to approve in Turkish


def test_a_manager_approves_a_languages_drafts_for_the_survey_with_a_log_entry(client, manager, survey):
    translate_all(survey, "pl")
    translate_all(survey, "ar")
    client.force_login(manager)
    response = client.post(languages_url(survey), {"language": "pl", "seen": seen_on_page(client, survey, "pl")})
    assert response.status_code == 303
    polish = Translation.objects.filter(language="pl")
    assert set(polish.values_list("status", flat=True)) == {Translation.Status.APPROVED}
    assert set(Translation.objects.filter(language="ar").values_list("status", flat=True)) == {"draft"}
    assert set(polish.values_list("updated_by", flat=True)) == {manager.pk}
    assert LogEntry.objects.filter(user=manager, change_message__startswith="Changed the pl translation").count() == 7
    assert "7" in client.get(response["Location"]).text


def test_approving_needs_a_post_with_a_csrf_token_and_a_manager_of_the_municipality(
    client, manager, survey, other_municipality
):
    translate_all(survey, "pl")
    csrf_client = type(client)(enforce_csrf_checks=True)
    csrf_client.force_login(manager)
    assert csrf_client.post(languages_url(survey), {"language": "pl"}).status_code == 403
    stranger = StaffFactory(municipality=other_municipality, roles=[Role.MANAGER], is_staff=True)
    client.force_login(stranger)
    assert client.post(languages_url(survey), {"language": "pl"}).status_code == 404
    assert not Translation.objects.filter(status=Translation.Status.APPROVED).exclude(language="en").exists()


def test_approving_a_language_the_portal_does_not_have_is_told_in_danish(client, manager, survey):
    client.force_login(manager)
    response = client.post(languages_url(survey), {"language": "xx"})
    assert response.status_code == 400 and "Vælg et af portalens sprog." in response.text


def test_an_outdated_draft_is_not_approved(manager, survey):
    translate(survey.survey, "title", "pl", "Ankieta")
    survey.survey.title = "Ny titel"
    survey.survey.save()
    assert services.approve_translations(survey=survey.survey, language="pl", acting_user=manager) == 0
    assert Translation.objects.get(language="pl").status == Translation.Status.DRAFT


def test_the_public_survey_says_a_draft_translation_is_not_yet_checked_until_it_is_approved(
    client, manager, survey, code
):
    notice = "This translation has not yet been checked by the municipality."
    Translation.objects.filter(language="en").delete()  # the scenario's checked English title
    translate_all(survey, "en")
    assert notice in client.get(f"/en/undersoegelse/{code}/").text
    assert notice not in client.get(f"/undersoegelse/{code}/").text  # Danish is the original
    services.approve_translations(survey=survey.survey, language="en", acting_user=manager)
    assert notice not in client.get(f"/en/undersoegelse/{code}/").text


# --- 4. answering in a language -------------------------------------------------------------------


def test_the_survey_page_follows_the_language_of_the_address_and_the_response_remembers_it(client, survey, code):
    translate_all(survey, "ar")
    page = client.get(f"/ar/undersoegelse/{code}/")
    assert page.status_code == 200 and "[ar] Pårørendeundersøgelse" in page.text
    assert '<html lang="ar"' in page.text
    response = client.post(f"/ar/undersoegelse/{code}/", survey.form_data())
    assert response.status_code == 303 and response["Location"] == "/ar/undersoegelse/tak/"
    assert SurveyResponse.objects.get().language == "ar"


def test_an_open_link_answer_remembers_its_language_too(client, survey):
    url = f"/uk/undersoegelse/aaben/{survey.wave.open_link_key}/"
    assert client.post(url, survey.form_data()).status_code == 303
    assert SurveyResponse.objects.get().language == "uk"


def test_a_response_in_a_language_the_portal_does_not_have_is_refused(survey, code):
    with pytest.raises(RuleViolation):
        services.submit_response(code=code, answers=survey.full_answers(), today=timezone.localdate(), language="xx")
    assert not SurveyResponse.objects.exists()


def test_printed_letters_hold_the_link_in_every_language_named_in_its_own_language(client, manager, survey):
    client.force_login(manager)
    url = reverse("surveys:invitations", args=[survey.wave.pk])
    html = client.post(url, {"unit": survey.unit.pk, "delivery": "letters", "count": 1}).text
    [code] = set(GROUPED_CODE.findall(html))
    names = [("en", "English"), ("ar", "العربيّة"), ("tr", "Türkçe"), ("pl", "Polski"), ("uk", "Українська")]
    for language, name in names:
        assert f'<li lang="{language}"' in html and f"{name}: " in html, language
        assert f"http://testserver/{language}/undersoegelse/{code}/" in html
    assert 'dir="rtl"' in html  # the Arabic line


def test_letters_in_a_chosen_language_are_written_in_it(client, manager, survey):
    translate_all(survey, "pl")
    client.force_login(manager)
    url = reverse("surveys:invitations", args=[survey.wave.pk])
    html = client.post(url, {"unit": survey.unit.pk, "delivery": "letters", "count": 1, "language": "pl"}).text
    assert '<article class="survey-letter" lang="pl"' in html and "[pl] Pårørendeundersøgelse" in html
    assert re.search(r"http://testserver/pl/undersoegelse/[A-Z0-9-]+/", html)
    assert re.search(
        r'<li lang="da" dir="ltr">Dansk: <span class="survey-link" dir="ltr">http://testserver/undersoegelse/', html
    )


def test_an_email_round_in_polish_is_sent_in_polish_and_so_are_its_reminders(client, manager, survey):
    translate_all(survey, "pl")
    batch = services.invite_by_email(
        wave=survey.wave, unit=survey.unit, addresses=["a@example.dk"], acting_user=manager,
        base_url="https://portal.example.dk", language="pl",
    )  # fmt: skip
    assert batch.language == "pl"
    client.force_login(manager)
    assert (
        'Skrevet på: <span lang="pl">Polski</span>' in client.get(reverse("surveys:email-round", args=[batch.pk])).text
    )
    email_sending.send_batch(batch.pk)
    [message] = mail.outbox
    assert "[pl] Pårørendeundersøgelse" in message.subject and "[pl] Vi vil gerne vide." in message.body
    assert re.search(r"https://portal.example.dk/pl/undersoegelse/[A-Z0-9-]+/", message.body)
    assert re.search(r"العربيّة: https://portal.example.dk/ar/undersoegelse/[A-Z0-9-]+/", message.body)
    reminder = services.remind_by_email(batch=EmailBatch.objects.get(pk=batch.pk), acting_user=manager)
    assert reminder.language == "pl"
    email_sending.send_batch(reminder.pk)
    assert len(mail.outbox) == 2 and "[pl] Pårørendeundersøgelse" in mail.outbox[-1].subject


def test_an_email_round_in_a_language_the_portal_does_not_have_is_refused(manager, survey):
    with pytest.raises(RuleViolation):
        services.invite_by_email(
            wave=survey.wave, unit=survey.unit, addresses=["a@example.dk"], acting_user=manager,
            base_url="https://portal.example.dk", language="xx",
        )  # fmt: skip
    assert not EmailBatch.objects.exists()


# --- 5. results -----------------------------------------------------------------------------------


def test_the_survey_answered_in_danish_and_in_arabic_gives_one_indicator_figure(client, survey, manager):
    indicator = IndicatorFactory(question=survey.scale, positive_answers=["i_meget_hoej_grad", "i_hoej_grad"])
    translate_all(survey, "ar")
    codes_made = services.generate_invitations(wave=survey.wave, unit=survey.unit, count=10, acting_user=manager)
    for number, code in enumerate(codes_made):
        language = "da" if number < 5 else "ar"
        prefix = "" if language == "da" else "/ar"
        answers = survey.form_data() | {f"q{survey.scale.pk}": "i_hoej_grad" if number % 2 else "slet_ikke"}
        assert client.post(f"{prefix}/undersoegelse/{code}/", answers).status_code == 303
    assert dict(SurveyResponse.objects.values_list("language").annotate(n=Count("pk"))) == {"da": 5, "ar": 5}
    result = survey_results(survey.survey).get(indicator, survey.wave)
    assert (result.figure.positive, result.figure.n) == (5, 10)  # one figure, both languages in it


def test_the_share_per_language_hides_small_groups_like_every_group():
    shares = {row.code: row for row in language_shares({"da": 20, "ar": 3, "pl": 6})}
    assert (shares["da"].count, shares["da"].share_text) == (20, "69\xa0%")
    assert not shares["ar"].shown  # fewer than five
    assert not shares["pl"].shown  # else the total less Danish would give the Arabic
    assert [row.code for row in language_shares({"da": 12, "tr": 9})] == ["da", "tr"]
    assert all(row.shown for row in language_shares({"da": 12, "tr": 9}))
    assert language_shares({"da": 3}) == []  # the whole wave is too small
    assert language_shares({}) == []


def test_the_dashboard_shows_the_share_answered_in_each_language(client, survey, manager):
    IndicatorFactory(question=survey.scale)
    codes_made = services.generate_invitations(wave=survey.wave, unit=survey.unit, count=11, acting_user=manager)
    for number, code in enumerate(codes_made):
        prefix = "/pl" if number < 5 else ""
        assert client.post(f"{prefix}/undersoegelse/{code}/", survey.form_data()).status_code == 303
    client.force_login(manager)
    html = client.get(reverse("surveys:dashboard", args=[survey.survey.pk])).text
    table = html[html.index('id="languages-heading"') :]
    assert "dansk" in table.lower() and "polsk" in table.lower()
    assert "55\xa0%" in table and "45\xa0%" in table
    assert settings.LANGUAGE_CODE == "da"


def test_the_dashboard_and_its_export_in_arabic_ask_the_same_number_of_queries_whatever_the_indicators(
    client, survey, manager
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(manager)
    urls = [
        "/ar" + reverse("surveys:dashboard", args=[survey.survey.pk]),
        "/ar" + reverse("surveys:figures-csv", args=[survey.survey.pk]),
    ]
    services.submit_response(
        open_link_key=survey.wave.open_link_key, answers=survey.full_answers(), today=timezone.localdate()
    )  # a figure for the export to write
    counts = []
    for question in (survey.scale, survey.yes_no):
        indicator = IndicatorFactory(question=question, name=f"Indikator {question.pk}", target="0.75")
        translate(indicator, "name", "ar", "مؤشر")
        translate(question, "text", "ar", "سؤال")
        client.get(urls[0])  # the session is warm
        with CaptureQueriesContext(connection) as queries:
            assert client.get(urls[0]).status_code == 200
            assert "مؤشر" in b"".join(client.get(urls[1]).streaming_content).decode()
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_manager_reads_a_languages_texts_beside_the_danish_before_approving(client, manager, survey):
    translate_all(survey, "ar")
    client.force_login(manager)
    html = client.get(languages_url(survey) + "?language=ar").text
    assert 'lang="ar" dir="rtl" class="survey-translation-text">[ar] Pårørendeundersøgelse' in html
    assert "Spørgsmål 3" in html and "Svarmuligheder til spørgsmål 3" in html
    assert "Hver uge<br>Hver måned<br>Sjældnere" in html
    assert "[ar] Pårørendeundersøgelse" not in client.get(languages_url(survey) + "?language=xx").text


def test_answers_translated_into_another_number_of_lines_count_as_missing_and_are_not_approved(manager, survey):
    translate(survey.choice, "choices", "pl", "Co tydzień\nCo miesiąc")
    translate(survey.choice, "text", "pl", "Jak często odwiedzasz bliską osobę?")
    polish = next(row for row in translation_progress(survey.survey) if row.code == "pl")
    assert (polish.draft, polish.missing) == (1, 6)  # the question's text; its answers count as missing
    assert services.approve_translations(survey=survey.survey, language="pl", acting_user=manager) == 1
    assert Translation.objects.get(field="choices").status == Translation.Status.DRAFT


def test_the_managers_overview_gives_the_open_link_in_every_language(client, manager, survey):
    client.force_login(manager)
    html = client.get(reverse("surveys:manage")).text
    key = survey.wave.open_link_key
    assert f"http://testserver/undersoegelse/aaben/{key}/" in html
    assert (
        f'<li lang="ar" dir="rtl">العربيّة: <span class="survey-link" dir="ltr">http://testserver/ar/undersoegelse/aaben/{key}/'
        in html
    )
    assert f'Polski: <span class="survey-link" dir="ltr">http://testserver/pl/undersoegelse/aaben/{key}/' in html
    assert reverse("surveys:languages", args=[survey.survey.pk]) in html


def test_a_new_version_of_an_answered_question_keeps_its_translations(survey, code):
    translate(survey.choice, "text", "pl", "Jak często odwiedzasz bliską osobę?", approved=True)
    translate(survey.choice, "choices", "pl", POLISH_VISITS, approved=True)
    services.submit_response(code=code, answers=survey.full_answers(), today=timezone.localdate())
    survey.choice.choices = ["Hver uge", "Hver måned", "Sjældnere", "Aldrig"]
    services.save_questions(questions=[survey.choice])
    new = survey.choice.next_version
    assert new.translated("text", "pl").state == TextState.APPROVED  # the same Danish question
    assert {label.state for label in translated_choices(new, "pl")} == {TextState.MISSING}  # four answers now
    assert Translation.objects.get(object_id=new.pk, field="choices").source_digest != source_digest(
        new.source_text("choices")
    )
    old = type(survey.choice).objects.get(pk=survey.choice.pk)
    assert translated_choices(old, "pl") == ["Co tydzień", "Co miesiąc", "Rzadziej"]  # the old version keeps its own


def test_drafts_changed_after_the_manager_read_them_are_not_approved(client, manager, survey):
    translate_all(survey, "pl")
    client.force_login(manager)
    seen = seen_on_page(client, survey, "pl")
    row = Translation.objects.get(language="pl", field="title")
    save_translation(acting_user=None, obj=survey.survey, field="title", language="pl", text="Ankieta (nowa)",
                     approved=False, seen_updated_at=row.updated_at)  # fmt: skip
    response = client.post(languages_url(survey), {"language": "pl", "seen": seen})
    assert response.status_code == 400 and "Intet blev godkendt" in response.text
    assert not Translation.objects.filter(status=Translation.Status.APPROVED).exclude(language="en").exists()
