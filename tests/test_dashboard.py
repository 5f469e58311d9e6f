"""The survey results: exact counts, suppression, external results, the dashboard, its exports and the public page."""

import csv
import io
import itertools
import random
import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from portal.models import Area, Unit
from portal.roles import Role
from surveys.models import DONT_KNOW, Indicator, Question, Scale, YesNo
from surveys.results import (
    NO_UNIT,
    TOTAL,
    Group,
    GroupKind,
    compute_results,
    headline_results,
    survey_results,
)
from surveys.scoring import Change, Figure, TargetStatus
from surveys.suppression import Hidden, is_safe, suppress
from tests.factories import (
    ExternalResultFactory,
    IndicatorFactory,
    MunicipalityFactory,
    QuestionFactory,
    StaffFactory,
    SuperuserFactory,
    SurveyFactory,
    UnitFactory,
    WaveFactory,
)
from tests.scenarios import FREE_TEXT_MARK, add_answers, demo_results, generate_answers, scale

TODAY = timezone.localdate()


def da(message: str, **values) -> str:
    """What a Danish page shows for an interface text (the English source until the catalogue has it)."""
    with translation.override("da"):
        text = gettext(message)
    return text % values if values else text


HIDDEN_SMALL = "Hidden: fewer than %(limit)s answers"
HIDDEN_COMPLEMENTARY = "Hidden, so that a smaller group cannot be worked out from the other figures"


# --- a survey with answers counted out ----------------------------------------------------------


@pytest.fixture
def setup(municipality):
    """Five units in two areas, three indicators (one of them on the same question as another), three waves."""
    units = {
        "ahorn": UnitFactory(municipality=municipality, name="Ahornhuset", area=Area.ELDERLY),
        "boege": UnitFactory(municipality=municipality, name="Bøgehuset", area=Area.ELDERLY),
        "ceder": UnitFactory(municipality=municipality, name="Cedergården", area=Area.ELDERLY),
        "dal": UnitFactory(municipality=municipality, name="Dalhuset", area=Area.DISABILITY),
        "ege": UnitFactory(municipality=municipality, name="Egebo", area=Area.DISABILITY),
    }
    survey = SurveyFactory(municipality=municipality)
    respect = QuestionFactory(survey=survey, text="Bliver du mødt med respekt?", order=1)
    network = QuestionFactory(survey=survey, kind=Question.Kind.YES_NO, text="Kender du andre pårørende?", order=2)
    comment = QuestionFactory(survey=survey, kind=Question.Kind.TEXT, text="Vil du fortælle mere?", order=3)
    indicators = {
        "respect": IndicatorFactory(
            question=respect,
            name="Mødt med respekt",
            target=0.75,
            deadline=date(2026, 12, 31),
            baseline=0.66,
            baseline_date=date(2021, 3, 1),
            is_headline=True,
            order=1,
        ),
        "very_high": IndicatorFactory(
            question=respect,
            name="I meget høj grad mødt med respekt",
            positive_answers=[Scale.VERY_HIGH.value],
            order=2,
        ),
        "network": IndicatorFactory(question=network, name="Kender andre pårørende", target=0.5, order=3),
    }
    waves = {
        "w1": WaveFactory(survey=survey, name="Runde 1", opens_on=date(2023, 3, 1), closes_on=date(2023, 4, 30)),
        "w2": WaveFactory(survey=survey, name="Runde 2", opens_on=date(2024, 3, 1), closes_on=date(2024, 4, 30)),
        "open": WaveFactory(
            survey=survey, name="Runde 3", opens_on=TODAY - timedelta(days=3), closes_on=TODAY + timedelta(days=30)
        ),
    }
    return {"survey": survey, "units": units, "indicators": indicators, "waves": waves, "questions": {
        "respect": respect, "network": network, "comment": comment}}  # fmt: skip


def counted_out(setup):
    """Runde 2's answers, counted out per unit (Egebo is below the limit)."""
    q, u, w = setup["questions"], setup["units"], setup["waves"]["w2"]
    yes_no = {YesNo.YES.value: 0, YesNo.NO.value: 0, DONT_KNOW: 0}
    plan = {
        "ahorn": (scale(very_high=4, high=3, some=2, low=1, not_at_all=1, dont_know=2, blank=1), (6, 4, 1)),
        "boege": (scale(very_high=1, high=5, some=4, dont_know=1), (2, 8, 0)),
        "ceder": (scale(high=6), (3, 3, 0)),
        "dal": (scale(high=2, some=8), (5, 5, 0)),
        "ege": (scale(high=2), (1, 1, 0)),
    }
    for key, (respect, (yes, no, dont_know)) in plan.items():
        network = dict(zip(yes_no, (yes, no, dont_know), strict=True))
        add_answers(
            w,
            u[key],
            {q["respect"]: respect, q["network"]: {k: v for k, v in network.items() if v}, q["comment"]: {"": 2}},
            text=FREE_TEXT_MARK,
        )


