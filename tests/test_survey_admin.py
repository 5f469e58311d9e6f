"""A manager (Leder, staff) sets up the survey in the admin: questionnaire, indicators, waves, outside results.

Nothing is typed as JSON: answers are written one per line, positive answers are ticked, and a result
measured outside the portal is entered as share and n. Every choice is the manager's own municipality's,
every mistake gets a Danish message on its field, and nothing is saved then.
"""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.errors import RuleViolation
from portal.models import Unit
from portal.roles import Role
from surveys import services
from surveys.models import Answer, ExternalResult, Indicator, Invitation, Question, Survey, SurveyResponse, Wave
from surveys.results import survey_results
from tests.factories import IndicatorFactory, PageFactory, StaffFactory
from tests.scenarios import open_survey

ADD = {name: reverse(f"admin:surveys_{name}_add") for name in ["survey", "indicator", "wave"]}
TOP_TWO = ["i_meget_hoej_grad", "i_hoej_grad"]


def change_url(obj) -> str:
    return reverse(f"admin:surveys_{obj._meta.model_name}_change", args=[obj.pk])


def errors_of(response, field: str = "") -> str:
    """The errors on an admin page: of one field ("nonfield": a form's own, "nonform": an inline's own), or all."""
    if field in ("nonfield", "nonform"):
        opening = re.escape(f'<ul class="errorlist {field}">')
    elif field:
        opening = re.escape(f'<ul class="errorlist" id="id_{field}_error">')
    else:
        opening = r'<ul class="errorlist[^"]*"[^>]*>'
    return " ".join(re.findall(rf"{opening}(.*?)</ul>", response.text, re.S))


@pytest.fixture
def theme(municipality):
    return PageFactory(
        municipality=municipality, slug="tema-1-respekt", title="Tema 1: Vi møder dig med respekt", kind="theme"
    )


@pytest.fixture
def foreign_theme(other_municipality):
    return PageFactory(municipality=other_municipality, slug="fremmed-tema", title="Fremmed tema", kind="theme")


@pytest.fixture
def own(municipality):
    """The manager's survey: a scale, a yes/no, a single-choice and a free-text question, a wave and a unit."""
    return open_survey(municipality, unit_name="Plejecentret Egen")


@pytest.fixture
def foreign(other_municipality):
    return open_survey(other_municipality, unit_name="Plejecentret Fremmed")


@pytest.fixture
def staff_client(client, manager):
    client.force_login(manager)
    return client


# --- form data as the admin posts it -----------------------------------------------------------------


def survey_data(*questions: dict, **fields) -> dict:
    data = {"title": "Pårørendeundersøgelse 2026", "intro": "Tak, fordi du svarer."}
    data |= {"questions-TOTAL_FORMS": len(questions), "questions-INITIAL_FORMS": 0}
    for index, question in enumerate(questions):
        values = {"order": index + 1, "text": f"Spørgsmål {index + 1}", "choices": "", "theme": ""}
        data |= {f"questions-{index}-{key}": value for key, value in (values | question).items()}
    return data | fields


def indicator_data(question, **fields) -> dict:
    data = {
        "question": question.pk, "name": "Mødt med respekt", "theme": "", "order": 1, "target": "", "deadline": "",
        "baseline": "", "baseline_date": "", "baseline_n": "", "baseline_note": "",
    }  # fmt: skip
    return {key: value for key, value in (data | fields).items() if value is not None}


def wave_data(survey, *results: dict, **fields) -> dict:
    data = {
        "survey": survey.pk, "name": "2026", "opens_on": "2026-03-01", "closes_on": "2026-04-30",
        "open_link_limit": 500, "external_results-TOTAL_FORMS": len(results), "external_results-INITIAL_FORMS": 0,
    }  # fmt: skip
    for index, result in enumerate(results):
        values = {"unit": "", "dont_know": 0}
        data |= {f"external_results-{index}-{key}": value for key, value in (values | result).items()}
    return {key: value for key, value in (data | fields).items() if value is not None}


def saved(response) -> bool:
    return response.status_code == 302


# --- 1. the set-up, start to end ----------------------------------------------------------------------


def test_manager_adds_a_survey_with_every_kind_of_question(staff_client, manager, theme):
    response = staff_client.post(
        ADD["survey"],
        survey_data(
            {"kind": "scale", "required": "on", "text": "Bliver du mødt med respekt?", "theme": theme.pk},
            {"kind": "yes_no", "text": "Ved du, hvem du kan kontakte?"},
            {"kind": "choice", "text": "Hvor ofte besøger du?", "choices": "Hver uge\r\n Hver måned \r\n\r\nSjældnere"},
            {"kind": "text", "text": "Er der andet, du vil fortælle os?"},
        ),
    )
    assert saved(response), errors_of(response)
    survey = Survey.objects.get(title="Pårørendeundersøgelse 2026")
    assert survey.municipality == manager.municipality
    questions = list(survey.questions.order_by("order"))
    assert [question.kind for question in questions] == ["scale", "yes_no", "choice", "text"]
    assert questions[0].required and questions[0].theme == theme
    assert questions[2].choices == ["Hver uge", "Hver måned", "Sjældnere"]
    assert [question.choices for question in questions if question.kind != "choice"] == [[], [], []]


