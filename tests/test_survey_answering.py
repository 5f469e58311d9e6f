"""The answering side of the relatives' survey: codes, single use, anonymity, bad input, limits, managers."""

import io
import re
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from portal.models import Unit
from portal.roles import Role
from surveys import codes, rules, services
from surveys.models import Answer, Invitation, Question, SurveyResponse, Wave
from tests.factories import StaffFactory
from tests.scenarios import open_survey

GROUPED_CODE = re.compile(r"\b[ACEFGHJKMNPRTUVWXY34679]{4}-[ACEFGHJKMNPRTUVWXY34679]{4}-[ACEFGHJKMNPRTUVWXY34679]{2}\b")


def danish(message) -> str:
    """An interface string as a Danish page shows it, HTML-escaped (the English source until the catalogue has it)."""
    with translation.override("da"):
        return escape(gettext(message) if isinstance(message, str) else str(message))


@pytest.fixture
def survey(municipality):
    return open_survey(municipality)


@pytest.fixture
def code(survey, manager) -> str:
    [made] = services.generate_invitations(wave=survey.wave, unit=survey.unit, count=1, acting_user=manager)
    return made


def answer_url(code: str) -> str:
    return f"/undersoegelse/{code}/"


def today():
    return timezone.localdate()


# Codes


def test_codes_are_random_grouped_and_typeable(survey, manager):
    made = services.generate_invitations(wave=survey.wave, unit=survey.unit, count=40, acting_user=manager)
    assert len(made) == len(set(made)) == 40
    assert all(GROUPED_CODE.fullmatch(code) for code in made)
    assert Invitation.objects.filter(wave=survey.wave, unit=survey.unit, used_on=None).count() == 40
    assert codes.normalize(made[0].lower().replace("-", " ")) == made[0].replace("-", "")
    assert codes.normalize("ABCD-EFGH-IO") is None  # B, D, I and O are not in the alphabet


def test_codes_are_stored_only_as_hashes(survey, manager):
    made = services.generate_invitations(wave=survey.wave, unit=survey.unit, count=5, acting_user=manager)
    dump = io.StringIO()
    call_command("dumpdata", "surveys.invitation", stdout=dump)
    assert dump.getvalue().count('"code_digest"') == 5
    for code in made:
        assert code not in dump.getvalue() and code.replace("-", "") not in dump.getvalue()
        assert Invitation.objects.filter(code_digest=codes.digest(codes.normalize(code))).exists()


def test_the_hash_is_keyed_with_the_survey_code_key_when_there_is_one(settings):
    plain = codes.digest("ACEFGHJKMN")
    settings.SURVEY_CODE_KEY = "another-key-only-for-survey-codes-0123456789"
    assert codes.digest("ACEFGHJKMN") != plain
    assert len(codes.digest("ACEFGHJKMN")) == 64


def test_only_a_manager_of_the_municipality_makes_invitations(survey, municipality, other_municipality):
    with pytest.raises(PermissionDenied):
        services.generate_invitations(
            wave=survey.wave,
            unit=survey.unit,
            count=1,
            acting_user=StaffFactory(municipality=municipality, roles=[Role.CASEWORKER]),
        )
    with pytest.raises(PermissionDenied):
        services.generate_invitations(
            wave=survey.wave,
            unit=survey.unit,
            count=1,
            acting_user=StaffFactory(municipality=other_municipality, roles=[Role.MANAGER]),
        )
    assert not Invitation.objects.exists()