def unit(setup, key) -> Group:
    found = setup["units"][key]
    return Group(GroupKind.UNIT, str(found.pk), found.name)


ELDERLY = Group(GroupKind.AREA, Area.ELDERLY.value)
DISABILITY = Group(GroupKind.AREA, Area.DISABILITY.value)


def test_figures_are_counted_exactly(setup):
    counted_out(setup)
    results = survey_results(setup["survey"])
    respect, very_high, network = (setup["indicators"][key] for key in ("respect", "very_high", "network"))
    w2 = setup["waves"]["w2"]

    # positive = the top two, n = answers less "don't know" and blanks
    assert results.get(respect, w2, unit(setup, "ahorn")).figure == Figure(7, 11, 2)
    assert results.get(respect, w2, unit(setup, "boege")).figure == Figure(6, 10, 1)
    assert results.get(respect, w2, unit(setup, "ceder")).figure == Figure(6, 6, 0)
    assert results.get(respect, w2, ELDERLY).figure == Figure(19, 27, 3)
    assert results.get(respect, w2, DISABILITY).figure == Figure(4, 12, 0)
    assert results.get(respect, w2, TOTAL).figure == Figure(23, 39, 3)
    # the positive answers as stored: only "to a very high degree"
    assert results.get(very_high, w2, unit(setup, "ahorn")).figure == Figure(4, 11, 2)
    assert results.get(very_high, w2, TOTAL).figure == Figure(5, 39, 3)
    # yes or no
    assert results.get(network, w2, TOTAL).figure == Figure(17, 38, 1)
    assert results.get(network, w2, unit(setup, "boege")).figure == Figure(2, 10, 0)


def test_results_are_scored(setup):
    counted_out(setup)
    results = survey_results(setup["survey"])
    respect, network = setup["indicators"]["respect"], setup["indicators"]["network"]
    total = results.get(respect, setup["waves"]["w2"], TOTAL)
    assert total.share == pytest.approx(23 / 39)
    assert total.interval == pytest.approx((0.4342, 0.7292), abs=5e-4)
    assert total.status == TargetStatus.NOT_MET  # the whole interval is below 75 %
    assert total.on_track is False  # 59 % in April 2024, the path from 66 % is higher
    assert total.change is None  # nobody answered Runde 1
    assert results.get(network, setup["waves"]["w2"], TOTAL).status == TargetStatus.UNDECIDED
    assert results.get(respect, setup["waves"]["w2"], unit(setup, "ceder")).status == TargetStatus.UNDECIDED


def test_change_since_the_previous_wave(setup):
    counted_out(setup)
    q, w = setup["questions"], setup["waves"]
    add_answers(w["w1"], setup["units"]["ahorn"], {q["respect"]: scale(high=5, some=35)})
    add_answers(w["open"], setup["units"]["ahorn"], {q["respect"]: scale(high=5, some=3)})
    results = survey_results(setup["survey"])
    respect = setup["indicators"]["respect"]
    w2 = results.get(respect, w["w2"], TOTAL)
    assert w2.change == Change.UP and w2.previous_wave == w["w1"]  # 12 % -> 59 %
    assert w2.change_symbol == "↑"
    assert results.get(respect, w["open"], TOTAL).change == Change.UNCHANGED  # 59 % -> 63 % of 8
    assert results.get(respect, w["w2"], unit(setup, "ahorn")).change == Change.UP
    assert results.get(respect, w["w2"], unit(setup, "boege")).change is None  # no answers before


def test_a_small_unit_is_hidden_and_so_is_the_next_smallest_of_its_area(setup):
    counted_out(setup)
    results = survey_results(setup["survey"])
    respect, w2 = setup["indicators"]["respect"], setup["waves"]["w2"]
    egebo, dalhuset = results.get(respect, w2, unit(setup, "ege")), results.get(respect, w2, unit(setup, "dal"))
    assert egebo.hidden == Hidden.SMALL and egebo.figure is None
    # Disability (shown) less Dalhuset would be Egebo: Dalhuset is hidden too.
    assert dalhuset.hidden == Hidden.COMPLEMENTARY and dalhuset.figure is None
    assert results.get(respect, w2, DISABILITY).shown
    assert all(results.get(respect, w2, unit(setup, key)).shown for key in ("ahorn", "boege", "ceder"))