def test_a_single_choice_questions_answers_are_shown_one_per_line_and_kept_on_saving(staff_client, own):
    page = staff_client.get(change_url(own.survey))
    assert page.status_code == 200
    assert "Hver uge\nHver måned\nSjældnere</textarea>" in page.text
    assert "[&quot;Hver uge&quot;" not in page.text  # no JSON to edit

    data = survey_data(**{"questions-TOTAL_FORMS": 4, "questions-INITIAL_FORMS": 4})
    for index, question in enumerate(own.questions):
        data |= {
            f"questions-{index}-id": question.pk, f"questions-{index}-survey": own.survey.pk,
            f"questions-{index}-order": question.order, f"questions-{index}-kind": question.kind,
            f"questions-{index}-text": question.text,
            f"questions-{index}-choices": "\r\n".join(question.choices), f"questions-{index}-theme": "",
        }  # fmt: skip
    data["questions-2-choices"] += "\r\nAldrig"
    assert saved(staff_client.post(change_url(own.survey), data))
    own.choice.refresh_from_db()
    assert own.choice.choices == ["Hver uge", "Hver måned", "Sjældnere", "Aldrig"]


def test_an_indicator_left_without_positive_answers_counts_the_top_two(staff_client, own, theme):
    response = staff_client.post(
        ADD["indicator"],
        indicator_data(
            own.scale, target="0.75", deadline="2027-12-31", baseline="0.66", baseline_date="2021-03-01",
            baseline_n="412", baseline_note="Målt i 2021 uden for portalen.", theme=theme.pk, is_headline="on",
        ),
    )  # fmt: skip
    assert saved(response), errors_of(response)
    indicator = Indicator.objects.get()
    assert indicator.positive_answers == TOP_TWO
    assert (indicator.target, indicator.deadline) == (Decimal("0.75"), date(2027, 12, 31))
    assert (indicator.baseline, indicator.baseline_date, indicator.baseline_n) == (
        Decimal("0.66"), date(2021, 3, 1), 412,
    )  # fmt: skip
    assert indicator.theme == theme and indicator.is_headline


@pytest.mark.parametrize(
    ("question", "ticked", "stored"),
    [
        ("scale", ["i_meget_hoej_grad"], ["i_meget_hoej_grad"]),
        ("scale", [*TOP_TWO, "i_nogen_grad"], [*TOP_TWO, "i_nogen_grad"]),
        ("scale", ["i_hoej_grad", "i_meget_hoej_grad"], ["i_hoej_grad", "i_meget_hoej_grad"]),
        ("yes_no", [], ["ja"]),
        ("yes_no", ["nej"], ["nej"]),
        ("choice", ["Hver uge", "Hver måned"], ["Hver uge", "Hver måned"]),
    ],
)  # fmt: skip
def test_ticked_positive_answers_are_stored_exactly(staff_client, own, question, ticked, stored):
    response = staff_client.post(ADD["indicator"], indicator_data(getattr(own, question), positive_answers=ticked))
    assert saved(response), errors_of(response)
    assert Indicator.objects.get().positive_answers == stored


def tick_boxes(page: str) -> list[tuple[str, str, bool]]:
    """The positive-answer tick boxes on an indicator page: (value, label, ticked)."""
    found = re.findall(
        r'<input type="checkbox" name="positive_answers" value="([^"]*)" id="[^"]*"( checked)?>\s*([^<]*?)\s*</label>',
        page,
    )
    return [(value, label, bool(ticked)) for value, ticked, label in found]


def test_positive_answers_are_tick_boxes_of_the_questions_own_answers_in_danish(staff_client, own):
    scale = Indicator.objects.create(question=own.scale, name="Lyttet til", positive_answers=["i_meget_hoej_grad"])
    assert tick_boxes(staff_client.get(change_url(scale)).text) == [
        ("i_meget_hoej_grad", "I meget høj grad", True),
        ("i_hoej_grad", "I høj grad", False),
        ("i_nogen_grad", "I nogen grad", False),
        ("i_mindre_grad", "I mindre grad", False),
        ("slet_ikke", "Slet ikke", False),
    ]  # "don't know" is never positive, so it is not offered

    choice = Indicator.objects.create(question=own.choice, name="Besøger ofte", positive_answers=["Sjældnere"])
    assert tick_boxes(staff_client.get(change_url(choice)).text) == [
        ("Hver uge", "Hver uge", False), ("Hver måned", "Hver måned", False), ("Sjældnere", "Sjældnere", True),
    ]  # fmt: skip

    page = staff_client.get(f"{ADD['indicator']}?question={own.yes_no.pk}").text  # the question given in the URL
    assert tick_boxes(page) == [("ja", "Ja", False), ("nej", "Nej", False)]

    page = staff_client.get(ADD["indicator"]).text  # no question chosen yet: every kind's answers, by kind
    assert [value for value, _label, _ticked in tick_boxes(page)] == [
        "i_meget_hoej_grad", "i_hoej_grad", "i_nogen_grad", "i_mindre_grad", "slet_ikke", "ja", "nej",
        "Hver uge", "Hver måned", "Sjældnere",
    ]  # fmt: skip
    for group in ["Skala med fem trin", "Ja eller nej", own.choice.text]:
        assert f"<label>{group}</label>" in page
    assert ">Spørgsmål:</label>" in page and "<label>Svar, der tæller som positive:</label>" in page