def test_invitations_need_a_unit_of_the_wave_and_a_sensible_count(survey, manager, municipality):
    outside = Unit.objects.create(municipality=municipality, name="Hjemmeplejen Nord", area="aeldre")
    with pytest.raises(ValidationError) as error:
        services.generate_invitations(wave=survey.wave, unit=outside, count=1, acting_user=manager)
    assert "unit" in error.value.message_dict
    for count in (0, rules.MAX_INVITATIONS + 1):
        with pytest.raises(ValidationError):
            services.generate_invitations(wave=survey.wave, unit=survey.unit, count=count, acting_user=manager)
    Wave.objects.filter(pk=survey.wave.pk).update(
        closes_on=today() - timedelta(days=1), opens_on=today() - timedelta(9)
    )
    survey.wave.refresh_from_db()
    with pytest.raises(ValidationError):
        services.generate_invitations(wave=survey.wave, unit=survey.unit, count=1, acting_user=manager)
    assert not Invitation.objects.exists()


# The answer journey


def test_a_relative_answers_with_the_link_and_sees_the_thank_you_page(client, survey, code):
    page = client.get(answer_url(code))
    assert page.status_code == 200
    # The page's own address (and its code) is never sent on as a referrer: the origin at most, which
    # its form needs (under no-referrer browsers send `Origin: null`, which the CSRF check refuses).
    assert page["Referrer-Policy"] == "strict-origin"
    assert "no-store" in page["Cache-Control"]
    html = page.text
    assert '<html lang="da">' in html
    assert html.count("<fieldset") == 3 and html.count("<legend") == 3  # scale, yes/no and choice
    assert f'<textarea name="q{survey.text.pk}"' in html
    assert "1. I hvor høj grad oplever du, at personalet lytter til dig?" in html
    assert f'type="radio" name="q{survey.scale.pk}" value="i_hoej_grad"' in html
    assert "Hver måned" in html and "Sømand" not in html

    response = client.post(answer_url(code), survey.form_data())
    assert response.status_code == 303
    assert response["Location"] == "/undersoegelse/tak/"
    assert code not in response["Location"] and code.replace("-", "") not in response["Location"]
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200 and thanks["Referrer-Policy"] == "no-referrer"

    stored = SurveyResponse.objects.get()
    assert stored.wave == survey.wave and stored.unit == survey.unit and not stored.via_open_link
    assert stored.submitted_on == today()
    assert {(a.question_id, a.value, a.text) for a in stored.answers.all()} == {
        (survey.scale.pk, "i_hoej_grad", ""),
        (survey.yes_no.pk, "ja", ""),
        (survey.choice.pk, "Hver uge", ""),
        (survey.text.pk, "", "Personalet er søde, men jeg savner at blive ringet op."),
    }
    assert Invitation.objects.get().used_on == today()


def test_optional_questions_may_stay_unanswered(client, survey, code):
    answers = {survey.scale.pk: "ved_ikke", survey.yes_no.pk: "nej"}
    assert client.post(answer_url(code), survey.form_data(answers)).status_code == 303
    assert Answer.objects.count() == 2


def test_the_page_is_english_under_en(client, survey, code):
    html = client.get(f"/en{answer_url(code)}").text
    assert '<html lang="en">' in html
    assert "Survey of relatives" in html
    assert "To a high degree" in html
    assert '<span lang="da">I hvor høj grad oplever du, at personalet lytter til dig?</span>' in html
    assert '<span lang="da">Hver uge</span>' in html


def test_typing_the_code_leads_to_the_answer_page(client, code):
    page = client.get("/undersoegelse/")
    assert page.status_code == 200 and page["Referrer-Policy"] == "strict-origin"
    typed = code.lower().replace("-", " ")
    response = client.post("/undersoegelse/", {"code": typed})
    assert response.status_code == 303 and response["Location"] == answer_url(code)


@pytest.mark.parametrize("typed", ["", "hej", "ACEF-GHJK-MN", "ZZZZ-ZZZZ-ZZ"])
def test_a_wrong_code_typed_gets_a_danish_error(client, survey, typed):
    response = client.post("/undersoegelse/", {"code": typed})
    assert response.status_code == 200
    assert "Der er problemer" in response.text
    assert 'aria-invalid="true"' in response.text
    expected = {
        "": "Type the code from your letter or e-mail.",
        "hej": "A code has 10 letters and digits, for example ACEF-GHJK-MN. Type it as it is in your letter.",
        "ACEF-GHJK-MN": "We cannot find this code. Check that you typed it as it is in your letter.",
    }.get(typed, "A code has 10 letters and digits, for example ACEF-GHJK-MN. Type it as it is in your letter.")
    assert danish(expected) in response.text