def test_indicators_of_one_question_hide_the_same_groups(setup):
    counted_out(setup)
    results = survey_results(setup["survey"])
    w2 = setup["waves"]["w2"]
    hidden = {
        key: {group for group in results.groups if (r := results.get(setup["indicators"][key], w2, group)) and r.hidden}
        for key in ("respect", "very_high")
    }
    assert hidden["respect"] == hidden["very_high"] == {unit(setup, "ege"), unit(setup, "dal")}


def test_answers_without_a_unit_are_a_group_of_their_own(setup):
    counted_out(setup)
    add_answers(setup["waves"]["w2"], None, {setup["questions"]["respect"]: scale(very_high=2)})
    results = survey_results(setup["survey"])
    respect, w2 = setup["indicators"]["respect"], setup["waves"]["w2"]
    assert results.get(respect, w2, TOTAL).figure == Figure(25, 41, 3)
    assert results.get(respect, w2, NO_UNIT).hidden == Hidden.SMALL
    # The total less the two areas would give the two answers: the smaller area is hidden too,
    # and one of its units, or its units would add up to it.
    assert results.get(respect, w2, DISABILITY).hidden == Hidden.COMPLEMENTARY
    assert results.get(respect, w2, ELDERLY).shown
    assert results.get(respect, w2, unit(setup, "dal")).hidden  # Disability's only shown unit so far


# --- the rule on its own, on made-up trees ------------------------------------------------------


def tree(**units_by_area):
    """children, figures and rank for a total over areas (and "no unit") over units: {area: {unit: Figure}}."""
    children, figures = {"T": []}, {}
    for area, units in units_by_area.items():
        children["T"].append(area)
        children[area] = list(units)
        figures.update(units)
        figures[area] = Figure(
            *(sum(getattr(f, field) for f in units.values()) for field in ("positive", "n", "dont_know"))
        )
    figures["T"] = Figure(
        *(sum(getattr(figures[a], field) for a in children["T"]) for field in ("positive", "n", "dont_know"))
    )
    rank = {
        name: position
        for position, name in enumerate(["T", *children["T"], *(u for a in children["T"] for u in children[a])])
    }
    return children, figures, rank  # fmt: skip


def F(n, positive=None, dont_know=0):
    return Figure(n if positive is None else positive, n, dont_know)


def test_rule_one_small_unit_takes_the_next_smallest_with_it():
    children, figures, rank = tree(A={"a1": F(3), "a2": F(12), "a3": F(8), "a4": F(30)}, B={"b1": F(40)})
    assert suppress(children, figures, rank) == {"a1": Hidden.SMALL, "a3": Hidden.COMPLEMENTARY}


def test_rule_two_small_units_that_together_reach_the_limit_are_enough():
    children, figures, rank = tree(A={"a1": F(3), "a2": F(2), "a3": F(8)}, B={"b1": F(40)})
    assert suppress(children, figures, rank) == {"a1": Hidden.SMALL, "a2": Hidden.SMALL}


def test_rule_two_small_units_below_the_limit_together_take_a_third():
    children, figures, rank = tree(A={"a1": F(1), "a2": F(2), "a3": F(8), "a4": F(9)}, B={"b1": F(40)})
    assert suppress(children, figures, rank) == {"a1": Hidden.SMALL, "a2": Hidden.SMALL, "a3": Hidden.COMPLEMENTARY}


def test_rule_dont_know_alone_is_not_an_answer_but_is_not_shown_either():
    children, figures, rank = tree(A={"a1": F(0, dont_know=3), "a2": F(12), "a3": F(8)}, B={"b1": F(40)})
    assert suppress(children, figures, rank) == {"a1": Hidden.SMALL, "a3": Hidden.COMPLEMENTARY}


def test_rule_units_without_answers_reveal_nothing():
    children, figures, rank = tree(A={"a1": F(0), "a2": F(12), "a3": F(8)}, B={"b1": F(40)})
    assert suppress(children, figures, rank) == {}


def test_rule_a_small_area_takes_the_next_smallest_area_and_one_of_its_units():
    children, figures, rank = tree(A={"a1": F(2), "a2": F(2)}, B={"b1": F(6), "b2": F(7)}, C={"c1": F(20), "c2": F(25)})
    hidden = suppress(children, figures, rank)
    assert hidden == {
        "a1": Hidden.SMALL, "a2": Hidden.SMALL, "A": Hidden.SMALL,
        "B": Hidden.COMPLEMENTARY, "b1": Hidden.COMPLEMENTARY,  # else b1 + b2 = B, and T - B - C = A
    }  # fmt: skip


