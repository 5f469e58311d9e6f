"""The proof with real processes: gunicorn takes the manager's order for 2,000 e-mailed invitations, two task
workers (`manage.py db_worker`) send them to a real SMTP server, one worker is killed while it sends and is
started again, and still every address gets exactly one e-mail and the progress page says so. And an editor's
import of a 10,000-row directory: gunicorn previews and takes the order, a worker imports it.

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


def test_an_editors_import_of_10000_rows_is_ordered_through_the_pages_and_done_by_a_worker(tmp_path):
    env = site_env(tmp_path, suffix="import")
    processes = []
    try:
        ids = run_prepare(env)
        port = free_port()
        processes.append(web(env, tmp_path, "web", port))
        editor = Browser(port)
        status, headers, _text = editor.log_in("redaktoer")
        assert status == 302, "the editor's password was refused"
        status, headers, _text = editor.second_factor(headers["Location"], ids["totp_secrets"]["redaktoer"])
        assert status == 302, "the editor could not log in"

        # 2,000 contact points, each in 5 of 2,500 situations under 40 needs: 10,000 rows.
        header = "id;behov;situation;spørg om;kontakt;telefon;e-mail;sidst tjekket"
        rows = [
            f"k{n // 5};Behov {(n * 7) % 2500 % 40};Min mor har brug for hjælp nummer {(n * 7) % 2500};"
            f"Spørg om ting {n % 13};Kontaktpunkt {n // 5};70{n // 5:06d};k{n // 5}@testrup.example;01-03-2025"
            for n in range(10_000)
        ]
        started = time.monotonic()
        status, _headers, preview = editor.post_file(
            "/personale/find-rundt/import/", "file", "kontakter.csv", "\r\n".join([header, *rows]).encode()
        )
        previewed_in = time.monotonic() - started
        assert status == 200 and "2000 nye kontaktpunkter" in preview and "2500 nye situationer" in preview
        payload = re.search(r'name="payload" value="([^"]+)"', preview).group(1)
        started = time.monotonic()
        status, headers, _text = editor.request(
            "POST",
            "/personale/find-rundt/import/gem/",
            {"payload": payload, "csrfmiddlewaretoken": editor.csrf_token("/personale/find-rundt/import/")},
        )
        ordered_in = time.monotonic() - started
        assert status == 302 and re.fullmatch(r"/personale/find-rundt/import/\d+/", headers["Location"])
        progress = headers["Location"]
        assert "Importen venter på sin tur." in editor.request("GET", progress)[2]  # nothing done in the request

        processes.append(worker(env, tmp_path, "worker"))
        started = time.monotonic()

        def finished() -> bool:
            page = editor.request("GET", progress)[2]
            return "Importen venter" not in page and "Importen er i gang" not in page

        wait_for(finished, 300, "the import finishing", processes)
        imported_in = time.monotonic() - started
        page = editor.request("GET", progress)[2]
        assert "Importeret: 2000 nye kontaktpunkter, 0 ændrede, 40 nye behov, 2500 nye situationer." in page
        print(
            f"10,000 rows: preview {previewed_in:.2f} s, order {ordered_in:.2f} s, "
            f"worker {imported_in:.2f} s (from its start, with polling)"
        )
    finally:
        for process in processes:
            process.stop()
        drop_postgres(env["DATABASE_URL"])
