"""Local action plans (issue 15): a manager writes a unit's or an area's plan with actions that should move the
policy's indicators; the municipality-wide overview shows them beside each indicator's trend. Scoped by
surveys.access.survey_policy: another municipality's plan is not found."""

from datetime import date
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from portal.errors import RuleViolation, StaleVersion
from portal.models import Area
from portal.roles import Role
from surveys import services
from surveys.models import Action, ActionPlan
from tests.factories import StaffFactory, UnitFactory
from tests.test_dashboard import counted_out
from tests.test_dashboard import setup as setup

TODAY = timezone.localdate()


def da(message: str, **values) -> str:
    with translation.override("da"):
        text = gettext(message)
    return text % values if values else text


@pytest.fixture
def manager(municipality):
    """conftest's manager, with a name for the owner list."""
    return StaffFactory(municipality=municipality, roles=[Role.MANAGER], first_name="Lone", last_name="Leder")


@pytest.fixture
def plan(setup, manager):
    return services.create_action_plan(
        acting_user=manager, unit=setup["units"]["ahorn"], year=2026, title="Ahornhusets handleplan", today=TODAY
    )


def test_a_manager_writes_a_plan_with_two_actions_through_the_pages(client, setup, manager):
    client.force_login(manager)
    response = client.post(
        reverse("surveys:plan-new"), {"unit": setup["units"]["ahorn"].pk, "year": 2026, "title": "Mere respekt"}
    )
    plan = ActionPlan.objects.get()
    assert response.status_code == 302 and response.url == reverse("surveys:plan", args=[plan.pk])
    respect = setup["indicators"]["respect"]
    for title, owner in [("Pårørendemøder hver måned", {"owner_name": "Teamleder Ahorn"}),
                         ("Kursus i samtaler", {"owner": manager.pk})]:  # fmt: skip
        response = client.post(reverse("surveys:plan", args=[plan.pk]), {
            "title": title, **owner, "starts_on": "2026-01-01", "deadline": "2026-06-30", "status": "planned",
            "indicators": [respect.pk]})  # fmt: skip
        assert response.status_code == 302
    assert plan.actions.count() == 2
    html = unescape(client.get(reverse("surveys:plan", args=[plan.pk])).text)
    assert "Pårørendemøder hver måned" in html and "Teamleder Ahorn" in html and "Lone Leder" in html
    overview = unescape(client.get(reverse("surveys:plans")).text)
    section = overview[overview.index(f'id="plan-indicator-{respect.pk}"') :].split("</section>")[0]
    assert "Kursus i samtaler" in section and "Ahornhuset" in section and "Runde 2" in section


def test_an_action_with_its_deadline_before_its_start_is_refused_in_danish(client, plan, manager):
    client.force_login(manager)
    response = client.post(reverse("surveys:plan", args=[plan.pk]), {
        "title": "Noget", "owner_name": "Mig", "starts_on": "2026-05-01", "deadline": "2026-04-01",
        "status": "planned"})  # fmt: skip
    assert response.status_code == 200
    assert "Fristen kan ikke ligge før starten." in unescape(response.text)
    assert not Action.objects.exists()


def test_a_plan_for_another_municipalitys_unit_is_refused(client, setup, manager, other_municipality):
    foreign = UnitFactory(municipality=other_municipality, name="Fremmedhuset", area=Area.ELDERLY)
    with pytest.raises(RuleViolation) as refused:
        services.create_action_plan(acting_user=manager, unit=foreign, year=2026, title="x", today=TODAY)
    assert refused.value.message_dict["unit"] == [da("Choose a unit of your own municipality.")]
    client.force_login(manager)
    response = client.post(reverse("surveys:plan-new"), {"unit": foreign.pk, "year": 2026, "title": "x"})
    assert response.status_code == 200 and "Vælg en enhed i din egen kommune." in unescape(response.text)
    assert not ActionPlan.objects.exists()