def test_manager_adds_a_wave_of_own_units_with_an_open_link(staff_client, own):
    other_unit = Unit.objects.create(municipality=own.municipality, name="Hjemmeplejen Nord", area="aeldre")
    response = staff_client.post(
        ADD["wave"], wave_data(own.survey, units=[own.unit.pk, other_unit.pk], has_open_link="on")
    )
    assert saved(response), errors_of(response)
    wave = Wave.objects.get(name="2026")
    assert set(wave.units.all()) == {own.unit, other_unit}
    assert wave.open_link_key is not None and not wave.is_external
    page = staff_client.get(change_url(wave))
    assert f"/undersoegelse/aaben/{wave.open_link_key}/" in page.text
    assert 'name="open_link_key"' not in page.text  # nobody types a UUID
    assert page.context["inline_admin_formsets"] == []  # no results from outside on a wave run in the portal
    assert '<label class="required" for="id_survey">Undersøgelse:</label>' in page.text  # labelled in Danish


def test_an_external_wave_takes_results_as_share_and_n_and_joins_the_trend(staff_client, own):
    indicator = Indicator.objects.create(question=own.scale, name="Lyttet til", positive_answers=TOP_TWO)
    response = staff_client.post(
        ADD["wave"],
        wave_data(
            own.survey,
            {"indicator": indicator.pk, "share": "66", "n": "412", "dont_know": "9"},
            {"indicator": indicator.pk, "unit": own.unit.pk, "share": "62.5", "n": "40"},
            name="Marts 2021", opens_on="2021-03-01", closes_on="2021-03-31", is_external="on",
        ),
    )  # fmt: skip
    assert saved(response), errors_of(response)
    wave = Wave.objects.get(name="Marts 2021")
    total, unit = wave.external_results.get(unit=None), wave.external_results.get(unit=own.unit)
    assert (total.positive, total.n, total.dont_know) == (272, 412, 9)  # round(66 × 412 / 100) = round(271.92)
    assert (unit.positive, unit.n) == (25, 40)

    page = staff_client.get(change_url(wave)).text
    assert 'value="66.0"' in page and 'value="62.5"' in page  # the share shown again is positive / n
    assert "272" in page and ">Enhed:</label>" in page and ">Andel, der svarer positivt (%):</label>" in page

    trend = survey_results(own.survey).trend(indicator)
    assert [result.wave for result in trend] == [wave, own.wave]
    assert (trend[0].figure.positive, trend[0].figure.n) == (272, 412)


def test_saving_an_external_wave_again_keeps_the_counts(staff_client, own):
    indicator = Indicator.objects.create(question=own.scale, name="Lyttet til", positive_answers=TOP_TWO)
    wave = Wave.objects.create(
        survey=own.survey, name="2021", opens_on=date(2021, 3, 1), closes_on=date(2021, 3, 31), is_external=True
    )
    result = ExternalResult.objects.create(wave=wave, indicator=indicator, positive=1333, n=2003)  # 66.55 %
    data = wave_data(
        own.survey, name="2021", opens_on="2021-03-01", closes_on="2021-03-31", is_external="on",
        **{"external_results-TOTAL_FORMS": 1, "external_results-INITIAL_FORMS": 1},
    )  # fmt: skip
    data |= {
        "external_results-0-id": result.pk, "external_results-0-wave": wave.pk,
        "external_results-0-indicator": indicator.pk, "external_results-0-unit": "",
        "external_results-0-share": "66.6", "external_results-0-n": "2003", "external_results-0-dont_know": "0",
    }  # fmt: skip
    assert saved(staff_client.post(change_url(wave), data))
    result.refresh_from_db()
    assert (result.positive, result.n) == (1333, 2003)  # unchanged share and n: the count stays exact

    data["external_results-0-n"] = "1000"
    assert saved(staff_client.post(change_url(wave), data))
    result.refresh_from_db()
    assert (result.positive, result.n) == (666, 1000)


# --- 2. scoping ---------------------------------------------------------------------------------------


def survey_rows(data) -> dict:
    """One row of each of the survey's models for `data` (tests.scenarios.open_survey): made through the services."""
    indicator = services.save_indicator(indicator=Indicator(question=data.scale, name="Lyttet til"))
    external = services.save_wave(
        wave=Wave(
            survey=data.survey, name="2021", opens_on=date(2021, 3, 1), closes_on=date(2021, 3, 31), is_external=True
        )
    )
    services.save_external_results(results=[ExternalResult(wave=external, indicator=indicator, positive=6, n=10)])
    manager = StaffFactory(municipality=data.municipality, roles=[Role.MANAGER])
    services.generate_invitations(wave=data.wave, unit=data.unit, count=1, acting_user=manager)
    services.submit_response(
        open_link_key=data.wave.open_link_key, answers=data.full_answers(), today=data.wave.opens_on
    )
    return {"manager": manager, "indicator": indicator}


