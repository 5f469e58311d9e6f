"""Faults while a job runs, with real processes: the database goes away (every connection ended, as a restart
of the server looks to its clients), and Redis, the shared cache, is restarted. A manager has ordered a round of
e-mailed invitations; a worker (`manage.py db_worker`) is sending them to a real SMTP server and a scheduler
(`manage.py scheduler`) runs beside it. Each time the round finishes: every address gets exactly one e-mail,
and the progress page, read through gunicorn, says so.

Small numbers (a few dozen e-mails): the proof is in where the fault hits, not in volume. The database goes
away at the worst moment, after the mail server has accepted a message and before the worker has recorded it.
"""

import collections
import hashlib
import json
import subprocess
import time

import pytest

from tests.queue_site import Browser, Process, drop_postgres, run_prepare, site_env, web, worker
from tests.smtp_sink import SmtpSink, free_port

ADDRESSES = [f"fejl{n:03d}@example.dk" for n in range(40)]


def wait_for(condition, timeout: float, what: str, processes=()):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {p.name}\n{p.output()[-3000:]}" for p in processes)
            raise AssertionError(f"{what} did not happen in {timeout} s\n{logs}")
        time.sleep(0.2)


class Redis:
    """A private redis-server on a free port (the test's own, so stopping it hurts nobody)."""

    def __init__(self, folder):
        self.folder, self.port, self.process = folder, free_port(), None

    def start(self) -> "Redis":
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout != b"PONG\n":
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def site(tmp_path, request):
    redis = Redis(tmp_path).start()
    sink = SmtpSink(tmp_path).start()
    env = site_env(
        tmp_path,
        suffix="faults_" + hashlib.sha256(request.node.name.encode()).hexdigest()[:8],  # a database per test
        REDIS_URL=f"redis://127.0.0.1:{redis.port}/0",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(sink.port),
        EMAIL_TIMEOUT="2",
        SURVEY_EMAIL_LEASE_SECONDS="8",
        SURVEY_EMAIL_RETRY_SECONDS="1",
        SURVEY_EMAIL_WORKERS="2",
    )
    processes: list[Process] = []
    yield tmp_path, sink, redis, env, processes
    for process in processes:
        process.stop()
    sink.stop()
    redis.stop()
    drop_postgres(env["DATABASE_URL"])


def start_round(folder, env, processes) -> tuple[Browser, str]:
    ids = run_prepare(env)
    port = free_port()
    processes.append(web(env, folder, "web", port))
    manager = Browser(port)
    status, headers, _text = manager.log_in()
    assert status == 302, "the manager's password was refused"
    status, _headers, _text = manager.second_factor(headers["Location"], ids["totp_secrets"]["leder"])
    assert status == 302, "the manager could not log in"
    form = f"/personale/undersoegelser/runde/{ids['wave']}/invitationer/"
    status, headers, _text = manager.post_form(
        form, {"unit": ids["unit"], "delivery": "email", "emails": "\n".join(ADDRESSES)}
    )
    assert status == 302, "the round was not ordered"
    return manager, headers["Location"]


def assert_each_address_got_exactly_one(sink, manager, round_page):
    received = collections.Counter(address for message in sink.messages() for address in message["to"])
    assert sorted(received) == ADDRESSES, "an address got no e-mail"
    assert set(received.values()) == {1}, [address for address, count in received.items() if count > 1]
    status, _headers, page = manager.request("GET", round_page)
    assert status == 200
    assert f'data-count="sent">{len(ADDRESSES)}<' in page and 'data-count="waiting">0<' in page


def progress(manager, round_page) -> dict:
    status, _headers, text = manager.request("GET", f"{round_page}status/")
    return json.loads(text) if status == 200 else {"done": False}


def scheduler(env, folder) -> Process:
    import sys

    return Process("scheduler", [sys.executable, "manage.py", "scheduler", "--interval", "1"], env, folder)


def test_the_database_going_away_while_a_message_is_being_sent_loses_nothing_and_sends_nothing_twice(site):
    folder, sink, _redis, env, processes = site
    sink.set_rules(delay=0.05, database_away={"at": 7, "database_url": env["DATABASE_URL"]})
    manager, round_page = start_round(folder, env, processes)
    processes += [worker(env, folder, "worker"), scheduler(env, folder)]

    wait_for(lambda: len(sink.messages()) >= 7, 60, "the 7th e-mail", processes)
    wait_for(lambda: progress(manager, round_page)["done"], 90, "the round finishing", processes)
    assert_each_address_got_exactly_one(sink, manager, round_page)
    assert all(process.alive() for process in processes), "a process died of the fault"


def test_redis_restarted_while_a_round_is_sent_loses_nothing_and_the_pages_answer(site):
    folder, sink, redis, env, processes = site
    sink.set_rules(delay=0.05)
    manager, round_page = start_round(folder, env, processes)
    processes += [worker(env, folder, "worker"), scheduler(env, folder)]

    wait_for(lambda: len(sink.messages()) >= 5, 60, "the 5th e-mail", processes)
    redis.stop()
    assert manager.request("GET", round_page)[0] == 200, "the manager's page needs no cache"
    relative = Browser(manager.port)
    assert relative.request("GET", "/testrup/")[0] == 200, "a relative's page is made without the cache"
    assert relative.request("GET", "/healthz")[:1] == (503,), "the health check tells the cache is down"
    redis.start()  # the same port, empty: a restart of a cache that keeps nothing on disk
    wait_for(lambda: progress(manager, round_page)["done"], 90, "the round finishing", processes)
    assert_each_address_got_exactly_one(sink, manager, round_page)
    assert relative.request("GET", "/healthz")[:1] == (200,), "the cache is used again once Redis is back"
    assert relative.request("GET", "/testrup/")[0] == 200