def test_rule_counts_the_hidden_part_down_to_the_units():
    """T - B - a1 = a2 + Z: a reader gets two small groups' sum without either area being needed."""
    children, figures, rank = tree(A={"a1": F(7), "a2": F(1)}, B={"b1": F(30)}, Z={})
    children["T"] = ["A", "B", "Z"]
    children.pop("Z")
    figures["Z"] = F(2)
    figures["T"] = F(40)
    rank["Z"] = 99
    hidden = suppress(children, figures, rank)
    assert hidden == {"a2": Hidden.SMALL, "Z": Hidden.SMALL, "A": Hidden.COMPLEMENTARY, "a1": Hidden.COMPLEMENTARY}
    assert not discloses_anything(children, figures, hidden)


PRIME = (1 << 61) - 1


def rank_of(rows: list[list[int]]) -> int:
    """The rank of an integer matrix (over a large prime field, which equals its rank over the rationals here)."""
    rows = [[value % PRIME for value in row] for row in rows]
    rank = 0
    for column in range(len(rows[0]) if rows else 0):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][column]), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        inverse = pow(rows[rank][column], PRIME - 2, PRIME)
        rows[rank] = [value * inverse % PRIME for value in rows[rank]]
        for i in range(len(rows)):
            if i != rank and rows[i][column]:
                factor = rows[i][column]
                rows[i] = [(a - factor * b) % PRIME for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


def discloses_anything(children: dict, figures: dict, hidden: dict) -> list:
    """An attacker with linear algebra: every set of hidden groups (none inside another) whose sum the
    shown figures determine must be safe to show. Returns the sets that are not."""
    unknown = [group for group in figures if group in hidden]
    if not unknown:
        return []
    position = {group: i for i, group in enumerate(unknown)}
    equations = []
    for parent, kids in children.items():
        if not kids:
            continue
        row = [0] * len(unknown)
        for group, sign in [(parent, 1), *((kid, -1) for kid in kids)]:
            if group in position:
                row[position[group]] += sign
        if any(row):
            equations.append(row)
    base = rank_of(equations) if equations else 0
    parent_of = {kid: parent for parent, kids in children.items() for kid in kids}

    def ancestors(group):
        while group in parent_of:
            group = parent_of[group]
            yield group

    leaks = []
    for size in range(1, len(unknown) + 1):
        for chosen in itertools.combinations(unknown, size):
            if any(ancestor in chosen for group in chosen for ancestor in ancestors(group)):
                continue
            vector = [1 if group in chosen else 0 for group in unknown]
            if (rank_of([*equations, vector]) if equations else 1) == base:
                total = Figure(*(sum(getattr(figures[g], f) for g in chosen) for f in ("positive", "n", "dont_know")))
                if not is_safe(total):
                    leaks.append(chosen)
    return leaks


def test_rule_no_arithmetic_on_shown_figures_reveals_a_small_group():
    """Random municipalities: whatever the rule hides, no sum of hidden groups that can be worked out is small."""
    rng = random.Random(20251122)
    sizes = [0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 14, 30]
    checked = 0
    for _ in range(250):
        areas = {}
        for area in "ABC"[: rng.randint(1, 3)]:
            areas[area] = {
                f"{area.lower()}{i}": F(n := rng.choice(sizes), rng.randint(0, n), rng.choice([0, 0, 1]))
                for i in range(rng.randint(1, 4))
            }
        children, figures, rank = tree(**areas)
        if rng.random() < 0.5:  # answers not tied to a unit
            figures["Z"] = F(n := rng.choice(sizes), rng.randint(0, n))
            children["T"].append("Z")
            rank["Z"] = len(rank)
            old = figures["T"]
            figures["T"] = Figure(old.positive + figures["Z"].positive, old.n + figures["Z"].n, old.dont_know)
        hidden = suppress(children, figures, rank)
        assert not discloses_anything(children, figures, hidden), (areas, hidden)
        assert all(figures[group].n >= 5 for group, why in hidden.items() if why == Hidden.COMPLEMENTARY)
        checked += len(hidden)
    assert checked > 200  # the random trees did hide a fair number of groups


# --- results measured outside the portal --------------------------------------------------------


def test_external_results_take_their_place_in_the_trend(setup):
    counted_out(setup)
    survey, respect = setup["survey"], setup["indicators"]["respect"]
    baseline = WaveFactory(
        survey=survey, name="Marts 2021", opens_on=date(2021, 3, 1), closes_on=date(2021, 3, 31), is_external=True
    )
    ExternalResultFactory(wave=baseline, indicator=respect, positive=66, n=100, dont_know=4)
    results = survey_results(survey)
    trend = results.trend(respect)
    assert [result.wave for result in trend] == [baseline, *setup["waves"].values()]
    assert trend[0].figure == Figure(66, 100, 4) and trend[0].status == TargetStatus.NOT_MET
    assert trend[1].figure is None and trend[1].hidden is None  # Runde 1: nobody answered
    # Runde 2 compares with the previous wave, Runde 1, which has no figure: no change is told.
    assert trend[2].change is None
    assert not results.area_rows(respect, baseline) and not results.unit_rows(respect, baseline)


def test_external_results_per_unit_are_broken_down_and_suppressed(setup):
    survey, respect, u = setup["survey"], setup["indicators"]["respect"], setup["units"]
    whole = WaveFactory(
        survey=survey, name="2021", opens_on=date(2021, 3, 1), closes_on=date(2021, 3, 31), is_external=True
    )
    ExternalResultFactory(wave=whole, indicator=respect, positive=40, n=60)
    ExternalResultFactory(wave=whole, indicator=respect, positive=20, n=30, unit=u["ahorn"])
    ExternalResultFactory(wave=whole, indicator=respect, positive=9, n=12, unit=u["boege"])
    small = WaveFactory(
        survey=survey, name="2022", opens_on=date(2022, 3, 1), closes_on=date(2022, 3, 31), is_external=True
    )
    ExternalResultFactory(wave=small, indicator=respect, positive=40, n=60)
    ExternalResultFactory(wave=small, indicator=respect, positive=20, n=30, unit=u["ahorn"])
    ExternalResultFactory(wave=small, indicator=respect, positive=9, n=12, unit=u["boege"])
    ExternalResultFactory(wave=small, indicator=respect, positive=2, n=3, unit=u["dal"])
    results = survey_results(survey)
    assert results.get(respect, whole, TOTAL).figure == Figure(40, 60, 0)
    assert results.get(respect, whole, unit(setup, "ahorn")).figure == Figure(20, 30, 0)
    assert results.get(respect, whole, ELDERLY).figure == Figure(29, 42, 0)
    assert results.get(respect, whole, NO_UNIT).figure == Figure(11, 18, 0)  # the total beyond its units
    # Dalhuset's 3 answers make Disability small; the total less Elderly and "not tied to a unit" would
    # give it, so "not tied to a unit", the smaller of the two, is hidden too.
    assert results.get(respect, small, unit(setup, "dal")).hidden == Hidden.SMALL
    assert results.get(respect, small, DISABILITY).hidden == Hidden.SMALL
    assert results.get(respect, small, NO_UNIT).hidden == Hidden.COMPLEMENTARY
    assert results.get(respect, small, ELDERLY).figure == Figure(29, 42, 0)
    assert results.get(respect, small, TOTAL).figure == Figure(40, 60, 0)


def test_external_waves_ignore_answers_and_portal_waves_ignore_external_results(setup):
    survey, respect = setup["survey"], setup["indicators"]["respect"]
    ExternalResultFactory(wave=setup["waves"]["w2"], indicator=respect, positive=99, n=100)
    results = survey_results(survey)
    assert results.get(respect, setup["waves"]["w2"], TOTAL).figure is None


# --- the dashboard: access ----------------------------------------------------------------------


def dashboard_urls(survey, wave=None) -> list[str]:
    query = f"?wave={wave.pk}" if wave else ""
    return [
        reverse("surveys:dashboard", args=[survey.pk]) + query,
        reverse("surveys:figures-csv", args=[survey.pk]),
        reverse("surveys:figures-xlsx", args=[survey.pk]),
        reverse("surveys:answers-csv", args=[survey.pk]) + query,
    ]


def test_anonymous_visitors_are_sent_to_the_login_page(client, setup):
    for url in [reverse("surveys:results"), *dashboard_urls(setup["survey"])]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


@pytest.mark.parametrize("roles", [(Role.CASEWORKER,), (Role.EDITOR,), (Role.MUNICIPALITY_ADMIN,), ()])
def test_staff_who_are_not_managers_are_refused(client, setup, municipality, roles):
    client.force_login(StaffFactory(municipality=municipality, roles=[*roles]))
    for url in [reverse("surveys:results"), *dashboard_urls(setup["survey"], setup["waves"]["w2"])]:
        assert client.get(url).status_code == 403, url


def test_a_platform_superuser_without_the_role_is_refused(client, setup):
    client.force_login(SuperuserFactory())
    assert client.get(dashboard_urls(setup["survey"])[0]).status_code == 403


def test_a_manager_of_another_municipality_finds_nothing(client, setup, other_municipality):
    client.force_login(StaffFactory(municipality=other_municipality, roles=[Role.MANAGER]))
    for url in dashboard_urls(setup["survey"], setup["waves"]["w2"]):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("surveys:results")).status_code == 200  # their own (empty) list


