import time

import pytest
from django.test import Client

from tests.factories import make_municipality, make_staff


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

    from contacts.directory import _indexes

    cache.clear()
    _indexes.clear()  # the directory's search indexes, kept in the process per municipality
    yield
    cache.clear()
    _indexes.clear()


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
    return make_municipality("Testrup", "testrup", "901")


@pytest.fixture
def other_municipality(db):
    return make_municipality("Andeby", "andeby", "902")


@pytest.fixture
def editor(municipality):
    return make_staff(municipality, "Redaktør")


@pytest.fixture
def other_editor(other_municipality):
    return make_staff(other_municipality, "Redaktør")
