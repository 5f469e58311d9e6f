"""The consent app's demo data: ConsentConfig.load_demo_data, the hook `manage.py demo` calls after portal
has made the municipalities, the demo units and the demo staff."""

import io

import pytest
from django.apps import apps

from consent import rules
from consent.access import policy
from consent.demo import DEMO_CITIZEN, DEMO_RELATIVE
from consent.models import AuditEvent, Citizen, Consent
from portal.models import Area, Unit
from portal.roles import Role
from tests.factories import StaffFactory
from tests.service_helpers import consent_rows

DEMO_STAFF = {
    "sagsbehandler": Role.CASEWORKER,
    "leder": Role.MANAGER,
    "redaktoer": Role.EDITOR,
    "admin": Role.MUNICIPALITY_ADMIN,
}


@pytest.fixture
def demo_staff(policies):
    """What portal's demo makes before it asks the apps: demo units, and staff named <slug>-<role> with the
    roles' groups; the caseworkers get the demo units."""
    caseworkers = {}
    for slug, municipality in policies.items():
        units = [
            Unit.objects.create(municipality=municipality, name=name, area=Area.ELDERLY)
            for name in ("Demo-plejecenter (fiktivt)", "Demo-hjemmepleje, distrikt Nord (fiktivt)")
        ]
        for suffix, role in DEMO_STAFF.items():
            user = StaffFactory(municipality=municipality, roles=[role], username=f"{slug}-{suffix}", first_name="Demo")
            if role == Role.CASEWORKER:
                user.units.set(units)
                caseworkers[slug] = user
    return caseworkers


def load_demo_data() -> str:
    out = io.StringIO()
    apps.get_app_config("consent").load_demo_data(stdout=out)
    return out.getvalue()


def test_the_demo_hook_makes_one_fictitious_citizen_per_municipality_once(demo_staff, policies):
    load_demo_data()
    rows = consent_rows()
    output = load_demo_data()  # a second run adds nothing
    assert consent_rows() == rows
    assert DEMO_CITIZEN in output and "fictitious" in output
    assert len(policies) == 5
    for slug, municipality in policies.items():
        (citizen,) = Citizen.objects.filter(municipality=municipality)
        caseworker = demo_staff[slug]
        assert (citizen.name, citizen.cpr_masked, citizen.created_by) == (DEMO_CITIZEN, "010150-xxxx", caseworker)
        assert policy.visible(caseworker, Citizen).filter(pk=citizen.pk).exists(), slug
        (consent,) = Consent.objects.filter(citizen=citizen)
        assert consent.relative.name == DEMO_RELATIVE
        assert (consent.decision, consent.form) == (Consent.Decision.PERMIT, Consent.Form.WRITTEN)
        assert consent.valid_until is not None  # the services gave it the one-year default
        events = AuditEvent.objects.filter(citizen=citizen).values_list("event", flat=True)
        assert sorted(events) == sorted(
            [
                AuditEvent.Event.CITIZEN_REGISTERED,
                AuditEvent.Event.RELATIVE_ADDED,
                AuditEvent.Event.CONSENT_RECORDED,
                AuditEvent.Event.HELP_CHANGE_RECORDED,
            ]
        )
        (help_change,) = citizen.help_changes.all()
        may, _may_not = rules.help_change_recipients(
            citizen.relatives.all(),
            Consent.objects.filter(citizen=citizen),
            help_change.category,
            help_change.changes_on,
        )
        assert [recipient.relative.name for recipient in may] == [DEMO_RELATIVE]


def test_a_municipality_without_a_caseworker_gets_no_demo_citizen_and_is_told(demo_staff, policies):
    demo_staff["hvidovre"].units.clear()  # a caseworker without units could not open the citizen
    output = load_demo_data()
    assert not Citizen.objects.filter(municipality=policies["hvidovre"]).exists()
    assert Citizen.objects.count() == 4
    assert policies["hvidovre"].name in output
