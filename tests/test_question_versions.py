"""A question's wording and choices are locked once it has answers: a change makes a new version, the old
answers keep the wording they answered, and results never count two versions together (issue 15)."""

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from portal.roles import Role
from portal.translations import TextState
from surveys import selectors, services
from surveys.models import Answer, Question
from surveys.results import survey_results
from tests.factories import (
    IndicatorFactory,
    QuestionFactory,
    StaffFactory,
    SuperuserFactory,
    SurveyFactory,
    UnitFactory,
    WaveFactory,
)
from tests.scenarios import add_answers, scale

TODAY = timezone.localdate()


def test_rewording_a_question_with_answers_makes_a_new_version(client, db, municipality):
    survey = SurveyFactory(municipality=municipality)
    question = QuestionFactory(survey=survey, text="Bliver du mødt med respekt?", order=1)
    indicator = IndicatorFactory(question=question, name="Respekt", target=0.75)
    unit = UnitFactory(municipality=municipality, name="Ahornhuset")
    old_wave = WaveFactory(survey=survey, name="2025", opens_on=date(2025, 3, 1), closes_on=date(2025, 4, 1))
    add_answers(old_wave, unit, {question: scale(high=6)})

    question.text = "Oplever du, at personalet møder dig med respekt?"
    services.save_questions(questions=[question])

    old, new = Question.objects.get(pk=question.pk), Question.objects.get(previous=question)
    assert old.text == "Bliver du mødt med respekt?" and not old.is_current
    assert new.text == "Oplever du, at personalet møder dig med respekt?" and new.is_current
    assert set(Answer.objects.values_list("question_id", flat=True)) == {old.pk}  # old answers, old wording
    indicator.refresh_from_db()
    assert indicator.question == new

    new_wave = WaveFactory(
        survey=survey, name="I gang", opens_on=TODAY - timedelta(days=1), closes_on=TODAY + timedelta(days=5)
    )
    assert [q.text for q in selectors.questions_of(new_wave)] == [new.text]  # the form asks the new wording
    add_answers(new_wave, unit, {new: scale(some=5)})
    results = survey_results(survey)
    assert results.get(indicator, new_wave).figure.n == 5  # the new version's answers only
    assert results.get(indicator, old_wave).figure is None  # never the old version's together with them

    client.force_login(StaffFactory(municipality=municipality, roles=[Role.MANAGER]))
    rows = b"".join(client.get(reverse("surveys:answers-csv", args=[survey.pk])).streaming_content).decode()
    assert "Bliver du mødt med respekt?" in rows and "Oplever du, at personalet" in rows


def test_a_question_without_answers_is_changed_in_place(db, municipality):
    question = QuestionFactory(survey=SurveyFactory(municipality=municipality), text="Før", order=1)
    question.text = "Efter"
    services.save_questions(questions=[question])
    assert Question.objects.get().text == "Efter"


def test_changing_only_the_order_or_required_keeps_the_version(db, municipality):
    survey = SurveyFactory(municipality=municipality)
    question = QuestionFactory(survey=survey, text="Respekt?", order=1)
    add_answers(
        WaveFactory(survey=survey, name="2025", opens_on=date(2025, 3, 1), closes_on=date(2025, 4, 1)),
        None,
        {question: scale(high=1)},
    )
    question.order, question.required = 5, True
    services.save_questions(questions=[question])
    assert Question.objects.count() == 1 and Question.objects.get().order == 5


def test_the_admin_edits_only_current_versions(admin_client, db, municipality):
    from django.contrib.admin.sites import site

    from surveys.admin import QuestionInline

    survey = SurveyFactory(municipality=municipality)
    question = QuestionFactory(survey=survey, text="Gammel", order=1)
    add_answers(
        WaveFactory(survey=survey, name="2025", opens_on=date(2025, 3, 1), closes_on=date(2025, 4, 1)),
        None,
        {question: scale(high=1)},
    )
    question.text = "Ny"
    services.save_questions(questions=[question])
    request = admin_client.get("/").wsgi_request
    request.user = SuperuserFactory()
    inline = QuestionInline(Question, site)
    assert [q.text for q in inline.get_queryset(request)] == ["Ny"]


def test_every_ready_questionnaire_asks_every_question_in_english_too(client, policies):
    """The English form has English questions under its English answer labels (the portal's translation)."""
    from surveys.models import Survey
    from surveys.survey_fixtures import load_survey, survey_fixture_paths

    for path in survey_fixture_paths():
        load_survey(path)
    for survey in Survey.objects.prefetch_related("questions", "questions__indicators"):
        assert survey.translated("title", "en").state == TextState.DRAFT  # the portal's, not yet checked
        assert "English translation by the portal" in survey.translated("intro", "en")
        for question in survey.questions.all():
            text = question.translated("text", "en")
            assert text.state == TextState.DRAFT and text != question.text, question.text
            assert all(indicator.translated("name", "en").lang == "en" for indicator in question.indicators.all())
    survey = Survey.objects.get(municipality__slug="haderslev")
    wave = WaveFactory(
        survey=survey, name="Åben", opens_on=TODAY - timedelta(days=1), closes_on=TODAY + timedelta(days=3)
    )
    wave.open_link_key = "0b6f5b8e-54a1-4d2e-9d0e-8a3f8b0c1d22"
    wave.save()
    html = client.get("/en" + reverse("surveys:open-link", args=[wave.open_link_key])).text
    assert "To what degree do you feel met with respect and curiosity?" in html
    assert "I hvilken grad oplever du at blive mødt med respekt" not in html