# Single use and anonymity


def test_a_code_answers_once(client, survey, code):
    assert client.post(answer_url(code), survey.form_data()).status_code == 303
    again = client.post(answer_url(code), survey.form_data())
    assert again.status_code == 410
    assert danish("This code has already been used") in again.text
    assert SurveyResponse.objects.count() == 1 and Answer.objects.count() == 4
    visit = client.get(answer_url(code))
    assert visit.status_code == 410 and danish("This code has already been used") in visit.text
    assert visit["Referrer-Policy"] == "no-referrer"  # no form on the page, so no referrer at all
    with pytest.raises(services.CodeAlreadyUsed):
        services.submit_response(code=code, answers=survey.full_answers(), today=today())
    assert SurveyResponse.objects.count() == 1


def test_a_response_has_no_link_to_its_invitation_and_only_a_date():
    fields = {field.name: field for field in SurveyResponse._meta.get_fields()}
    # the language it was answered in, one of six, tells no more than the unit does (the dashboard hides small ones)
    assert set(fields) == {"id", "wave", "unit", "submitted_on", "via_open_link", "language", "answers"}
    assert type(fields["submitted_on"]).__name__ == "DateField"
    assert type(fields["id"]).__name__ == "UUIDField"
    assert not any(getattr(field, "related_model", None) is Invitation for field in fields.values())
    assert not any(getattr(field, "related_model", None) is SurveyResponse for field in Invitation._meta.get_fields())
    answer_fields = {field.name for field in Answer._meta.get_fields()}
    assert answer_fields == {"id", "response", "question", "value", "text"}


def test_a_stored_response_holds_a_random_id_and_the_day(client, survey, code):
    client.post(answer_url(code), survey.form_data())
    row = SurveyResponse.objects.values().get()
    assert set(row) == {"id", "wave_id", "unit_id", "submitted_on", "via_open_link", "language"}
    assert row["language"] == "da"
    assert row["submitted_on"] == today() and row["id"].version == 4


# Bad input: Danish messages, no 500, nothing saved, the code still unused


def bad_inputs(survey):
    number_of = {question.pk: number for number, question in enumerate(survey.questions, 1)}
    too_long = "x" * (rules.MAX_TEXT_LENGTH + 1)
    return {
        "invalid scale value": (
            {**survey.form_data(), f"q{survey.scale.pk}": "fantastisk"},
            rules.invalid_choice_message(number_of[survey.scale.pk]),
        ),
        "invalid choice": (
            {**survey.form_data(), f"q{survey.choice.pk}": "Hver dag"},
            rules.invalid_choice_message(number_of[survey.choice.pk]),
        ),
        "missing required": (
            {key: value for key, value in survey.form_data().items() if key != f"q{survey.yes_no.pk}"},
            rules.required_message(survey.yes_no, number_of[survey.yes_no.pk]),
        ),
        "tampered question id": (
            {**survey.form_data(), f"q{survey.text.pk + 1000}": "ja"},
            rules.mismatch_message(),
        ),
        "renamed question": (
            {
                **{key: value for key, value in survey.form_data().items() if key != f"q{survey.choice.pk}"},
                f"q{survey.choice.pk + 7}": "Hver uge",
            },
            rules.mismatch_message(),
        ),
        "too long text": (
            {**survey.form_data(), f"q{survey.text.pk}": too_long},
            rules.too_long_message(number_of[survey.text.pk]),
        ),
        "nothing answered": ({}, rules.required_message(survey.scale, 1)),
    }


