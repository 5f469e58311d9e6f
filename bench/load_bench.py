#!/usr/bin/env python3
"""The portal under real load: wrk against gunicorn with the production configuration, PostgreSQL and the demo data.

One run (see bench/README.md):
1. makes a throwaway PostgreSQL database (--database-url; dropped and created), migrates it and loads the demo
   (`manage.py demo`), plus three SYNTHETIC directories of 100 / 1,000 / 10,000 situations (municipalities
   "syntetisk-100" … , every text marked "[Syntetisk]") and a SYNTHETIC 10× copy of Haderslev's survey answers;
2. starts gunicorn with gunicorn.conf.py (worker recycling on) three times: with the page cache per process (the
   production default, LocMemCache), with the page cache in Redis (REDIS_URL, as the README recommends for more than
   one server; --redis-url, database 5 emptied first) and with Django's DummyCache (every request uncached);
3. drives wrk (8 connections, --latency) at each URL and prints one table: rps, p50, p99, and the ratios the
   issue asks for (against the bare view of the same server), with the machine's load average.

wrk comes from Debian's package: installed here with apt-get when missing and running as root; otherwise
`sudo apt-get install wrk` first. Run with the project's Python: `.venv/bin/python bench/load_bench.py`.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
HOST = "127.0.0.1"
SIZES = (100, 1_000, 10_000)
SEARCH_WORDS = ["demens", "plejehjem", "genoptræning", "kræft", "aflastning", "hjemmehjælp", "klage", "daghjem"]
COPIES = 10  # the 10× survey data
WARM_UP_SECONDS = 2
BIG_SLUG, BIG_UNITS, BIG_RESPONSES = "syntetisk-svar", 120, 30_000  # the XLSX case
FIVE_K_SLUG, FIVE_K_UNITS, FIVE_K_RESPONSES = "syntetisk-5000", 20, 5_000  # the answers-CSV case


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/portal_load_bench")
    parser.add_argument("--duration", type=int, default=8, help="seconds of wrk per URL (default 8)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3, help="WEB_CONCURRENCY (default 3)")
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/5",
        help="a third server with the page cache in Redis (REDIS_URL, shared by the workers); 'off' to skip it",
    )
    parser.add_argument("--skip-setup", action="store_true", help="reuse the database of an earlier run")
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)  # inside Django: synthetic data
    return parser.parse_args()


# --- synthetic data (runs with Django set up, as `load_bench.py --generate`) ------------------------------------


def generate() -> dict:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from contacts.models import ContactPoint, Need, Situation, SituationContact
    from contacts.search_index import index_situations
    from portal.models import Municipality
    from portal.signals import mark_content_changed
    from surveys.models import Answer, SurveyResponse

    who = ["Min mor", "Min far", "Min ægtefælle", "Mit barn", "Min nabo"]
    what = [
        "har fået demens og glemmer at spise",
        "skal på plejehjem efter indlæggelse",
        "har brug for genoptræning efter et fald",
        "har fået kræft og er bange",
        "har brug for aflastning i weekenden",
        "kan ikke klare rengøringen og har brug for hjemmehjælp",
        "vil klage over en afgørelse",
        "har brug for et daghjem",
        "drikker for meget alkohol",
        "har det psykisk svært",
    ]
    for size in SIZES:
        slug = f"syntetisk-{size}"
        if Municipality.objects.filter(slug=slug).exists():
            continue
        municipality = Municipality.objects.create(
            name=f"Syntetisk {size} Kommune",
            slug=slug,
            kommunekode=f"09{SIZES.index(size)}9",
            website="https://syntetisk.example",
            region="hovedstaden",
            policy_title="[Syntetisk] pårørendepolitik til benchmark",
        )
        needs = [
            Need.objects.create(municipality=municipality, name=f"[Syntetisk] behov {n}", order=n) for n in range(8)
        ]
        contacts = ContactPoint.objects.bulk_create(
            ContactPoint(municipality=municipality, name=f"[Syntetisk] Koordinator {n}", phone=f"00{n:06d}")
            for n in range(40)
        )
        situations = Situation.objects.bulk_create(
            Situation(
                need=needs[n % len(needs)],
                text=f"[Syntetisk {n}] {who[n % len(who)]} {what[(n // len(who)) % len(what)]} (variant {n % 97})",
                keywords=f"syntetisk ord{n % 500}",
                order=n,
            )
            for n in range(size)
        )
        SituationContact.objects.bulk_create(
            SituationContact(situation=situation, contact_point=contacts[(n + k * 7) % len(contacts)], order=k)
            for n, situation in enumerate(situations)
            for k in range(1 + n % 3)
        )
        index_situations(situation.pk for situation in situations)
        mark_content_changed(pk=municipality.pk)

    haderslev = Municipality.objects.get(slug="haderslev")
    survey = haderslev.surveys.order_by("pk").first()
    responses = list(SurveyResponse.objects.filter(wave__survey=survey).order_by("pk"))
    if responses and not Municipality.objects.filter(slug=BIG_SLUG).exists():  # (not again with --skip-setup)
        answers = list(Answer.objects.filter(response__in=responses))
        by_response = {}
        for answer in answers:
            by_response.setdefault(answer.response_id, []).append(answer)
        for _copy in range(COPIES - 1):
            copies = [
                SurveyResponse(wave_id=r.wave_id, unit_id=r.unit_id, submitted_on=r.submitted_on) for r in responses
            ]
            SurveyResponse.objects.bulk_create(copies, batch_size=1000)
            new_answers = []
            for original, copy in zip(responses, copies, strict=True):
                for answer in by_response.get(original.pk, []):
                    fields = {
                        field.attname: getattr(answer, field.attname)
                        for field in Answer._meta.concrete_fields
                        if field.attname not in {"id", "response_id"}
                    }
                    new_answers.append(Answer(**fields, response=copy))
            Answer.objects.bulk_create(new_answers, batch_size=2000)
    synthetic_survey(BIG_SLUG, "0939", BIG_UNITS, BIG_RESPONSES)
    synthetic_survey(FIVE_K_SLUG, "0949", FIVE_K_UNITS, FIVE_K_RESPONSES)
    surveys = {}
    scales = [("aabenraa", "1×"), ("haderslev", f"{COPIES}×"), (BIG_SLUG, "120 units"), (FIVE_K_SLUG, "5,000")]
    for slug, scale in scales:
        municipality = Municipality.objects.get(slug=slug)
        found = municipality.surveys.order_by("pk").first()
        surveys[scale] = {
            "id": found.pk,
            "responses": SurveyResponse.objects.filter(wave__survey=found).count(),
            "user": f"{slug}-leder",
        }
    cookies = {}
    for scale, info in surveys.items():
        client = Client()
        client.force_login(get_user_model().objects.get(username=info["user"]))
        name, morsel = next(iter(client.cookies.items()))
        cookies[scale] = f"{name}={morsel.value}"
    return {"surveys": surveys, "cookies": cookies, "policy": policy_path()}


def synthetic_survey(slug: str, kommunekode: str, unit_count: int, response_count: int) -> None:
    """A SYNTHETIC municipality with `unit_count` units and `response_count` responses (tests.scenarios' made-up
    survey, more made-up units, random responses spread over the units in its two closed waves), and its manager
    with an authenticator app."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.utils import timezone

    from portal.models import Area, Municipality
    from portal.roles import Role
    from tests.factories import MunicipalityFactory, StaffFactory, UnitFactory
    from tests.scenarios import demo_results, generate_answers

    if Municipality.objects.filter(slug=slug).exists():
        return
    municipality = MunicipalityFactory(town=f"Syntetisk {slug}", slug=slug, kommunekode=kommunekode)
    made = demo_results(municipality, timezone.localdate())
    units = list(made["units"].values())
    units += [
        UnitFactory(municipality=municipality, name=f"[Syntetisk] Enhed {n}", area=list(Area)[n % len(Area)])
        for n in range(unit_count - len(units))
    ]
    questions = list(made["survey"].questions.all())
    for wave in made["waves"][:2]:
        generate_answers(wave, units, questions, response_count // unit_count // 2, seed=wave.pk)
    manager = StaffFactory(username=f"{slug}-leder", municipality=municipality, roles=[Role.MANAGER])
    TOTP.activate(manager, generate_totp_secret())


def policy_path() -> str:
    from portal.models import Page

    page = Page.objects.filter(municipality__slug="haderslev", is_published=True).order_by("order", "pk").first()
    return f"/haderslev/{page.slug}/"


# --- the run -------------------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)
        return shutil.which("wrk") or sys.exit("load_bench: apt-get installed no wrk")
    sys.exit("load_bench: wrk is missing; install Debian's package first: sudo apt-get install wrk")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def environment(database_url: str, *, cached: bool, workers: int = 3, redis_url: str = "") -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_") and key != "REDIS_URL"}
    env |= {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "load_bench_settings",
        "DJANGO_SECRET_KEY": "load-bench-" + "x7Qp9vR2mW8zL4tN6bY1cH5dJ0eF3gK" * 2,
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "PYTHONPATH": f"{ROOT}{os.pathsep}{BENCH}",
        "LOAD_BENCH_CACHE": "on" if cached else "off",
        "WEB_CONCURRENCY": str(workers),
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def setup_database(database_url: str) -> None:
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    env = environment(database_url, cached=True) | {"DJANGO_DEBUG": "true"}  # demo's collectstatic-free setup
    for command in (["migrate", "--verbosity", "0"], ["demo"], ["collectstatic", "--noinput", "--verbosity", "0"]):
        manage = [sys.executable, "manage.py", *command]
        subprocess.run(manage, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def wrk(
    binary: str, url: str, args: argparse.Namespace, *, cookie: str = "", script: str = "", warm_up: bool = False
) -> dict:
    if warm_up:
        subprocess.run([binary, "-t2", f"-c{args.connections}", f"-d{WARM_UP_SECONDS}s", url], capture_output=True)
    command = [binary, "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--latency", "--timeout", "60s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if script:
        command += ["-s", script]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def ms(percent: str) -> float:
        value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": ms("50"), "p99": ms("99"), "errors": int(errors.group(1)) if errors else 0}


def alone(url: str, cookie: str, times: int = 5) -> float:
    """The median time of one request with nothing else running (ms): an export's own time, not wrk's queueing."""
    import statistics
    import urllib.request

    taken = []
    for _ in range(times):
        request = urllib.request.Request(url, headers={"Cookie": cookie})
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:
            while response.read(1 << 16):
                pass
        taken.append((time.perf_counter() - started) * 1000)
    return statistics.median(taken)


def search_script(directory: Path) -> str:
    """A wrk script that asks a different search for each request: words × a running number, none cached."""
    path = directory / "search.lua"
    words = ", ".join(f'"{quote_plus(word)}"' for word in SEARCH_WORDS)
    path.write_text(
        f"local words = {{{words}}}\nlocal n = 0\n"
        "request = function()\n  n = n + 1\n"
        '  return wrk.format("GET", wrk.path .. "?q=" .. words[n % #words + 1] .. "+" .. n)\nend\n',
        encoding="utf-8",
    )
    return str(path)


def serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "portal.wsgi:application"],
        cwd=ROOT,
        env=env | {"GUNICORN_BIND": f"{HOST}:{port}"},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return server
        except OSError:
            time.sleep(0.5)
    os.killpg(server.pid, signal.SIGTERM)
    sys.exit(f"load_bench: gunicorn did not start, see {log}")


def flush_redis(redis_url: str) -> None:
    """Start the Redis server's run with an empty database, so that its pages are made by this run's code."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=60)


def main() -> int:
    args = parse_args()
    if args.generate:
        print(json.dumps(generate()))
        return 0
    binary = ensure_wrk()
    if not args.skip_setup:
        setup_database(args.database_url)
    env = environment(args.database_url, cached=True)
    done = subprocess.run(
        [sys.executable, __file__, "--generate"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    data = json.loads(done.stdout.strip().splitlines()[-1])
    directory = Path(tempfile.mkdtemp(prefix="load-bench-"))
    script = search_script(directory)
    static = "/static/" + next(
        str(path.relative_to(ROOT / "staticfiles")) for path in sorted((ROOT / "staticfiles").rglob("*.css"))
    )
    public = {
        "policy": data["policy"],
        "directory": "/hvidovre/find-rundt/",
        "results": "/haderslev/saadan-gaar-det/",
    }
    rows: list[tuple[str, dict]] = []
    alone_times: dict[str, float] = {}
    loads = [os.getloadavg()[0]]
    servers = [("cached", True, ""), ("uncached", False, "")]
    if args.redis_url != "off":
        flush_redis(args.redis_url)
        servers.insert(1, ("Redis", True, args.redis_url))
    for label, cached, redis_url in servers:
        port = free_port()
        env = environment(args.database_url, cached=cached, workers=args.workers, redis_url=redis_url)
        server = serve(env, port, directory / f"gunicorn-{label}.log")
        try:
            measure(binary, f"http://{HOST}:{port}", label, args, data, public, static, script, rows, alone_times)
        finally:
            stop(server)
            loads.append(os.getloadavg()[0])
    print_table(rows, loads, args)
    print_exports_alone(alone_times, data)
    print(f"gunicorn's logs: {directory}")
    return 0


def measure(binary, base, label, args, data, public, static, script, rows, alone_times) -> None:
    """wrk at one server's URLs: the bare view and public pages on each; searches and exports on the uncached one.

    The bare view and each page are first asked for WARM_UP_SECONDS unmeasured, as on a server that has served them
    before: the measured seconds then hold the steady state, worker recycling included (at these rates each worker
    is replaced every few seconds, and a new one renders each page once more), not the first render of a page in
    every worker at the same moment."""
    rows.append((f"bare view ({label} server)", wrk(binary, base + "/bench/bare", args, warm_up=True)))
    if label == "cached":
        rows.append(("static file (whitenoise)", wrk(binary, base + static, args, warm_up=True)))
    for name, path in public.items():
        rows.append((f"{name} {label}", wrk(binary, base + path, args, warm_up=True)))
    if label != "uncached":
        return
    for size in SIZES:
        url = f"{base}/syntetisk-{size}/find-rundt/"
        rows.append((f"search uncached, {size:,} situations (synthetic)", wrk(binary, url, args, script=script)))
    for scale, info in data["surveys"].items():
        cookie = data["cookies"][scale]
        for export in ("resultater.csv", "resultater.xlsx", "svar.csv"):
            url = f"{base}/personale/resultater/{info['id']}/{export}"
            title = f"export {export} {scale} ({info['responses']:,} responses)"
            rows.append((title, wrk(binary, url, args, cookie=cookie)))
            alone_times[f"{export} {scale}"] = alone(url, cookie)


def print_table(rows: list[tuple[str, dict]], loads: list[float], args: argparse.Namespace) -> None:
    found = dict(rows)
    bare = found["bare view (cached server)"]
    bare_uncached = found["bare view (uncached server)"]
    bare_redis = found.get("bare view (Redis server)")
    print(f"\nwrk, {args.connections} connections, {args.duration} s per URL, {args.workers} workers (recycling on)")
    print(f"load average (1 min) during the run: {', '.join(f'{load:.1f}' for load in loads)}; {os.cpu_count()} CPUs\n")
    print(f"{'URL':<58} {'rps':>9} {'p50 ms':>9} {'p99 ms':>9} {'×bare rps':>10} {'p99/bare':>9} {'non-2xx':>8}")
    for name, row in rows:
        if "Redis" in name:
            reference = bare_redis
        elif "uncached" in name or name.startswith("export"):
            reference = bare_uncached
        else:
            reference = bare
        print(
            f"{name:<58} {row['rps']:>9.1f} {row['p50']:>9.1f} {row['p99']:>9.1f}"
            f" {row['rps'] / reference['rps']:>10.2f} {row['p99'] / reference['p99']:>9.1f} {row['errors']:>8}"
        )
    searches = [found[f"search uncached, {size:,} situations (synthetic)"] for size in SIZES]
    print(f"\nsearch p50 at 10,000 / at 100 situations: {searches[-1]['p50'] / searches[0]['p50']:.2f} (goal ≤ 2)")
    for scale in ("1×", f"{COPIES}×", "120 units"):
        csv = next(row for name, row in rows if name.startswith(f"export resultater.csv {scale}"))
        xlsx = next(row for name, row in rows if name.startswith(f"export resultater.xlsx {scale}"))
        print(f"results XLSX p50 / results CSV p50 at {scale}: {xlsx['p50'] / csv['p50']:.2f} (goal ≤ 2)")
    slowest = max(row["p99"] for _name, row in rows)
    print(f"slowest p99 of any URL: {slowest:.0f} ms (gunicorn's timeout: 30,000 ms)")


def print_exports_alone(alone_times: dict[str, float], data: dict) -> None:
    print("\nEach export alone (median of 5 requests, nothing else running), ms:")
    for scale, info in data["surveys"].items():
        figures = [alone_times[f"{export} {scale}"] for export in ("resultater.csv", "resultater.xlsx", "svar.csv")]
        print(
            f"  {scale:<10} ({info['responses']:>6,} responses): results CSV {figures[0]:>7.0f},"
            f" XLSX {figures[1]:>7.0f} ({figures[1] / figures[0]:.2f}× the CSV, goal ≤ 2),"
            f" answers CSV {figures[2]:>7.0f}"
        )
    five_k = alone_times["svar.csv 5,000"]
    print(
        f"answers CSV of {data['surveys']['5,000']['responses']:,} responses alone: {five_k:.0f} ms, "
        f"{25_000 / five_k:.0f}× faster than django-survey-and-report's 25 s (goal ≥ 100×, i.e. ≤ 250 ms)"
    )


if __name__ == "__main__":
    sys.exit(main())