SURVEY_MODELS = (Survey, Question, Indicator, Wave, Invitation, SurveyResponse, Answer, ExternalResult)


def test_the_survey_policy_gives_a_manager_their_own_municipalitys_rows_and_nobody_else_any(own, foreign, municipality):
    from surveys.access import survey_policy
    from tests.factories import SuperuserFactory

    mine, theirs = survey_rows(own), survey_rows(foreign)
    for model in SURVEY_MODELS:
        everything = set(model.objects.all())
        own_rows = set(survey_policy.visible(mine["manager"], model))
        their_rows = set(survey_policy.visible(theirs["manager"], model))
        assert own_rows and their_rows and not own_rows & their_rows, model
        assert own_rows | their_rows == everything, model
        assert set(survey_policy.visible(SuperuserFactory(), model)) == everything, model
        for role in [Role.CASEWORKER, Role.EDITOR, Role.MUNICIPALITY_ADMIN]:
            assert not survey_policy.visible(
                StaffFactory(municipality=municipality, roles=[role], is_staff=True), model
            ).exists(), (
                model,
                role,
            )
    assert survey_policy.may_change(mine["manager"], own.wave) and not survey_policy.may_change(
        mine["manager"], foreign.wave
    )
    assert survey_policy.may_hand_out_invitations(mine["manager"], own.wave)
    assert not survey_policy.may_hand_out_invitations(SuperuserFactory(), own.wave)  # a superuser is no manager
    assert not survey_policy.may_hand_out_invitations(theirs["manager"], own.wave)


def choices(form, name) -> set:
    return set(form.fields[name].queryset)


def test_every_choice_is_the_managers_own_municipalitys(staff_client, own, foreign, theme, foreign_theme):
    foreign_indicator = Indicator.objects.create(question=foreign.scale, name="Fremmed indikator")
    own_indicator = Indicator.objects.create(question=own.scale, name="Egen indikator")
    external = Wave.objects.create(
        survey=own.survey, name="2021", opens_on=date(2021, 3, 1), closes_on=date(2021, 3, 31), is_external=True
    )

    page = staff_client.get(ADD["survey"])
    assert choices(page.context["inline_admin_formsets"][0].formset.empty_form, "theme") == {theme}
    assert theme.title in page.text and foreign_theme.title not in page.text

    page = staff_client.get(ADD["indicator"])
    form = page.context["adminform"].form
    assert choices(form, "question") == {own.scale, own.yes_no, own.choice}  # free text measures no target
    assert choices(form, "theme") == {theme}
    assert theme.title in page.text and foreign_theme.title not in page.text

    page = staff_client.get(ADD["wave"])
    form = page.context["adminform"].form
    assert choices(form, "survey") == {own.survey} and choices(form, "units") == {own.unit}
    assert own.unit.name in page.text and foreign.unit.name not in page.text

    page = staff_client.get(change_url(external))
    results = page.context["inline_admin_formsets"][0].formset.empty_form
    assert choices(results, "indicator") == {own_indicator} and choices(results, "unit") == {own.unit}
    assert foreign_indicator.name not in page.text and foreign.unit.name not in page.text


@pytest.mark.parametrize(
    "case",
    [
        "indicator on a foreign question", "indicator with a foreign theme", "question with a foreign theme",
        "wave of a foreign survey", "wave with a foreign unit", "result for a foreign indicator",
        "result for a foreign unit",
    ],
)  # fmt: skip
def test_forged_foreign_ids_are_refused_and_nothing_is_saved(staff_client, own, foreign, foreign_theme, case):
    foreign_indicator = Indicator.objects.create(question=foreign.scale, name="Fremmed indikator")
    own_indicator = Indicator.objects.create(question=own.scale, name="Egen indikator")
    result = {"indicator": own_indicator.pk, "share": "66", "n": "100"}
    url, data = {
        "indicator on a foreign question": (ADD["indicator"], indicator_data(foreign.scale)),
        "indicator with a foreign theme": (ADD["indicator"], indicator_data(own.scale, theme=foreign_theme.pk)),
        "question with a foreign theme": (ADD["survey"], survey_data({"kind": "scale", "theme": foreign_theme.pk})),
        "wave of a foreign survey": (ADD["wave"], wave_data(foreign.survey)),
        "wave with a foreign unit": (ADD["wave"], wave_data(own.survey, units=[foreign.unit.pk])),
        "result for a foreign indicator": (
            ADD["wave"], wave_data(own.survey, result | {"indicator": foreign_indicator.pk}, is_external="on")
        ),
        "result for a foreign unit": (
            ADD["wave"], wave_data(own.survey, result | {"unit": foreign.unit.pk}, is_external="on")
        ),
    }[case]  # fmt: skip
    before = (Survey.objects.count(), Indicator.objects.count(), Wave.objects.count(), ExternalResult.objects.count())

    response = staff_client.post(url, data)

    assert response.status_code == 200
    expected = "Vælg et spørgsmål fra jeres egen" if case == "indicator on a foreign question" else "Marker en gyldig"
    assert expected in errors_of(response)
    assert (
        Survey.objects.count(), Indicator.objects.count(), Wave.objects.count(), ExternalResult.objects.count()
    ) == before  # fmt: skip