def test_a_wave_of_another_survey_is_not_found(client, setup, manager, other_municipality):
    foreign = WaveFactory(
        survey=SurveyFactory(municipality=other_municipality),
        name="Fremmed",
        opens_on=date(2024, 1, 1),
        closes_on=date(2024, 2, 1),
    )
    client.force_login(manager)
    for url in dashboard_urls(setup["survey"], foreign):
        if "wave=" in url:
            assert client.get(url).status_code == 404, url
    assert client.get(reverse("surveys:dashboard", args=[setup["survey"].pk]) + "?wave=x").status_code == 404
    assert client.get(reverse("surveys:answers-csv", args=[setup["survey"].pk]) + "?wave=x").status_code == 404


def test_the_staff_page_links_managers_and_nobody_else_to_the_results(client, municipality):
    link = f'href="{reverse("surveys:results")}"'
    client.force_login(StaffFactory(municipality=municipality, roles=[Role.MANAGER]))
    assert link in client.get(reverse("staff-home")).text
    client.force_login(StaffFactory(municipality=municipality, roles=[Role.CASEWORKER, Role.EDITOR]))
    assert link not in client.get(reverse("staff-home")).text


def test_the_managers_list_leads_straight_to_the_only_survey(client, setup, manager):
    client.force_login(manager)
    response = client.get(reverse("surveys:results"))
    assert response.status_code == 302 and response.url == reverse("surveys:dashboard", args=[setup["survey"].pk])


