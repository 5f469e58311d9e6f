"""Two gunicorn instances on one database and one Redis, behind a real reverse proxy (tests.reverse_proxy, which
hands requests to them in turn and appends the client's address to X-Forwarded-For, as nginx does) with
DJANGO_PROXY_COUNT=1, and clients on two loopback addresses (127.0.0.2, a stranger; 127.0.0.3, the real user).

A session made on one instance works on the other; a stranger's wrong passwords and survey codes count
against the stranger only, across both instances; the logs cannot be forged and hold no client address;
each instance has its own control socket.
"""

import os
import subprocess
import sys
import time

import pytest
import redis

from tests.queue_site import ROOT, Browser, drop_postgres, run_prepare, site_env, web
from tests.smtp_sink import free_port

REDIS_URL = f"redis://127.0.0.1:6379/{os.environ.get('PORTAL_TEST_REDIS_DB', '7')}"
STRANGER, USER = "127.0.0.2", "127.0.0.3"
# With the cache tests, one test process at a time: they share the Redis database. One pair of servers for the module.
pytestmark = pytest.mark.xdist_group("redis")


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two-servers")
    (folder / "run").mkdir()
    cache = redis.Redis.from_url(REDIS_URL)
    cache.flushdb()
    env = site_env(
        folder,
        suffix="two",
        REDIS_URL=REDIS_URL,
        DJANGO_PROXY_COUNT="1",
        AXES_FAILURE_LIMIT="3",
        SURVEY_OPEN_LINK_ANSWERS_PER_HOUR="2",
        SURVEY_CODE_MISSES_PER_HOUR="3",
        XDG_RUNTIME_DIR=str(folder / "run"),
    )
    env.pop("GUNICORN_CONTROL_SOCKET")  # each instance names its own
    ids = run_prepare(env)
    ports = [free_port(), free_port()]
    instances = [web(env, folder, f"web-{n}", port, workers=1) for n, port in enumerate(ports)]
    proxy_port = free_port()
    proxy = subprocess.Popen(
        [sys.executable, "-m", "tests.reverse_proxy", str(proxy_port), *map(str, ports)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proxy.stdout.readline().strip() == "ready"
    yield {"folder": folder, "ids": ids, "ports": ports, "proxy": proxy_port, "instances": instances}
    proxy.terminate()
    proxy.wait(10)
    for instance in instances:
        instance.stop()
    cache.flushdb()
    drop_postgres(env["DATABASE_URL"])


def through_proxy(servers, address: str) -> Browser:
    return Browser(servers["proxy"], source_address=address, https=True)


def test_a_session_made_on_one_server_works_on_the_other(servers):
    first, second = servers["ports"]
    browser = Browser(first)
    status, headers, _text = browser.log_in("leder2")
    assert status == 302
    status, headers, _text = browser.second_factor(headers["Location"], servers["ids"]["totp_secrets"]["leder2"])
    assert status == 302 and headers["Location"] == "/personale/"
    browser.port = second
    status, _headers, text = browser.request("GET", "/personale/undersoegelser/")
    assert status == 200 and "Pårørendeundersøgelse" in text


def test_a_stranger_s_wrong_passwords_through_the_proxy_do_not_lock_out_the_real_user(servers):
    stranger = through_proxy(servers, STRANGER)
    statuses = [
        stranger.log_in(password="forkert-gæt", headers={"X-Forwarded-For": USER})[0]  # a forged address, too
        for _attempt in range(4)
    ]
    assert statuses[:2] == [200, 200] and statuses[-1] == 429  # locked out after 3, on both instances
    assert stranger.log_in()[0] == 429  # even with the right password, from the stranger's address

    user = through_proxy(servers, USER)
    status, headers, _text = user.log_in()
    assert status == 302
    status, headers, _text = user.second_factor(headers["Location"], servers["ids"]["totp_secrets"]["leder"])
    assert status == 302 and headers["Location"] == "/personale/"


def test_the_survey_s_limits_hold_per_client_across_both_servers(servers):
    ids = servers["ids"]
    open_link = f"/undersoegelse/aaben/{ids['open_link']}/"
    stranger = through_proxy(servers, STRANGER)
    answers = [stranger.post_form(open_link, ids["answers"])[0] for _n in range(3)]  # on one instance, then the other
    assert answers == [303, 303, 429]
    assert through_proxy(servers, USER).post_form(open_link, ids["answers"])[0] == 303

    misses = [stranger.post_form("/undersoegelse/", {"code": "ACEF-GHJK-MN"})[0] for _n in range(3)]
    assert misses == [200, 200, 200]
    assert stranger.post_form("/undersoegelse/", {"code": ids["code"]})[0] == 429  # guessing is stopped
    relative = through_proxy(servers, USER)
    assert relative.post_form("/undersoegelse/", {"code": ids["code"]})[0] == 303  # the relative is not


def test_a_request_cannot_forge_a_log_line_and_no_client_address_is_logged(servers):
    instance = servers["instances"][0]
    forged = "/nope%0A127.0.0.1%20-%20-%20%22GET%20/admin/%20HTTP/1.1%22%20200%0D%00x/"
    for address in (STRANGER, USER):
        Browser(servers["ports"][0], source_address=address).request("GET", forged)
    time.sleep(0.5)
    log = instance.log_path.read_bytes()
    assert b"\x00" not in log
    text = log.decode("utf-8", "replace")
    access = [line for line in text.splitlines() if '"GET /nope' in line]
    assert len(access) == 2 and all('"GET /nope%0A127.0.0.1%20-%20-%20%22GET%20/admin/' in line for line in access)
    django_lines = [line for line in text.splitlines() if "Not Found: /nope" in line]  # Django escapes its own
    assert len(django_lines) == 2 and all("/nope\\n127.0.0.1" in line for line in django_lines)
    assert not any(line.startswith('127.0.0.1 - - "GET /admin/') for line in log.decode().splitlines())
    assert STRANGER not in log.decode() and USER not in log.decode()


def test_two_instances_on_one_host_have_their_own_control_socket(servers):
    sockets = sorted(path.name for path in (servers["folder"] / "run").iterdir() if path.suffix == ".ctl")
    assert sockets == sorted(f"gunicorn-127-0-0-1-{port}.ctl" for port in servers["ports"])
