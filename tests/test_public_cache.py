"""The public pages under junk traffic and while the database restarts, and what /healthz tells the load balancer.

The database failures here are real: the connection is closed and opened again against a database that is
not there (PostgreSQL: a port nothing listens on, as during a restart; SQLite: a file that cannot be opened).
"""

import socket
from contextlib import contextmanager

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import OperationalError, connection
from django.test import Client
from django.urls import URLResolver, reverse

from portal import public_cache
from portal.public_cache import PARAMETER_PAGES, forget_versions
from tests.factories import PageFactory

HADERSLEV_PAGE = "/haderslev/tema-2-du-skal-ikke-staa-alene/"


def free_port() -> int:
    """A port on this machine that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def database_down():
    """Until the block ends, every new database connection fails, as while the database restarts."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        port = settings["PORT"]
        connection.close()
        settings["PORT"] = str(free_port())
        try:
            yield
        finally:
            connection.close()
            settings["PORT"] = port
    else:  # SQLite: the tests' database lives in this connection's memory, so it is put aside, not closed
        kept, name = connection.connection, settings["NAME"]
        connection.connection = None
        settings["NAME"] = "/nonexistent-folder/portal.sqlite3"
        try:
            yield
        finally:
            connection.connection, settings["NAME"] = kept, name


def cache_entries() -> int:
    backend = caches["default"]
    assert isinstance(backend, LocMemCache), "the tests run with the per-process cache"
    return len(backend._cache)


def public_pages() -> list[str]:
    """Danish pages and an English one (computed once: a request to /en/ leaves English active for reverse())."""
    return [
        HADERSLEV_PAGE,
        "/haderslev/",
        reverse("contacts:directory", args=["hvidovre"]),
        reverse("contacts:offers", args=["hvidovre"]),
        "/en/haderslev/",
    ]


def test_made_up_parameters_and_searches_that_find_nothing_make_no_new_cache_entries(client, directories):
    pages = public_pages()
    search = reverse("contacts:directory", args=["hvidovre"])
    for url in pages:
        assert client.get(url).status_code == 200, url
    entries = cache_entries()
    for number in range(50):
        for url in pages:
            assert client.get(f"{url}?q=junk{number}&utm_source=x{number}&page={number}").status_code == 200
        assert client.get(f"{search}?q=xqzv{number}").status_code == 200  # finds nothing
        assert client.get(f"{search}?q=%20{number}%20").status_code == 200  # no word a search reads
    assert cache_entries() == entries


def test_four_hundred_searches_do_not_push_the_pages_everyone_reads_out_of_the_cache(
    client, directories, django_assert_max_num_queries
):
    pages = public_pages()
    search = reverse("contacts:directory", args=["hvidovre"])
    for url in pages:
        client.get(url)
    entries = cache_entries()
    for number in range(400):
        response = client.get(f"{search}?q=demens+{number}")
        assert 'class="situation-result"' in response.text
    assert cache_entries() <= entries + PARAMETER_PAGES + 1  # the searches cached, and their counter
    for url in pages:
        # From the cache: at most the content's version is read again (cached for VERSION_SECONDS), no page rendered.
        with django_assert_max_num_queries(1):
            assert client.get(url).status_code == 200, url


def test_the_same_search_written_differently_is_one_cache_entry(client, directories, django_assert_num_queries):
    search = reverse("contacts:directory", args=["hvidovre"])
    first = client.get(f"{search}?q=demens+plejehjem").text
    with django_assert_num_queries(0):
        again = client.get(f"{search}?q=++demens%20%20plejehjem+&utm_source=nyhedsbrev").text
    assert again == first