# --- the dashboard: what it shows ---------------------------------------------------------------


def test_the_dashboard_shows_each_indicators_figures(client, setup, manager):
    counted_out(setup)
    client.force_login(manager)
    response = client.get(dashboard_urls(setup["survey"], setup["waves"]["w2"])[0])
    assert response.status_code == 200
    html = unescape(response.text)
    assert "Mødt med respekt" in html and "Kender andre pårørende" in html
    assert f'option value="{setup["waves"]["w2"].pk}" selected' in html
    summary = html[html.index(f'id="indicator-{setup["indicators"]["respect"].pk}"') :]
    assert "59\u00a0%" in summary  # 23 of 39
    assert "43–73\u00a0%" in summary  # its interval
    assert da("Target not met") in summary  # a text, not a colour only
    assert "Ahornhuset" in summary and "64\u00a0%" in summary  # 7 of 11
    assert da(HIDDEN_SMALL, limit=5) in summary  # Egebo
    assert da(HIDDEN_COMPLEMENTARY) in summary  # Dalhuset
    assert da("Behind the path to the target") in summary
    assert FREE_TEXT_MARK not in html


def test_the_dashboard_defaults_to_the_latest_wave_with_answers_and_switches(client, setup, manager):
    client.force_login(manager)
    url = reverse("surveys:dashboard", args=[setup["survey"].pk])
    waves = setup["waves"]
    assert f'option value="{waves["open"].pk}" selected' in client.get(url).text  # no answers: the latest opened
    counted_out(setup)
    assert f'option value="{waves["w2"].pk}" selected' in client.get(url).text
    assert f'option value="{waves["w1"].pk}" selected' in client.get(f"{url}?wave={waves['w1'].pk}").text


def test_the_dashboard_has_accessible_charts_and_nothing_inline(client, setup, manager):
    counted_out(setup)
    client.force_login(manager)
    response = client.get(dashboard_urls(setup["survey"], setup["waves"]["w2"])[0])
    html = response.text
    charts = re.findall(r"<svg class=\"trend-chart\"[^>]*>", html)
    assert len(charts) == 3
    assert all('role="img"' in chart and "aria-labelledby=" in chart for chart in charts)
    assert html.count("<title id=") == 3 and html.count("<desc id=") == 3
    assert len(re.findall(r'<caption id="trend-\d+"', html)) == 3  # a table beside each chart
    assert 'stroke-dasharray="8 5"' in html  # the target line
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]


def test_chart_coordinates_are_not_localised(client, setup, manager):
    counted_out(setup)
    client.force_login(manager)
    html = client.get(dashboard_urls(setup["survey"], setup["waves"]["w2"])[0]).text
    for value in re.findall(r' (?:x|y|x1|x2|y1|y2|cx|cy)="([^"]*)"', html):
        assert re.fullmatch(r"-?\d+(\.\d+)?", value), value


# --- exports ------------------------------------------------------------------------------------