@pytest.mark.parametrize(
    "case",
    [
        "invalid scale value",
        "invalid choice",
        "missing required",
        "tampered question id",
        "renamed question",
        "too long text",
        "nothing answered",
    ],
)
def test_bad_answers_get_danish_messages_and_save_nothing(client, survey, code, case):
    data, message = bad_inputs(survey)[case]
    response = client.post(answer_url(code), data)
    assert response.status_code == 200
    assert "Der er problemer" in response.text
    assert danish(message) in response.text
    assert not SurveyResponse.objects.exists() and not Answer.objects.exists()
    assert Invitation.objects.get().used_on is None


def test_errors_are_linked_from_the_summary_to_their_field(client, survey, code):
    data = {f"q{survey.yes_no.pk}": "ja"}
    html = client.post(answer_url(code), data).text
    assert f'href="#id_q{survey.scale.pk}_0"' in html
    assert f'aria-describedby="id_q{survey.scale.pk}_error"' in html


def test_a_survey_with_only_optional_questions_refuses_an_empty_answer(client, survey, code):
    Question.objects.filter(survey=survey.survey).update(required=False)
    response = client.post(answer_url(code), {})
    assert response.status_code == 200
    assert danish(rules.nothing_answered_message()) in response.text
    assert not SurveyResponse.objects.exists()


def test_the_service_checks_the_answers_as_well(survey, code, other_municipality):
    foreign = open_survey(other_municipality)
    for answers in [
        {**survey.full_answers(), foreign.scale.pk: "i_hoej_grad"},  # another survey's question
        {**survey.full_answers(), "q1": "ja"},
        {**survey.full_answers(), survey.text.pk + 0.5: "ja"},
        {**survey.full_answers(), survey.scale.pk: ["i_hoej_grad"]},
        {survey.text.pk: "kun tekst"},
    ]:
        with pytest.raises(ValidationError):
            services.submit_response(code=code, answers=answers, today=today())
    assert not SurveyResponse.objects.exists() and Invitation.objects.get().used_on is None


@pytest.mark.parametrize(
    "path", ["/undersoegelse/ZZZZ-ZZZZ-ZZ/", "/undersoegelse/ACEF-GHJK-MN/", "/undersoegelse/123456/"]
)
def test_a_nonsense_code_in_the_link_gets_a_friendly_page(client, survey, path):
    for response in [client.get(path), client.post(path, survey.form_data())]:
        assert response.status_code == 404
        assert danish("We cannot find this code.") in response.text
        assert response["Referrer-Policy"] == "no-referrer"
    assert not SurveyResponse.objects.exists()
    with pytest.raises(services.UnknownCode):
        services.submit_response(code="ACEF-GHJK-MN", answers=survey.full_answers(), today=today())


def test_a_closed_wave_says_so(client, survey, code):
    Wave.objects.filter(pk=survey.wave.pk).update(opens_on=today() - timedelta(30), closes_on=today() - timedelta(1))
    for response in [client.get(answer_url(code)), client.post(answer_url(code), survey.form_data())]:
        assert response.status_code == 410
        assert danish("The survey is closed") in response.text
    assert not SurveyResponse.objects.exists() and Invitation.objects.get().used_on is None
    with pytest.raises(services.SurveyClosed):
        services.submit_response(code=code, answers=survey.full_answers(), today=today())


def test_a_wave_that_has_not_opened_says_when_it_opens(client, survey, code):
    Wave.objects.filter(pk=survey.wave.pk).update(opens_on=today() + timedelta(3), closes_on=today() + timedelta(30))
    response = client.get(answer_url(code))
    assert response.status_code == 200 and danish("The survey has not opened yet") in response.text
    client.post(answer_url(code), survey.form_data())
    assert not SurveyResponse.objects.exists()


# The open link