@pytest.mark.django_db(transaction=True)
def test_a_cached_page_is_served_while_the_database_restarts(client, policies):
    html = client.get(HADERSLEV_PAGE).text
    with database_down():
        with pytest.raises(OperationalError):  # the database really is gone
            connection.ensure_connection()
        response = client.get(HADERSLEV_PAGE)
        assert response.status_code == 200 and response.text == html
        forget_versions()  # as after VERSION_SECONDS: the version is not cached any more, the last one known is used
        response = client.get(HADERSLEV_PAGE)
        assert response.status_code == 200 and response.text == html
        with pytest.raises(OperationalError):  # a page nobody has asked for yet needs the database
            client.get("/haderslev/tema-1-vi-moeder-dig-og-dine-naere/")
    assert client.get(HADERSLEV_PAGE).status_code == 200


def headers(response) -> dict:
    found = dict(response.headers)
    found["Vary"] = sorted(found.get("Vary", "").split(", "))  # the same values, in either order
    return found | {"cookies": sorted(response.cookies)}


def test_a_cached_page_is_served_before_the_url_is_resolved_with_what_the_view_sends(
    client, directories, monkeypatch, django_assert_num_queries
):
    search = reverse("contacts:directory", args=["hvidovre"])
    pages = [HADERSLEV_PAGE, "/en/haderslev/", search, f"{search}?q=demens", "/haderslev/saadan-gaar-det/"]
    first = {url: client.get(url) for url in pages}
    assert all(response.status_code == 200 for response in first.values())

    def resolve(*args, **kwargs):
        raise AssertionError("the URL was resolved")

    monkeypatch.setattr(URLResolver, "resolve", resolve)
    for url in pages:
        with django_assert_num_queries(0):
            again = client.get(url.replace("demens", "+demens+") + ("&utm_source=x" if "?" in url else "?x=1"))
        assert again.status_code == 200 and again.content == first[url].content, url
        assert headers(again) == headers(first[url]), url
    assert "Cookie" in headers(again)["Vary"] and again["X-Frame-Options"] == "DENY"


def test_a_page_the_middleware_does_not_find_costs_one_read_of_the_cache_not_two(client, directories, monkeypatch):
    search = reverse("contacts:directory", args=["hvidovre"])
    client.get(search)  # the path and its version are known now
    cache = public_cache.cache
    reads, in_get_many = [], []

    def get(key, *args, original=cache.get, **kwargs):
        if not in_get_many:  # (the per-process cache's get_many calls get for each key)
            reads.append([key])
        return original(key, *args, **kwargs)

    def get_many(keys, *args, original=cache.get_many, **kwargs):
        reads.append(list(keys))
        in_get_many.append(True)
        try:
            return original(keys, *args, **kwargs)
        finally:
            in_get_many.pop()

    monkeypatch.setattr(cache, "get", get)
    monkeypatch.setattr(cache, "get_many", get_many)
    response = client.get(f"{search}?q=xqzv")  # finds nothing: rendered, and not kept
    assert response.status_code == 200 and "xqzv" in response.text
    assert len(reads) == 1 and len(set(reads[0])) == 3  # the generation, the version and the page, at once


def test_a_visitor_with_a_session_gets_the_page_from_the_view_not_the_anonymous_copy(client, editor):
    page = PageFactory(municipality=editor.municipality, slug="side", sections=1)
    anonymous = Client()
    anonymous.get(page.get_absolute_url())
    assert "no-store" not in anonymous.get(page.get_absolute_url()).get("Cache-Control", "")
    client.force_login(editor)
    response = client.get(page.get_absolute_url())
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


# --- /healthz -------------------------------------------------------------------------------------------


def test_healthz_says_ok_when_the_database_and_the_cache_answer(client, db, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.text == "ok\n"
    assert response["Content-Type"].startswith("text/plain") and "no-cache" in response["Cache-Control"]


@pytest.mark.django_db(transaction=True)
def test_healthz_says_503_when_the_database_does_not_answer(client):
    with database_down():
        response = client.get("/healthz")
    assert response.status_code == 503 and response.text == "database unavailable\n"
    assert client.get("/healthz").status_code == 200


def test_healthz_says_503_when_the_configured_redis_does_not_answer(client, db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503 and response.text == "cache unavailable\n"