def read_csv(response) -> list[dict]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def expected_rows(results) -> dict[tuple, tuple]:
    """(indicator, wave, group) -> (positive, n, dont_know, share, hidden) as the dashboard has them."""
    rows = {}
    for indicator in results.indicators:
        for wave in results.waves:
            for group in results.groups:
                result = results.get(indicator, wave, group)
                if result and (result.shown or result.hidden):
                    figure = result.figure
                    rows[(indicator.name, wave.name, group.label)] = (
                        (figure.positive, figure.n, figure.dont_know, round(figure.share, 4)) if figure else None,
                        result.hidden.value if result.hidden else "",
                        result.status.value if result.status else "",
                    )
    return rows


# The exports' contents are tested in tests/test_survey_exports.py.


# --- fixed query counts -------------------------------------------------------------------------


@pytest.fixture
def big_and_small(municipality, setup):
    def make(per_unit: int):
        questions = list(setup["questions"].values())
        for wave in list(setup["waves"].values())[:2]:
            generate_answers(wave, list(setup["units"].values()), questions, per_unit, seed=per_unit)

    return make


@pytest.mark.parametrize("per_unit", [1, 40])
def test_queries_do_not_grow_with_the_answers(client, setup, manager, big_and_small, per_unit,
                                              django_assert_num_queries):  # fmt: skip
    big_and_small(per_unit)
    ExternalResultFactory(
        wave=WaveFactory(
            survey=setup["survey"],
            name="Ekstern",
            opens_on=date(2021, 1, 1),
            closes_on=date(2021, 2, 1),
            is_external=True,
        ),
        indicator=setup["indicators"]["respect"],
        positive=5,
        n=9,
    )
    client.force_login(manager)
    client.get(reverse("surveys:results"))  # the session is warm
    survey = setup["survey"]
    # session, user, groups (with their permissions), survey, waves, indicators, units, answer counts,
    # external results, the responses per language
    with django_assert_num_queries(11):  # and the free-text permission (the user's own)
        assert client.get(dashboard_urls(survey)[0]).status_code == 200
    for url in dashboard_urls(survey)[1:3]:
        with django_assert_num_queries(9):
            assert client.get(url).status_code == 200
    # session, user, groups, survey, the dashboard's 5 (which units it hides), responses per unit,
    # answers per question (which questions too few answered), the answers
    with django_assert_num_queries(12):
        response = client.get(dashboard_urls(survey)[3])
        rows = read_csv(response)
    if per_unit > 1:  # (one answer per unit: too few answered each question, so they are left out)
        assert len(rows) == per_unit * 5 * 2 * 2  # free text is left out
    with django_assert_num_queries(4):  # session, user, groups, the surveys (one: on to its dashboard)
        assert client.get(reverse("surveys:results")).status_code == 302
    client.logout()
    # the municipality, then waves, indicators, units, answers, external, the published yearly reports
    with django_assert_num_queries(7):
        assert client.get(reverse("surveys:how-it-goes", args=[survey.municipality.slug])).status_code == 200


def test_the_grouped_count_is_one_query_for_every_indicator(setup, django_assert_num_queries):
    counted_out(setup)
    survey = setup["survey"]
    waves = list(survey.waves.all())
    indicators = list(Indicator.objects.select_related("question"))
    units = list(Unit.objects.all())
    with django_assert_num_queries(1):  # no external wave: the grouped count alone
        results = compute_results(waves, indicators, units)
    assert len(results.indicators) == 3


# --- the public page ----------------------------------------------------------------------------


@pytest.fixture
def demo(municipality):
    return demo_results(municipality, TODAY)


def public_url(municipality) -> str:
    return reverse("surveys:how-it-goes", args=[municipality.slug])


def test_the_public_page_shows_the_headline_indicators_of_the_latest_closed_wave(client, demo, municipality):
    response = client.get(public_url(municipality))
    assert response.status_code == 200
    html = unescape(response.text)
    latest = demo["waves"][1]
    assert latest.name in html
    assert "Mødt med respekt" in html and "Inddraget" in html
    assert "I gang" not in html  # the open wave is not public
    results = headline_results(municipality)
    total = results.get(demo["indicators"]["respect"], latest, TOTAL)
    assert total.share_text in html and total.status_label in html


def test_the_public_page_shows_no_free_text_and_no_small_group(client, demo, municipality):
    html = unescape(client.get(public_url(municipality)).text)
    assert FREE_TEXT_MARK not in html and "Vil du fortælle mere" not in html
    assert "Egebo" not in html  # below the limit
    assert "Dalhuset" not in html  # hidden so that Egebo cannot be worked out from the disability area
    assert "Ahornhuset" in html and str(Area.DISABILITY.label) in html
    assert da(HIDDEN_SMALL, limit=5) not in html and da(HIDDEN_COMPLEMENTARY) not in html