@pytest.mark.parametrize("model", ["survey", "indicator", "wave"])
@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_another_municipalitys_survey_indicator_and_wave_are_404_by_id(staff_client, foreign, model, view):
    objects = {
        "survey": foreign.survey,
        "indicator": Indicator.objects.create(question=foreign.scale, name="Fremmed indikator"),
        "wave": foreign.wave,
    }
    response = staff_client.get(reverse(f"admin:surveys_{model}_{view}", args=[objects[model].pk]))
    assert response.status_code == 404


def test_the_lists_show_only_the_managers_own_rows(staff_client, own, foreign):
    Indicator.objects.create(question=own.scale, name="Egen indikator")
    Indicator.objects.create(question=foreign.scale, name="Fremmed indikator")
    Wave.objects.filter(pk=foreign.wave.pk).update(name="Fremmed runde")
    Survey.objects.filter(pk=foreign.survey.pk).update(title="Fremmed undersøgelse")
    for model, own_name, foreign_name in [
        ("survey", own.survey.title, "Fremmed undersøgelse"),
        ("indicator", "Egen indikator", "Fremmed indikator"),
        ("wave", own.wave.name, "Fremmed runde"),
    ]:
        page = staff_client.get(reverse(f"admin:surveys_{model}_changelist")).text
        assert own_name in page and foreign_name not in page


@pytest.mark.parametrize("role", [Role.EDITOR, Role.CASEWORKER, Role.MUNICIPALITY_ADMIN])
def test_other_staff_have_no_access_to_the_survey_admin(client, municipality, own, role):
    client.force_login(StaffFactory(municipality=municipality, roles=[role], is_staff=True))
    for url in [
        ADD["survey"], ADD["indicator"], ADD["wave"], change_url(own.survey), change_url(own.wave),
        reverse("admin:surveys_indicator_changelist"),
    ]:  # fmt: skip
        assert client.get(url).status_code == 403, url
    assert client.post(ADD["survey"], survey_data()).status_code == 403
    assert not Survey.objects.exclude(pk=own.survey.pk).exists()


def test_a_caseworker_who_is_not_staff_is_sent_to_the_admin_login(client, municipality):
    client.force_login(StaffFactory(municipality=municipality, roles=[Role.CASEWORKER]))
    response = client.get(ADD["survey"])
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_manager_sees_no_consent_data_and_no_contacts_admin(staff_client):
    assert staff_client.get(reverse("admin:contacts_contactpoint_changelist")).status_code == 403
    assert staff_client.get(reverse("consent:citizens")).status_code == 403
    assert staff_client.get(reverse("admin:portal_user_changelist")).status_code == 403
    assert staff_client.get(reverse("admin:portal_page_changelist")).status_code == 403


# --- 3. bad input -------------------------------------------------------------------------------------

SHARE_0_TO_1 = "Skriv andelen som et tal fra 0 til 1, fx 0,75 for 75 %."
PERCENT_0_TO_100 = "Skriv andelen i procent, fra 0 til 100, fx 66 for 66 %."
EXTERNAL = {"name": "2021", "opens_on": "2021-03-01", "closes_on": "2021-03-31", "is_external": "on"}


def result(indicator, **fields) -> dict:
    return {"indicator": indicator.pk, "share": "66", "n": "100"} | fields


