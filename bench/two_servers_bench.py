"""Two gunicorn instances on one PostgreSQL and one Redis: what holds across them, and what the second one buys.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal .venv/bin/python bench/two_servers_bench.py

It makes a fresh database beside DATABASE_URL's (`<name>_bench`, dropped at the end), uses Redis at
BENCH_REDIS_URL (default redis://127.0.0.1:6379/12, flushed), starts two instances (one gunicorn worker each,
so that one vs two instances compares like with like) and prints:

1. a session made by logging in on instance A is used on instance B;
2. the survey's open link hammered from one client address, in turn on A and B: how many answers were taken
   before the per-client limit (SURVEY_OPEN_LINK_ANSWERS_PER_HOUR, 10) refused the rest;
3. requests per second for a public policy page from 8 concurrent clients for 10 s: on A alone, then on A
   and B in turn. Each loop stops by itself.
"""

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.queue_site import Browser, drop_postgres, run_prepare, site_env, web  # noqa: E402
from tests.smtp_sink import free_port  # noqa: E402

PAGE = "/haderslev/tema-2-du-skal-ikke-staa-alene/"
CLIENTS = 8
SECONDS = 10.0


def requests_per_second(ports: list[int]) -> float:
    done = [0] * CLIENTS
    deadline = time.monotonic() + SECONDS

    def client(index: int) -> None:
        browser = Browser(ports[index % len(ports)])
        turn = index
        while time.monotonic() < deadline:
            browser.port = ports[turn % len(ports)]
            turn += 1
            status, _headers, _text = browser.request("GET", PAGE)
            if status == 200:
                done[index] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server: two instances share one PostgreSQL.")
    import redis

    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
    redis.Redis.from_url(redis_url).flushdb()
    folder = Path(tempfile.mkdtemp(prefix="two-servers-bench-"))
    env = site_env(folder, suffix="bench", REDIS_URL=redis_url, SURVEY_OPEN_LINK_ANSWERS_PER_HOUR="10")
    processes = []
    try:
        ids = run_prepare(env)
        subprocess.run(
            [sys.executable, "manage.py", "load_policies", "fixtures/policies/haderslev.json"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        ports = [free_port(), free_port()]
        processes = [web(env, folder, f"web-{name}", port, workers=1) for name, port in zip("AB", ports, strict=True)]

        browser = Browser(ports[0])
        status, headers, _text = browser.log_in()  # the password, then the authenticator app's code
        if status == 302:
            status, _headers, _text = browser.second_factor(headers["Location"], ids["totp_secrets"]["leder"])
        logged_in = status == 302
        browser.port = ports[1]
        status, _headers, text = browser.request("GET", "/personale/undersoegelser/")
        print(f"1. logged in on A: {logged_in}; the session on B: HTTP {status}, the manager's page: {'leder' in text}")

        hammer = Browser(ports[0], source_address="127.0.0.2")
        answers = {303: 0, 429: 0}
        for attempt in range(16):
            hammer.port = ports[attempt % 2]
            status = hammer.post_form(f"/undersoegelse/aaben/{ids['open_link']}/", ids["answers"])[0]
            answers[status] = answers.get(status, 0) + 1
        print(
            f"2. 16 answers from 127.0.0.2 through the open link, in turn on A and B: {answers[303]} taken, "
            f"{answers[429]} refused by the per-client limit of 10 an hour"
        )

        requests_per_second(ports[:1])  # warm both caches up
        one = requests_per_second(ports[:1])
        two = requests_per_second(ports)
        print(f"3. {PAGE}, {CLIENTS} clients for {SECONDS:.0f} s: A alone {one:.0f} req/s; A and B {two:.0f} req/s")
        print(f"   (this machine has {os.cpu_count()} cores, shared with the clients and PostgreSQL)")
    finally:
        for process in processes:
            process.stop()
        drop_postgres(env["DATABASE_URL"])


if __name__ == "__main__":
    main()
