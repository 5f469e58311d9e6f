import os

# The suite runs with production-like settings (DEBUG off); only static files skip the manifest,
# which needs collectstatic (the bench and `manage.py check --deploy` test cover that path).
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-that-is-long-enough-for-django-checks-0123456789")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

import pytest  # noqa: E402

from tests.factories import make_municipality, make_staff  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def policies(db):
    """The five municipalities with their policies loaded from fixtures/policies/."""
    from portal.policy_fixtures import load_policy, policy_fixture_paths

    return {result.municipality.slug: result.municipality for result in map(load_policy, policy_fixture_paths())}


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