def test_the_open_link_takes_answers_up_to_its_limit(client, municipality):
    survey = open_survey(municipality, open_link_limit=3)
    url = f"/undersoegelse/aaben/{survey.wave.open_link_key}/"
    for number in range(3):
        response = client.post(url, survey.form_data(), REMOTE_ADDR=f"10.0.0.{number}")
        assert response.status_code == 303 and response["Location"] == "/undersoegelse/tak/"
    full = client.post(url, survey.form_data(), REMOTE_ADDR="10.0.0.99")
    assert full.status_code == 410 and danish("The open link takes no more answers") in full.text
    assert client.get(url).status_code == 410
    assert SurveyResponse.objects.filter(via_open_link=True, unit=None).count() == 3
    with pytest.raises(services.OpenLinkFull):
        services.submit_response(open_link_key=survey.wave.open_link_key, answers=survey.full_answers(), today=today())
    assert SurveyResponse.objects.count() == 3


def test_an_unknown_open_link_is_a_friendly_404(client, survey):
    response = client.get("/undersoegelse/aaben/00000000-0000-4000-8000-000000000000/")
    assert response.status_code == 404 and danish("We cannot find this survey") in response.text


def test_one_client_may_send_only_so_many_answers_an_hour(client, survey, settings):
    from django.core.cache import cache

    settings.SURVEY_OPEN_LINK_ANSWERS_PER_HOUR = 2
    url = f"/undersoegelse/aaben/{survey.wave.open_link_key}/"
    assert client.post(url, survey.form_data(), REMOTE_ADDR="192.0.2.7").status_code == 303
    refused = client.post(url, {}, REMOTE_ADDR="192.0.2.7")  # a refused answer does not count
    assert refused.status_code == 200 and "Der er problemer" in refused.text
    assert client.post(url, survey.form_data(), REMOTE_ADDR="192.0.2.7").status_code == 303
    limited = client.post(url, survey.form_data(), REMOTE_ADDR="192.0.2.7")
    assert limited.status_code == 429
    assert danish("Too many answers from this connection") in limited.text
    assert client.post(url, survey.form_data(), REMOTE_ADDR="192.0.2.8").status_code == 303
    assert SurveyResponse.objects.count() == 3
    keys = " ".join(str(key) for key in cache._cache)  # the address is hashed, never kept
    assert "surveys:rate:open:" in keys and "192.0.2" not in keys


def test_behind_a_proxy_the_client_is_read_from_x_forwarded_for(client, survey, settings):
    settings.SURVEY_OPEN_LINK_ANSWERS_PER_HOUR = 1
    settings.PROXY_COUNT = 1
    url = f"/undersoegelse/aaben/{survey.wave.open_link_key}/"
    for forwarded, status in [("198.51.100.1", 303), ("198.51.100.1", 429), ("6.6.6.6, 198.51.100.2", 303)]:
        response = client.post(url, survey.form_data(), REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
        assert response.status_code == status


def test_guessing_codes_is_limited_per_client(client, survey, code, settings):
    settings.SURVEY_CODE_MISSES_PER_HOUR = 3
    for _attempt in range(3):
        client.post("/undersoegelse/", {"code": "ACEF-GHJK-MN"}, REMOTE_ADDR="203.0.113.5")
    blocked = client.post("/undersoegelse/", {"code": code}, REMOTE_ADDR="203.0.113.5")
    assert blocked.status_code == 429 and danish("Too many attempts") in blocked.text
    assert client.get(answer_url(code), REMOTE_ADDR="203.0.113.5").status_code == 429
    assert client.post("/undersoegelse/", {"code": code}, REMOTE_ADDR="203.0.113.6").status_code == 303


# Concurrency: one invitation, many simultaneous submissions


def run_at_once(attempt, how_many: int) -> list[str]:
    """`how_many` calls of `attempt`, from as many threads released together on PostgreSQL.

    SQLite lets one connection write at a time (and the test database lives in memory), so there the
    same attempts run one after another.
    """
    outcomes: list[str] = []
    lock = threading.Lock()

    def record(outcome: str) -> None:
        with lock:
            outcomes.append(outcome)

    if connection.vendor != "postgresql":
        for _attempt in range(how_many):
            record(attempt())
        return outcomes
    barrier = threading.Barrier(how_many)

    def worker() -> None:
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=30)
            record(attempt())
        except Exception as error:
            record(f"error: {error!r}")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=worker) for _thread in range(how_many)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_submissions_of_one_invitation_store_exactly_one_response(municipality):
    survey = open_survey(municipality)
    # Made directly: one invitation is all this test needs.
    code = codes.grouped(codes.new_code())
    Invitation.objects.create(wave=survey.wave, unit=survey.unit, code_digest=codes.digest(codes.normalize(code)))
    answers = survey.full_answers()

    def attempt() -> str:
        try:
            services.submit_response(code=code, answers=answers, today=today())
        except services.CodeAlreadyUsed:
            return "already used"
        return "saved"

    outcomes = run_at_once(attempt, 50)
    assert sorted(set(outcomes)) == ["already used", "saved"], outcomes
    assert outcomes.count("saved") == 1 and outcomes.count("already used") == 49
    assert SurveyResponse.objects.count() == 1
    assert Answer.objects.count() == len(answers)
    assert Invitation.objects.get().used_on == today()


