""" "Hvordan har du det?": the rule from a relative's answers to what may help, and the pages that ask and answer."""

import re

import pytest
from django.apps import apps
from django.urls import reverse

from contacts.rules import (
    EMERGENCY_NUMBERS,
    NO,
    OWN_TIME_LITTLE,
    OWN_TIME_NO,
    OWN_TIME_YES,
    SOMETIMES,
    STRAIN_HARD,
    STRAIN_OK,
    STRAIN_TOO_MUCH,
    YES,
    Answers,
    advice,
)
from tests.test_directory import main, tel_links

RESPITE, DAY_CENTRE, PEER_GROUP, NETWORK, VOLUNTEERS, COUNSELLING, COURSE = (
    "respite",
    "day_centre",
    "peer_group",
    "network",
    "volunteers",
    "counselling",
    "course",
)


def answers(**changes) -> Answers:
    """A relative for whom things are going all right, changed by `changes`."""
    fine = {
        "strain": STRAIN_OK,
        "alone": NO,
        "sleep": NO,
        "own_time": OWN_TIME_YES,
        "knows_whom_to_ask": True,
        "in_danger": False,
        "illness": "",
    }
    return Answers(**{**fine, **changes})


TABLE = [
    # (answers, kinds of offers most fitting first, for whom, coordinator's word, crisis, suggest contact)
    (answers(), (), "", "", False, False),
    (answers(own_time=OWN_TIME_NO), (RESPITE, DAY_CENTRE), "", "", False, False),
    (answers(own_time=OWN_TIME_LITTLE), (RESPITE, DAY_CENTRE), "", "", False, False),
    (answers(alone=YES), (PEER_GROUP, NETWORK, VOLUNTEERS), "", "", False, True),
    (answers(alone=SOMETIMES), (PEER_GROUP, NETWORK, VOLUNTEERS), "", "", False, False),
    (answers(sleep=YES), (COUNSELLING, COURSE), "", "", False, False),
    (answers(sleep=SOMETIMES), (), "", "", False, False),
    (answers(knows_whom_to_ask=False), (COUNSELLING,), "", "", False, True),
    (answers(strain=STRAIN_HARD), (RESPITE, DAY_CENTRE, COUNSELLING, COURSE), "", "", False, True),
    (answers(strain=STRAIN_TOO_MUCH), (RESPITE, DAY_CENTRE, COUNSELLING, COURSE), "", "", True, True),
    (answers(in_danger=True), (), "", "", True, False),
    (answers(illness="dementia"), (), "dementia", "demens", False, False),
    (answers(illness="cancer", alone=YES), (PEER_GROUP, NETWORK, VOLUNTEERS), "cancer", "kræft", False, True),
    (answers(illness="brain_injury"), (), "brain_injury", "hjerneskade", False, False),
    (answers(illness="mental_illness", sleep=YES), (COUNSELLING, COURSE), "mental_illness", "", False, False),
    (answers(illness="all"), (), "", "", False, False),
    (answers(illness="something else"), (), "", "", False, False),
    (
        answers(own_time=OWN_TIME_NO, alone=YES, sleep=YES, knows_whom_to_ask=False),
        (RESPITE, DAY_CENTRE, PEER_GROUP, NETWORK, VOLUNTEERS, COUNSELLING, COURSE),
        "",
        "",
        False,
        True,
    ),
]


@pytest.mark.parametrize(("given", "kinds", "for_whom", "coordinator", "crisis", "contact"), TABLE)
def test_the_answers_point_to_what_may_help(given, kinds, for_whom, coordinator, crisis, contact):
    result = advice(given)
    assert result.kinds == kinds
    assert result.for_whom == for_whom
    assert result.coordinator_word == coordinator
    assert result.crisis is crisis
    assert result.suggest_contact is contact
    assert bool(result.reasons) == bool(kinds or crisis or coordinator)  # each suggestion says why


def test_the_emergency_numbers_are_national_numbers_with_their_source():
    assert [(number, source) for number, _text, source in EMERGENCY_NUMBERS] == [
        ("112", "https://politi.dk/alarm-112"),
        ("70201201", "https://www.livslinien.dk"),
    ]


def self_check_url(slug: str) -> str:
    return reverse("contacts:self-check", args=[slug])


