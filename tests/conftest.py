"""The fixtures every test module shares; a fixture's name means the same thing in every module.

The people: `editor`, `caseworker` (of `unit`), `manager`, `administrator` of `municipality`, and `other_editor`
of `other_municipality`. The consent rows: `citizen` (in `unit`), `relative`, `consent`, `agreement`, written
directly; `registered_citizen` went through consent.services (its audit row exists). Browser fixtures:
tests/browser/conftest.py.
"""

import time

import pytest
from django.test import Client

from portal.roles import Role
from tests.factories import (
    AgreementFactory,
    CitizenFactory,
    ConsentFactory,
    MunicipalityFactory,
    RelativeFactory,
    StaffFactory,
    UnitFactory,
)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, migrated; transactional tests empty it back to this state (tests.quick_flush)."""
    from tests import quick_flush

    with django_db_blocker.unblock():
        quick_flush.install()


@pytest.fixture(autouse=True)
def _force_login_is_a_whole_login(monkeypatch):
    """`client.force_login(user)` stands for a person who has logged in with password AND second factor.

    Password logins need a second factor (portal.login_middleware); force_login skips the login pages, so it
    records in the session what allauth records after the code was typed. Tests of the login itself log in
    through the pages (tests/test_staff_login.py, tests/test_login_*.py).
    """
    force_login = Client.force_login

    def force_whole_login(self, user, backend=None):
        force_login(self, user, backend)
        session = self.session
        session["account_authentication_methods_user"] = str(user.pk)
        session["account_authentication_methods"] = [
            {"method": "password", "at": time.time(), "username": user.get_username()},
            {"method": "mfa", "at": time.time(), "type": "totp"},
        ]
        session.save()

    monkeypatch.setattr(Client, "force_login", force_whole_login)


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _danish_to_begin_with():
    """Each test starts in Danish; a request to /en/ leaves English active in the test's thread."""
    from django.utils import translation

    with translation.override("da"):
        yield


@pytest.fixture
def policies(db):
    """The five municipalities with their policies loaded from fixtures/policies/."""
    from portal.policy_fixtures import load_policy, policy_fixture_paths

    return {result.municipality.slug: result.municipality for result in map(load_policy, policy_fixture_paths())}


@pytest.fixture
def directories(policies):
    """The five municipalities with their policies and their "Find rundt" directories from fixtures/directory/."""
    from contacts.directory_fixtures import directory_fixture_paths, load_directory

    for path in directory_fixture_paths():
        assert load_directory(path), f"{path.name}: the municipality had a directory already"
    for municipality in policies.values():
        municipality.refresh_from_db()  # loading moved content_changed_at
    return policies


@pytest.fixture
def municipality(db):
    return MunicipalityFactory(town="Testrup", slug="testrup", kommunekode="0901")


@pytest.fixture
def other_municipality(db):
    return MunicipalityFactory(town="Andeby", slug="andeby", kommunekode="0902")


@pytest.fixture
def unit(municipality):
    return UnitFactory(municipality=municipality, name="Plejecenter Solgården")


@pytest.fixture
def other_unit(municipality):
    return UnitFactory(municipality=municipality, name="Hjemmeplejen Nord")


@pytest.fixture
def editor(municipality):
    return StaffFactory(municipality=municipality, roles=[Role.EDITOR])


@pytest.fixture
def other_editor(other_municipality):
    return StaffFactory(municipality=other_municipality, roles=[Role.EDITOR])


@pytest.fixture
def caseworker(municipality, unit):
    return StaffFactory(
        municipality=municipality,
        roles=[Role.CASEWORKER],
        units=[unit],
        username="sara",
        first_name="Sara",
        last_name="Sagsbehandler",
    )


@pytest.fixture
def manager(municipality):
    """A manager (Leder) who sets up surveys in the admin, so staff."""
    return StaffFactory(municipality=municipality, roles=[Role.MANAGER], is_staff=True)


@pytest.fixture
def administrator(municipality):
    return StaffFactory(
        municipality=municipality, roles=[Role.MUNICIPALITY_ADMIN], first_name="Alma", last_name="Administrator"
    )


@pytest.fixture
def citizen(municipality, unit, caseworker):
    return CitizenFactory(
        municipality=municipality, units=[unit], created_by=caseworker, name="Birte Borger", cpr="121245-1234"
    )


@pytest.fixture
def registered_citizen(municipality, caseworker):
    """Karen Testesen (tests.service_helpers.CITIZEN_*), registered by the caseworker in their units."""
    from tests.service_helpers import register_citizen

    return register_citizen(municipality, caseworker, units=caseworker.units.all())


@pytest.fixture
def relative(citizen):
    return RelativeFactory(citizen=citizen, name="Mette Datter", relation="datter", phone="12345678")


@pytest.fixture
def consent(relative, caseworker):
    return ConsentFactory(relative=relative, recorded_by=caseworker)


@pytest.fixture
def agreement(citizen, caseworker):
    return AgreementFactory(citizen=citizen, created_by=caseworker, description="Mette ringer hver søndag")