@pytest.mark.django_db(transaction=True)
def test_concurrent_open_link_answers_never_pass_the_limit(municipality):
    survey = open_survey(municipality, open_link_limit=5)

    def attempt() -> str:
        try:
            services.submit_response(
                open_link_key=survey.wave.open_link_key, answers=survey.full_answers(), today=today()
            )
        except services.OpenLinkFull:
            return "full"
        return "saved"

    outcomes = run_at_once(attempt, 20)
    assert outcomes.count("saved") == 5 and outcomes.count("full") == 15, outcomes
    assert SurveyResponse.objects.filter(via_open_link=True).count() == 5


# The managers' pages


@pytest.fixture
def invitations_url(survey) -> str:
    return f"/personale/undersoegelser/runde/{survey.wave.pk}/invitationer/"


def test_a_manager_sees_the_municipalitys_surveys_only(client, manager, survey, other_municipality):
    foreign = open_survey(other_municipality, unit_name="Bofællesskabet Anden")
    Wave.objects.filter(pk=foreign.wave.pk).update(name="Fremmed runde")
    client.force_login(manager)
    page = client.get("/personale/undersoegelser/")
    assert page.status_code == 200
    assert survey.survey.title in page.text and "Plejecentret Solgården" in page.text
    assert "Fremmed runde" not in page.text and "Bofællesskabet Anden" not in page.text
    assert f"/personale/undersoegelser/runde/{survey.wave.pk}/invitationer/" in page.text
    assert str(survey.wave.open_link_key) in page.text
    assert "/personale/undersoegelser/" in client.get("/personale/").text


def test_another_municipalitys_wave_is_404(client, manager, other_municipality):
    foreign = open_survey(other_municipality)
    client.force_login(manager)
    url = f"/personale/undersoegelser/runde/{foreign.wave.pk}/invitationer/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"unit": foreign.unit.pk, "delivery": "letters", "count": 3}).status_code == 404
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.EDITOR, Role.MUNICIPALITY_ADMIN])
def test_other_roles_are_refused(client, municipality, survey, invitations_url, role):
    client.force_login(StaffFactory(municipality=municipality, roles=[role]))
    assert client.get("/personale/undersoegelser/").status_code == 403
    assert client.get(invitations_url).status_code == 403
    assert client.post(invitations_url, {"unit": survey.unit.pk, "delivery": "letters", "count": 3}).status_code == 403
    assert "/personale/undersoegelser/" not in client.get("/personale/").text
    assert not Invitation.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login_page(client, invitations_url):
    response = client.get(invitations_url)
    assert response.status_code == 302 and response["Location"].startswith("/konto/log-ind/")