# Each mistake a manager may make: the screen, the field whose error says so ("nonfield" for a form's own
# error, "nonform" for an inline's), what is posted (given the own survey and an indicator of it), the message.
BAD_INPUTS = {
    "target above 1": ("indicator", "target", lambda own, _: indicator_data(own.scale, target="1.5"), SHARE_0_TO_1),
    "target below 0": ("indicator", "target", lambda own, _: indicator_data(own.scale, target="-0.1"), SHARE_0_TO_1),
    "target as a percentage": (
        "indicator", "target", lambda own, _: indicator_data(own.scale, target="75"), SHARE_0_TO_1,
    ),
    "baseline above 1": (
        "indicator", "baseline",
        lambda own, _: indicator_data(own.scale, baseline="66", baseline_date="2021-03-01"), SHARE_0_TO_1,
    ),
    "baseline without a date": (
        "indicator", "baseline_date", lambda own, _: indicator_data(own.scale, baseline="0.66", baseline_n="412"),
        "Skriv datoen for baseline.",
    ),
    "baseline n without a baseline": (
        "indicator", "baseline", lambda own, _: indicator_data(own.scale, baseline_n="412"),
        "Skriv andelen ved baseline, eller lad dens dato og n stå tomme.",
    ),
    "deadline before the baseline": (
        "indicator", "deadline",
        lambda own, _: indicator_data(own.scale, deadline="2020-12-31", baseline="0.66", baseline_date="2021-03-01"),
        "Fristen kan ikke ligge før datoen for baseline.",
    ),
    "indicator on a free-text question": (
        "indicator", "question", lambda own, _: indicator_data(own.text),
        "Vælg et spørgsmål fra jeres egen undersøgelse med en skala, ja eller nej eller ét svar blandt flere.",
    ),
    "positive answer of another kind of question": (
        "indicator", "positive_answers", lambda own, _: indicator_data(own.scale, positive_answers=["ja"]),
        "Vælg blandt spørgsmålets egne svarmuligheder.",
    ),
    "“don't know” as positive": (
        "indicator", "positive_answers",
        lambda own, _: indicator_data(own.scale, positive_answers=["i_hoej_grad", "ved_ikke"]),
        "Vælg blandt spørgsmålets egne svarmuligheder.",
    ),
    "single choice without positive answers": (
        "indicator", "positive_answers", lambda own, _: indicator_data(own.choice),
        "Sæt kryds ved de svar, der tæller som positive.",
    ),
    "wave closes before it opens": (
        "wave", "closes_on", lambda own, _: wave_data(own.survey, opens_on="2026-04-30", closes_on="2026-03-01"),
        "En runde kan ikke lukke, før den åbner.",
    ),
    "open link on an external wave": (
        "wave", "has_open_link", lambda own, _: wave_data(own.survey, is_external="on", has_open_link="on"),
        "En runde målt uden for portalen modtager ikke svar, så den har intet åbent link.",
    ),
    "share above 100": (
        "wave", "external_results-0-share",
        lambda own, indicator: wave_data(own.survey, result(indicator, share="150"), **EXTERNAL), PERCENT_0_TO_100,
    ),
    "share below 0": (
        "wave", "external_results-0-share",
        lambda own, indicator: wave_data(own.survey, result(indicator, share="-1"), **EXTERNAL), PERCENT_0_TO_100,
    ),
    "n = 0": (
        "wave", "external_results-0-n",
        lambda own, indicator: wave_data(own.survey, result(indicator, n="0"), **EXTERNAL),
        "n skal være mindst 1: antallet af svar, som andelen er regnet ud af.",
    ),
    "result on a wave measured in the portal": (
        "wave", "nonfield", lambda own, indicator: wave_data(own.survey, result(indicator)),
        "Resultater målt uden for portalen hører til en runde, der er markeret “målt uden for portalen”.",
    ),
    "two totals for one indicator": (
        "wave", "nonform",
        lambda own, indicator: wave_data(own.survey, result(indicator), result(indicator, share="70"), **EXTERNAL),
        "En indikator kan kun have ét resultat for hele kommunen i en runde.",
    ),
    "single choice with one answer": (
        "survey", "questions-0-choices", lambda own, _: survey_data({"kind": "choice", "choices": "Hver uge"}),
        "Et spørgsmål med ét svar blandt flere skal have mindst to svarmuligheder.",
    ),
    "single choice with an answer twice": (
        "survey", "questions-0-choices", lambda own, _: survey_data({"kind": "choice", "choices": "Ja\r\nNej\r\nJa"}),
        "Hvert svar må kun stå én gang.",
    ),
    "single choice offering “ved_ikke”": (
        "survey", "questions-0-choices", lambda own, _: survey_data({"kind": "choice", "choices": "Ja\r\nved_ikke"}),
        "“ved_ikke” er forbeholdt “Ved ikke / ikke relevant”, som kommer med af sig selv.",
    ),
    "answers on a scale question": (
        "survey", "questions-0-choices", lambda own, _: survey_data({"kind": "scale", "choices": "Meget\r\nLidt"}),
        "Kun et spørgsmål med ét svar blandt flere har svarmuligheder her. Lad feltet stå tomt.",
    ),
}  # fmt: skip
SAVED_MODELS = (Survey, Question, Indicator, Wave, ExternalResult)


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_gets_a_danish_message_on_its_field_and_saves_nothing(staff_client, own, case):
    indicator = Indicator.objects.create(question=own.scale, name="Lyttet til", positive_answers=TOP_TWO)
    screen, field, data, message = BAD_INPUTS[case]
    counts = [model.objects.count() for model in SAVED_MODELS]

    response = staff_client.post(ADD[screen], data(own, indicator))

    assert response.status_code == 200
    assert message in errors_of(response, field), errors_of(response)
    assert [model.objects.count() for model in SAVED_MODELS] == counts


SAVE = {
    ExternalResult: lambda result: services.save_external_results(results=[result]),
    Wave: lambda wave: services.save_wave(wave=wave),
    Indicator: lambda indicator: services.save_indicator(indicator=indicator),
    Question: lambda question: services.save_questions(questions=[question]),
}