def test_the_public_page_leaves_out_indicators_that_are_not_headline(client, demo, municipality):
    indicator = demo["indicators"]["included"]
    indicator.is_headline = False
    indicator.save()
    assert "Inddraget" not in client.get(public_url(municipality)).text


def test_the_public_page_without_results_says_so(client, municipality):
    response = client.get(public_url(municipality))
    assert response.status_code == 200 and da("There are no results to show yet.") in unescape(response.text)


def test_the_public_page_is_public_and_strict(client, demo, municipality):
    response = client.get(public_url(municipality))
    assert response.cookies == {} and "csrfmiddlewaretoken" not in response.text
    assert " style=" not in response.text and "<style" not in response.text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text)
    assert client.get("/ingen-kommune/saadan-gaar-det/").status_code == 404


def test_the_municipality_page_links_to_the_public_page(client, municipality):
    assert f'href="{public_url(municipality)}"' in client.get(municipality.get_absolute_url()).text


def test_the_public_page_in_english(client, demo, municipality):
    response = client.get("/en" + public_url(municipality))
    assert response.status_code == 200 and "How it is going" in response.text


def test_another_municipalitys_results_stay_on_its_own_page(client, demo, municipality):
    elsewhere = MunicipalityFactory(town="Andeby", slug="andeby", kommunekode="0902")
    html = unescape(client.get(public_url(elsewhere)).text)
    assert "Mødt med respekt" not in html and da("There are no results to show yet.") in html


# --- Haderslev's own survey, from its seed ------------------------------------------------------


def test_haderslevs_2021_baselines_entered_as_an_external_wave(client, db):
    """The policy's baselines (66 %, 54 %, 52 %, March 2021) as results measured outside the portal.

    The policy does not say how many answered; 100 stands in for n here.
    """
    from django.conf import settings

    from portal.policy_fixtures import load_policy
    from surveys.survey_fixtures import load_survey

    municipality = load_policy(settings.BASE_DIR / "fixtures" / "policies" / "haderslev.json").municipality
    assert load_survey(settings.BASE_DIR / "fixtures" / "surveys" / "haderslev.json")
    survey = municipality.surveys.get()
    wave = WaveFactory(
        survey=survey, name="Marts 2021", opens_on=date(2021, 3, 1), closes_on=date(2021, 3, 31), is_external=True
    )
    baselines = {}
    for indicator in Indicator.objects.filter(question__survey=survey, baseline__isnull=False):
        ExternalResultFactory(wave=wave, indicator=indicator, positive=round(float(indicator.baseline) * 100), n=100)
        baselines[indicator.name] = float(indicator.baseline)
    assert sorted(baselines.values()) == [0.52, 0.54, 0.66]

    results = survey_results(survey)
    for indicator in results.indicators:
        total = results.get(indicator, wave, TOTAL)
        if indicator.name in baselines:
            assert total.share == pytest.approx(baselines[indicator.name])
            assert total.status is None  # these indicators have no target of their own
        else:
            assert total.figure is None  # the two targets of 75 % have no baseline measured

    client.force_login(StaffFactory(municipality=municipality, roles=[Role.MANAGER]))
    html = unescape(client.get(reverse("surveys:dashboard", args=[survey.pk])).text)
    for share in ("66\u00a0%", "54\u00a0%", "52\u00a0%"):
        assert share in html
    assert da("%(share)s by %(deadline)s", share="75\u00a0%", deadline="31. december 2024") in html
    assert da("%(share)s on %(date)s", share="66\u00a0%", date="1. marts 2021") in html  # the indicator's baseline


def test_editing_an_indicator_renews_the_cached_public_page(db):
    from portal.models import Municipality
    from surveys.models import Indicator, Survey
    from tests.factories import MunicipalityFactory

    municipality = MunicipalityFactory(town="Signalby", slug="signalby", kommunekode="0903")
    survey = Survey.objects.create(municipality=municipality, title="Pårørendeundersøgelse")
    before = Municipality.objects.get(pk=municipality.pk).content_changed_at
    question = survey.questions.create(text="I hvilken grad …?", kind="scale")
    Indicator.objects.create(question=question, name="Respekt", positive_answers=["i_meget_hoej_grad"])
    assert Municipality.objects.get(pk=municipality.pk).content_changed_at > before


def test_rule_the_public_sees_no_hidden_group_not_even_its_name():
    from types import SimpleNamespace

    from surveys.suppression import publishable

    shown, small, complementary = (
        SimpleNamespace(shown=True, hidden=None),
        SimpleNamespace(shown=False, hidden=Hidden.SMALL),
        SimpleNamespace(shown=False, hidden=Hidden.COMPLEMENTARY),
    )
    assert publishable([small, shown, complementary]) == [shown]