FORM = {
    "strain": STRAIN_HARD,
    "alone": YES,
    "sleep": SOMETIMES,
    "own_time": OWN_TIME_NO,
    "knows_whom_to_ask": "no",
    "illness": "dementia",
    "in_danger": "no",
}


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_the_self_check_asks_seven_questions_by_post_and_says_it_is_not_a_test(client, directories):
    html = main(client.get(self_check_url("hvidovre")).text)
    assert '<form method="post"' in html and html.count('type="radio"') == 2 + 3 + 3 + 3 + 3 + 2 + 8
    assert "Det er ikke en test og ikke en vurdering af dit helbred" in html
    assert "Dine svar bliver ikke gemt, og ingen i kommunen ser dem." in html
    assert "Hvor hårdt er det at være pårørende lige nu?" in html and "Føler du dig alene med det?" in html


def test_the_answer_shows_the_coordinator_and_the_offers_that_fit_and_stores_nothing(
    client, directories, django_assert_num_queries
):
    client.get(self_check_url("hvidovre"))  # the CSRF cookie, as a browser has it
    before = row_counts()
    with django_assert_num_queries(3):  # the municipality, the offers that fit, the coordinator
        response = client.post(self_check_url("hvidovre"), FORM)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    html = main(response.text)
    assert row_counts() == before
    assert "Du har ikke meget tid til dig selv." in html and "Du føler dig alene med det." in html
    coordinator = html.index("En koordinator for din næres sygdom")
    assert "Demenskoordinator" in html[coordinator:] and "tel:+4536393737" in tel_links(html)
    offers = html[html.index("Tilbud, der kan passe til dig") :]
    # The offer for relatives of people with dementia first, then those for all relatives, respite first
    # (no time for oneself), then a place to meet others (alone), then advice.
    names = re.findall(r'<h3 class="h3" id="offer-\d+">([^<]+)</h3>', offers)
    assert names == [
        "Demenskoordinator",
        "Midlertidig aflastningsplads",
        "Daghjemstilbud på et plejecenter",
        "Bruger- og pårørenderåd",
        "Borgerrådgiveren",
    ]
    assert 'href="/hvidovre/find-rundt/ring-mig-op/"' in html
    assert "Få hjælp nu" not in html  # no crisis: only the page's usual notice
    for answer in FORM.values():
        assert answer not in response.request["PATH_INFO"] and not response.request["QUERY_STRING"]


def test_an_answer_that_suggests_a_crisis_puts_the_emergency_numbers_first(client, directories):
    client.get(self_check_url("rudersdal"))
    html = main(client.post(self_check_url("rudersdal"), {**FORM, "strain": STRAIN_TOO_MUCH}).text)
    crisis = html.index("Få hjælp nu")
    assert crisis < html.index("Du skriver, at det er for meget lige nu.")
    assert tel_links(html[crisis:])[:2] == ["tel:112", "tel:70201201"]
    assert "Kilder: politiet (politi.dk, alarm 112) og Livslinien (livslinien.dk)." in html
    # Rudersdal's policy names no offers: it says so, and offers the contact request instead.
    assert "Rudersdal Kommune har endnu ikke lagt tilbud af den slags ind her." in html


def test_missing_answers_are_asked_for_again_and_what_was_chosen_is_kept(client, directories):
    client.get(self_check_url("haderslev"))
    response = client.post(self_check_url("haderslev"), {"strain": STRAIN_HARD, "alone": "<script>"})
    html = main(response.text)
    assert response.status_code == 200 and "Hvad der kan hjælpe dig" not in html
    assert re.search(r'value="hard"[^>]*checked', html)  # what the relative chose is kept
    assert html.count('class="form-error-message"') >= 5 or "Dette felt er påkrævet" in html
    assert "<script>" not in html


def test_the_answers_are_written_to_no_log(client, directories, caplog):
    caplog.set_level("DEBUG")
    client.get(self_check_url("hvidovre"))
    client.post(self_check_url("hvidovre"), {**FORM, "illness": "mental_illness", "in_danger": "yes"})
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "mental_illness" not in logged and "in_danger" not in logged


def test_the_self_check_form_costs_one_query(client, directories, django_assert_num_queries):
    with django_assert_num_queries(1):  # the municipality
        assert client.get(self_check_url("aabenraa")).status_code == 200
