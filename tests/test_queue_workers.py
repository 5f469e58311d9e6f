"""The proof with real processes: gunicorn takes the manager's order for 2,000 e-mailed invitations, two task
workers (`manage.py db_worker`) send them to a real SMTP server, one worker is killed while it sends and is
started again, and still every address gets exactly one e-mail and the progress page says so.

Each worker talks to its own port of the SMTP sink, so the sink knows whose message it is receiving: on
worker A's port it kills worker A (SIGKILL) when its 300th message arrives, before answering, as a worker
dies halfway through a message. The round then finishes through the rows' expired claims.
"""

import collections
import json
import re
import time

import pytest

from tests.queue_site import Browser, drop_postgres, run_prepare, site_env, web, worker
from tests.smtp_sink import SmtpSink, free_port

ADDRESSES = [f"paaroerende{n:04d}@example.dk" for n in range(2000)]


@pytest.fixture
def site(tmp_path):
    sink = SmtpSink(tmp_path, ports=2).start()
    env = site_env(
        tmp_path,
        EMAIL_HOST="127.0.0.1",
        EMAIL_TIMEOUT="2",
        SURVEY_EMAIL_LEASE_SECONDS="5",
        SURVEY_EMAIL_RETRY_SECONDS="1",
        SURVEY_EMAIL_WORKERS="4",
    )
    processes = []
    yield tmp_path, sink, env, processes
    for process in processes:
        process.stop()
    sink.stop()
    drop_postgres(env["DATABASE_URL"])


def wait_for(condition, timeout: float, what: str, processes=()):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {p.name}\n{p.output()[-3000:]}" for p in processes)
            raise AssertionError(f"{what} did not happen in {timeout} s\n{logs}")
        time.sleep(0.5)


def test_two_workers_one_killed_midway_send_each_of_2000_invitations_exactly_once(site):
    folder, sink, env, processes = site
    ids = run_prepare(env)
    port = free_port()
    processes.append(web(env, folder, "web", port))
    manager = Browser(port)
    status, headers, _text = manager.log_in()
    assert status == 302, "the manager's password was refused"
    status, headers, _text = manager.second_factor(headers["Location"], ids["totp_secrets"]["leder"])
    assert status == 302, "the manager could not log in"

    form = f"/personale/undersoegelser/runde/{ids['wave']}/invitationer/"
    started = time.monotonic()
    status, headers, _text = manager.post_form(
        form, {"unit": ids["unit"], "delivery": "email", "emails": "\n".join(ADDRESSES)}
    )
    ordered_in = time.monotonic() - started
    assert status == 302 and re.fullmatch(r"/personale/undersoegelser/udsendelse/\d+/", headers["Location"])
    round_page = headers["Location"]
    assert sink.messages() == []  # nothing was sent in the request

    pid_file = folder / "worker-a.pid"
    sink.set_rules(kill={"port": sink.ports[0], "at": 300, "pid_file": str(pid_file)})
    worker_a = worker({**env, "EMAIL_PORT": str(sink.ports[0])}, folder, "worker-a")
    pid_file.write_text(str(worker_a.pid))
    worker_b = worker({**env, "EMAIL_PORT": str(sink.ports[1])}, folder, "worker-b")
    processes += [worker_a, worker_b]

    wait_for(lambda: not worker_a.alive(), 300, "worker A being killed at its 300th message", processes)
    assert worker_a.popen.returncode == -9
    sent_when_killed = len(sink.messages())
    assert sent_when_killed < len(ADDRESSES), "the batch was over before the kill"
    restarted = worker({**env, "EMAIL_PORT": str(sink.ports[0])}, folder, "worker-a-again")
    processes.append(restarted)

    def progress() -> dict:
        return json.loads(manager.request("GET", f"{round_page}status/")[2])

    wait_for(lambda: progress()["done"], 600, "the round finishing", processes)
    received = collections.Counter(address for message in sink.messages() for address in message["to"])
    assert sorted(received) == ADDRESSES, "an address got no e-mail"
    assert set(received.values()) == {1}, [address for address, count in received.items() if count > 1]
    codes = {re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{2}", m["body"]).group() for m in sink.messages()}
    assert len(codes) == len(ADDRESSES)

    status, _headers, page = manager.request("GET", round_page)
    assert status == 200
    assert 'data-count="sent">2000<' in page and 'data-count="failed">0<' in page and 'data-count="waiting">0<' in page
    print(f"ordered 2,000 e-mails in {ordered_in:.2f} s; worker A killed after {sent_when_killed} e-mails in all")