def test_the_services_refuse_the_same_mistakes_in_danish(own):
    """Outside the admin too (fixtures, the shell): the service names the field and says what is wrong in Danish."""
    indicator = Indicator.objects.create(question=own.scale, name="Lyttet til", positive_answers=TOP_TWO)
    wave = Wave.objects.create(
        survey=own.survey, name="2021", opens_on=date(2021, 3, 1), closes_on=date(2021, 3, 31), is_external=True
    )
    cases = [
        (ExternalResult(wave=wave, indicator=indicator, positive=120, n=100), "positive", "Der kan ikke være flere"),
        (ExternalResult(wave=wave, indicator=indicator, positive=0, n=0), "n", "n skal være mindst 1"),
        (ExternalResult(wave=own.wave, indicator=indicator, positive=1, n=2), "__all__", "hører til en runde"),
        (Wave(survey=own.survey, name="x", opens_on=date(2026, 5, 1), closes_on=date(2026, 4, 1)), "closes_on", "luk"),
        (Indicator(question=own.text, name="x"), "question", "Et fritekstspørgsmål kan ikke"),
        (Indicator(question=own.scale, name="x", target=Decimal("1.5")), "target", "mindre end eller lig 1"),
        (Indicator(question=own.scale, name="x", baseline=Decimal("0.66")), "baseline_date", "Skriv datoen"),
        (Indicator(question=own.choice, name="x"), "positive_answers", "Sæt kryds ved de svar"),
        (Indicator(question=own.choice, name="x", positive_answers=["Dagligt"]), "positive_answers", "Vælg blandt"),
        (Question(survey=own.survey, kind="choice", text="x", choices=["Ja", "Ja"]), "choices", "Hvert svar"),
    ]  # fmt: skip
    counts = [model.objects.count() for model in SAVED_MODELS]
    for obj, field, message in cases:
        with pytest.raises(ValidationError) as error:
            SAVE[type(obj)](obj)
        assert isinstance(error.value, RuleViolation)
        assert message in " ".join(error.value.message_dict.get(field, [])), (obj, error.value.message_dict)
        assert obj.pk is None
    assert [model.objects.count() for model in SAVED_MODELS] == counts


def test_a_scale_indicator_made_in_code_gets_the_top_two_by_the_service(own):
    indicator = services.save_indicator(indicator=Indicator(question=own.scale, name="Lyttet til"))
    assert indicator.positive_answers == TOP_TWO
    assert Indicator.objects.get(pk=indicator.pk).positive_answers == TOP_TWO


def test_choices_and_pages_of_another_municipality_are_refused_for_a_platform_superuser_too(
    client, own, foreign, foreign_theme
):
    """A superuser sees every municipality; the survey still only takes its own municipality's units and pages."""
    from tests.factories import SuperuserFactory

    client.force_login(SuperuserFactory())
    response = client.post(ADD["wave"], wave_data(own.survey, units=[foreign.unit.pk]))
    assert "Vælg enheder fra undersøgelsens egen kommune." in errors_of(response, "units")
    response = client.post(ADD["indicator"], indicator_data(own.scale, theme=foreign_theme.pk))
    assert "Vælg en side i politikken fra undersøgelsens egen kommune." in errors_of(response, "theme")
    foreign_indicator = Indicator.objects.create(question=foreign.scale, name="Fremmed indikator")
    response = client.post(
        ADD["wave"], wave_data(own.survey, result(foreign_indicator), **EXTERNAL | {"name": "Fremmed"})
    )
    assert "Vælg en indikator fra rundens egen undersøgelse." in errors_of(response, "external_results-0-indicator")
    assert not Wave.objects.filter(name__in=["2026", "Fremmed"]).exists()
    assert not Indicator.objects.filter(question=own.scale).exists()


def test_a_question_an_indicator_measures_keeps_its_positive_answers(staff_client, own):
    Indicator.objects.create(question=own.choice, name="Besøger ofte", positive_answers=["Hver uge"])
    data = survey_data(**{"questions-TOTAL_FORMS": 1, "questions-INITIAL_FORMS": 1})
    data |= {
        "questions-0-id": own.choice.pk, "questions-0-survey": own.survey.pk, "questions-0-order": 3,
        "questions-0-kind": "choice", "questions-0-text": own.choice.text,
        "questions-0-choices": "Hver måned\r\nSjældnere", "questions-0-theme": "",
    }  # fmt: skip
    response = staff_client.post(change_url(own.survey), data)
    assert "Indikatoren “Besøger ofte” tæller “Hver uge” som positivt." in errors_of(response, "questions-0-choices")
    response = staff_client.post(change_url(own.survey), data | {"questions-0-kind": "text", "questions-0-choices": ""})
    assert "En indikator måler dette spørgsmål, så det kan ikke være fritekst." in errors_of(
        response, "questions-0-kind"
    )
    own.choice.refresh_from_db()
    assert own.choice.kind == "choice" and own.choice.choices == ["Hver uge", "Hver måned", "Sjældnere"]