def test_a_plan_is_for_a_unit_or_an_area(setup, manager):
    with pytest.raises(RuleViolation):
        services.create_action_plan(acting_user=manager, year=2026, title="x", today=TODAY)
    with pytest.raises(RuleViolation):
        services.create_action_plan(
            acting_user=manager, unit=setup["units"]["ahorn"], area=Area.ELDERLY, year=2026, title="x", today=TODAY
        )
    plan = services.create_action_plan(acting_user=manager, area=Area.ELDERLY, year=2026, title="x", today=TODAY)
    assert plan.for_whom == str(Area.ELDERLY.label)


def test_two_managers_saving_one_action_at_once_lose_nothing(plan, manager, municipality):
    action = services.save_action(acting_user=manager, plan=plan, title="Møder", owner_name="Team",
                                  starts_on=date(2026, 1, 1), deadline=date(2026, 3, 1))  # fmt: skip
    other = StaffFactory(municipality=municipality, roles=[Role.MANAGER])
    fields = {"title": "Møder", "owner_name": "Team", "starts_on": date(2026, 1, 1), "deadline": date(2026, 3, 1)}
    services.save_action(acting_user=other, plan=plan, action=action, version=1, status="under_way", **fields)
    with pytest.raises(StaleVersion):
        services.save_action(acting_user=manager, plan=plan, action=action, version=1, status="done", **fields)
    assert Action.objects.get().status == "under_way"


def test_a_stale_save_on_the_page_is_told_and_keeps_the_input(client, plan, manager):
    action = services.save_action(acting_user=manager, plan=plan, title="Møder", owner_name="Team",
                                  starts_on=date(2026, 1, 1), deadline=date(2026, 3, 1))  # fmt: skip
    Action.objects.filter(pk=action.pk).update(version=2)  # someone else saved meanwhile
    client.force_login(manager)
    response = client.post(reverse("surveys:action", args=[plan.pk, action.pk]), {
        "title": "Møder", "owner_name": "Team", "starts_on": "2026-01-01", "deadline": "2026-03-01",
        "status": "done", "note": "Min vigtige note", "version": 1})  # fmt: skip
    html = unescape(response.text)
    assert response.status_code == 200 and "Min vigtige note" in html and "Nogen anden har gemt" in html


def test_another_municipalitys_plans_are_not_found(client, plan, other_municipality):
    client.force_login(StaffFactory(municipality=other_municipality, roles=[Role.MANAGER]))
    action = services.save_action(acting_user=plan_owner(plan), plan=plan, title="x", owner_name="y",
                                  starts_on=date(2026, 1, 1), deadline=date(2026, 1, 2))  # fmt: skip
    for url in [reverse("surveys:plan", args=[plan.pk]), reverse("surveys:action", args=[plan.pk, action.pk])]:
        assert client.get(url).status_code == 404
        assert client.post(url, {"title": "x"}).status_code == 404
    assert "Ahornhusets handleplan" not in client.get(reverse("surveys:plans")).text


def plan_owner(plan):
    return StaffFactory(municipality=plan.municipality, roles=[Role.MANAGER])


@pytest.mark.parametrize("roles", [(Role.CASEWORKER,), (Role.EDITOR,), ()])
def test_staff_who_are_not_managers_are_refused(client, plan, municipality, roles):
    client.force_login(StaffFactory(municipality=municipality, roles=[*roles]))
    for url in [reverse("surveys:plans"), reverse("surveys:plan-new"), reverse("surveys:plan", args=[plan.pk])]:
        assert client.get(url).status_code == 403


def test_the_plan_pages_run_a_fixed_number_of_queries(client, setup, plan, manager, django_assert_num_queries):
    counted_out(setup)
    client.force_login(manager)
    client.get(reverse("surveys:results"))
    for count in (1, 4):
        for _ in range(count):
            services.save_action(acting_user=manager, plan=plan, title="x", owner=manager, starts_on=date(2026, 1, 1),
                                 deadline=date(2026, 2, 1), indicators=[setup["indicators"]["respect"]])  # fmt: skip
        # session, user, groups; plans, actions, their indicators; waves, indicators, units, answer counts
        with django_assert_num_queries(10):
            assert client.get(reverse("surveys:plans")).status_code == 200
        # session, user, groups; the plan, its actions, their indicators; staff and indicators for the form
        with django_assert_num_queries(8):
            assert client.get(reverse("surveys:plan", args=[plan.pk])).status_code == 200