def test_printed_letters_show_each_code_once(client, manager, survey, invitations_url):
    client.force_login(manager)
    form = client.get(invitations_url)
    assert form.status_code == 200 and "Plejecentret Solgården" in form.text
    response = client.post(invitations_url, {"unit": survey.unit.pk, "delivery": "letters", "count": 3})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    made = sorted(set(GROUPED_CODE.findall(response.text)))
    assert len(made) == 3
    assert response.text.count('class="survey-letter"') == 3
    assert response.text.count(survey.municipality.name) >= 3
    assert "Vi vil gerne vide, hvordan du oplever samarbejdet med os." in response.text
    for code in made:
        assert f"http://testserver/undersoegelse/{code}/" in response.text
    assert Invitation.objects.filter(unit=survey.unit, used_on=None).count() == 3
    assert not GROUPED_CODE.search(client.get(invitations_url).text)  # never shown again

    client.logout()
    assert client.post(answer_url(made[0]), survey.form_data()).status_code == 303


def test_the_invitation_form_explains_its_errors(client, manager, survey, invitations_url, municipality):
    outside = Unit.objects.create(municipality=municipality, name="Hjemmeplejen Syd", area="aeldre")
    client.force_login(manager)
    for data in [
        {"unit": survey.unit.pk, "delivery": "letters"},
        {"unit": survey.unit.pk, "delivery": "letters", "count": 0},
        {"unit": outside.pk, "delivery": "letters", "count": 2},
        {"unit": survey.unit.pk, "delivery": "email", "emails": "ikke en adresse"},
        {"unit": survey.unit.pk, "delivery": "email", "emails": ""},
    ]:
        response = client.post(invitations_url, data)
        assert response.status_code == 200 and "Der er problemer" in response.text, data
    assert not Invitation.objects.exists() and not mail.outbox


# E-mailed invitations go through the task queue to a real SMTP server: tests/test_invitation_emails.py and
# tests/test_queue_workers.py.


# Fixed query counts


def test_the_answer_pages_run_a_fixed_number_of_queries(client, survey, code, django_assert_num_queries):
    with django_assert_num_queries(2):  # the invitation, the questions
        assert client.get(answer_url(code)).status_code == 200
    with django_assert_num_queries(2):  # the same; the form refuses the answers before the service is asked
        assert client.post(answer_url(code), {}).status_code == 200
    # The invitation and the questions, once for the form and the service; the service looks the code up
    # itself, then a savepoint around: the code marked used, the response, its answers in one insert.
    with django_assert_num_queries(8):
        assert client.post(answer_url(code), survey.form_data()).status_code == 303
    # The wave and its open-link count, the questions; the service's own look-up of the wave, then a
    # savepoint around: the wave locked, counted again, the response, its answers.
    with django_assert_num_queries(10):
        assert client.post(f"/undersoegelse/aaben/{survey.wave.open_link_key}/", survey.form_data()).status_code == 303


def test_the_managers_pages_run_a_fixed_number_of_queries(
    client, manager, survey, invitations_url, django_assert_num_queries
):
    client.force_login(manager)
    client.get("/personale/")  # the session is warm
    with django_assert_num_queries(6):  # session, user, groups, surveys, their waves with counts, the waves' units
        assert client.get("/personale/undersoegelser/").status_code == 200
    with django_assert_num_queries(6):  # session, user, groups, the wave, its units (counted, then listed)
        assert client.get(invitations_url).status_code == 200
    # The same six; the service's checks (the wave and the unit are the manager's), then a savepoint around:
    # the codes checked against those made before, and made in one insert.
    with django_assert_num_queries(12):
        response = client.post(invitations_url, {"unit": survey.unit.pk, "delivery": "letters", "count": 3})
    assert response.status_code == 200 and len(set(GROUPED_CODE.findall(response.text))) == 3
