"""With REDIS_URL set, the cache is the Redis server: shared by every process, the public page cache included.

The portal runs as it does in production (its own processes, `portal.settings` from the environment)
against the Redis server on 127.0.0.1:6379, in database 7 (or `PORTAL_TEST_REDIS_DB`), which this suite keeps
for itself.
"""

import os
import pickle
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = f"redis://127.0.0.1:6379/{os.environ.get('PORTAL_TEST_REDIS_DB', '7')}"
PAGE = "/haderslev/tema-2-du-skal-ikke-staa-alene/"

pytestmark = pytest.mark.xdist_group("redis")  # one test process at a time uses the Redis database


@pytest.fixture
def redis_db():
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture(scope="module")
def portal_env(tmp_path_factory) -> dict[str, str]:
    """The environment of a production portal on a fresh SQLite database with Haderslev's policy, cached in Redis."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_SECRET_KEY": "redis-test-" + "k7Qp9vR2mW8zL4tN6bY1cH5dJ0eF3gK" * 2,
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('portal') / 'portal.sqlite3'}",
        "REDIS_URL": REDIS_URL,
    }
    manage(env, "migrate", "--verbosity", "0")
    manage(env, "load_policies", "fixtures/policies/haderslev.json")
    return env


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def gunicorn(portal_env, tmp_path):
    """The portal served by gunicorn (two worker processes) on a free port; yields its base URL."""
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", "2", "portal.wsgi:application"],
            cwd=ROOT,
            env=portal_env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield f"http://127.0.0.1:{listening_port(server, log)}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def listening_port(server: subprocess.Popen, log: Path) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log.read_text(errors="replace"))
        if found and "Booting worker" in log.read_text(errors="replace"):
            return int(found.group(1))
        assert server.poll() is None, log.read_text(errors="replace")
        time.sleep(0.1)
    raise AssertionError(f"gunicorn did not start:\n{log.read_text(errors='replace')}")


def get(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200
        return response.read().decode()


def test_a_value_cached_by_one_process_is_read_back_by_another_through_redis(portal_env, redis_db):
    script = (
        "from django.core.cache import caches; caches['default'].set('probe', 'gemt i Redis', 60);"
        "print(type(caches['default']).__name__)"
    )
    assert manage(portal_env, "shell", "--verbosity", "0", "-c", script).split() == ["TolerantRedisCache"]
    assert pickle.loads(redis_db.get(":1:probe")) == "gemt i Redis"
    script = "from django.core.cache import cache; print(cache.get('probe'))"
    assert manage(portal_env, "shell", "--verbosity", "0", "-c", script).strip() == "gemt i Redis"


def test_the_cache_talks_to_redis_through_one_client_per_process_not_one_per_operation(redis_db):
    """Django's RedisCache makes a redis.Redis for every read and write; building one cost two thirds of a cached
    page's CPU (bench/load_bench.py, the Redis server's rows)."""
    from portal.cache import TolerantRedisCache

    shared = TolerantRedisCache(REDIS_URL, {})
    shared.set("probe", "gemt i Redis", 60)
    first = shared._cache.get_client(write=True)
    assert shared.get("probe") == "gemt i Redis"
    assert shared.get_many(["probe"]) == {"probe": "gemt i Redis"}
    assert shared._cache.get_client() is first
    assert shared._cache.get_client(write=True) is first


def test_the_public_page_cache_keeps_its_pages_in_redis_and_serves_them_from_there(gunicorn, redis_db):
    html = get(gunicorn + PAGE)
    assert "Du skal ikke stå alene" in html

    keys = redis_db.keys(":1:public-page:*")
    assert len(keys) == 1
    version, kept = pickle.loads(redis_db.get(keys[0]))  # the page, and the version of the content it shows
    assert kept.decode() == html

    # Whichever worker answers, the page now comes out of Redis.
    redis_db.set(keys[0], pickle.dumps((version, b"<p>Siden kom fra Redis.</p>")), keepttl=True)
    assert [get(gunicorn + PAGE) for _request in range(4)] == ["<p>Siden kom fra Redis.</p>"] * 4