def test_answers_collected_cannot_be_deleted_through_the_admin(staff_client, own):
    services.submit_response(open_link_key=own.wave.open_link_key, answers=own.full_answers(), today=own.wave.opens_on)
    assert staff_client.get(reverse("admin:surveys_wave_delete", args=[own.wave.pk])).status_code == 403
    assert staff_client.get(reverse("admin:surveys_survey_delete", args=[own.survey.pk])).status_code == 403
    bulk = staff_client.post(
        reverse("admin:surveys_wave_changelist"),
        {"action": "delete_selected", "_selected_action": [own.wave.pk], "post": "yes"},
    )
    assert bulk.status_code == 403 and Wave.objects.filter(pk=own.wave.pk).exists()

    data = survey_data(**{"questions-TOTAL_FORMS": 1, "questions-INITIAL_FORMS": 1})
    data |= {
        "questions-0-id": own.scale.pk, "questions-0-survey": own.survey.pk, "questions-0-order": 1,
        "questions-0-kind": "scale", "questions-0-text": own.scale.text,
        "questions-0-choices": "", "questions-0-theme": "", "questions-0-DELETE": "on",
    }  # fmt: skip
    response = staff_client.post(change_url(own.survey), data)
    assert "er besvaret, så spørgsmålet kan ikke slettes." in errors_of(response, "nonform")
    assert (
        SurveyResponse.objects.filter(wave=own.wave).count() == 1 and Question.objects.filter(pk=own.scale.pk).exists()
    )

    unanswered = Wave.objects.create(
        survey=own.survey, name="Prøve", opens_on=date(2026, 1, 1), closes_on=date(2026, 1, 2)
    )
    assert staff_client.get(reverse("admin:surveys_wave_delete", args=[unanswered.pk])).status_code == 200


def test_editing_order_in_the_indicator_list_never_fails_on_older_data(staff_client, own):
    """An indicator saved before a rule existed (here a deadline before its baseline) can still be reordered."""
    indicator = Indicator.objects.create(
        question=own.scale, name="Gammel", positive_answers=TOP_TWO, baseline=Decimal("0.5"),
        baseline_date=date(2022, 1, 1), deadline=date(2021, 1, 1),
    )  # fmt: skip
    response = staff_client.post(
        reverse("admin:surveys_indicator_changelist"),
        {
            "form-TOTAL_FORMS": 1, "form-INITIAL_FORMS": 1, "form-MIN_NUM_FORMS": 0, "form-MAX_NUM_FORMS": 1000,
            "form-0-id": indicator.pk, "form-0-order": 7, "form-0-is_headline": "on", "_save": "Gem",
        },
    )  # fmt: skip
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.order == 7 and indicator.is_headline


# --- 4. what a manager sees in the admin ----------------------------------------------------------------


def test_a_manager_sees_only_the_survey_set_up_in_the_admin(staff_client):
    index = staff_client.get(reverse("admin:index"))
    assert index.status_code == 200
    apps = {app["app_label"]: {model["object_name"] for model in app["models"]} for app in index.context["app_list"]}
    assert apps == {"surveys": {"Survey", "Indicator", "Wave"}}
    for hidden in ["/admin/portal/", "/admin/contacts/", "/admin/auth/", "/admin/consent/"]:
        assert hidden not in index.text
    for url in ["/admin/surveys/survey/", "/admin/surveys/indicator/", "/admin/surveys/wave/"]:
        assert url in index.text


def test_a_demo_manager_opens_their_municipalitys_ready_questionnaire(client, db):
    """The demo's "leder" accounts are staff; each finds the questionnaire from the fixtures, ready to use."""
    from io import StringIO

    from django.core.management import call_command

    from portal.models import User

    call_command("demo", stdout=StringIO())
    manager = User.objects.get(username="haderslev-leder")
    assert manager.is_staff and not manager.is_superuser
    client.force_login(manager)
    index = client.get(reverse("admin:index"))
    apps = {app["app_label"]: {model["object_name"] for model in app["models"]} for app in index.context["app_list"]}
    assert apps == {"surveys": {"Survey", "Indicator", "Wave"}}

    survey = Survey.objects.get(municipality=manager.municipality)
    page = client.get(change_url(survey))
    assert page.status_code == 200 and page.context["inline_admin_formsets"][0].formset.total_form_count() == 7
    baseline = Indicator.objects.filter(question__survey=survey, baseline=Decimal("0.66")).first()
    page = client.get(change_url(baseline))
    assert page.status_code == 200
    assert page.context["adminform"].form.initial["positive_answers"] == TOP_TWO
    for wave in Wave.objects.filter(survey=survey):
        assert client.get(change_url(wave)).status_code == 200
    other = Survey.objects.exclude(municipality=manager.municipality).first()
    assert client.get(change_url(other)).status_code == 404


def test_the_survey_admin_reads_the_managers_roles_and_permissions_in_one_query(
    staff_client, own, django_assert_num_queries
):
    """Session, user, user permissions, roles with their permissions, then the page's own queries."""
    from django.contrib.contenttypes.models import ContentType

    indicator = IndicatorFactory(question=own.scale, name="Mødt med respekt")
    ContentType.objects.clear_cache()  # counted as a fresh process counts them, whatever tests ran before
    for url in ["/admin/surveys/survey/", "/admin/surveys/indicator/", "/admin/surveys/wave/"]:
        with django_assert_num_queries(7):  # the four above, the count twice (filtered and not), the rows
            assert staff_client.get(url).status_code == 200, url
    with django_assert_num_queries(19):
        assert staff_client.get(change_url(indicator)).status_code == 200
    with django_assert_num_queries(22):  # the form's checks and the service's, both asked
        response = staff_client.post(ADD["indicator"], indicator_data(own.yes_no, name="Ved hvem", order=2))
    assert saved(response), errors_of(response)
