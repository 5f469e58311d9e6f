import pytest

from tests.factories import make_municipality, make_staff


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
    return make_municipality("Testrup", "testrup", "0901")


@pytest.fixture
def other_municipality(db):
    return make_municipality("Andeby", "andeby", "0902")


@pytest.fixture
def editor(municipality):
    return make_staff(municipality, "Redaktør")


@pytest.fixture
def other_editor(other_municipality):
    return make_staff(other_municipality, "Redaktør")
