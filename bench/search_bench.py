#!/usr/bin/env python3
"""Serve a "Find rundt" directory of 1,000 synthetic situations with gunicorn and the production config, and
load its directory page, a search and the bare view.

One run makes a throwaway SQLite database, generates a synthetic municipality ("Syntetrup", every text
marked "[Syntetisk]", no real contact) with --situations situations, starts gunicorn as serve_bench.py
does (its helpers are imported, not copied), measures requests per second and p50/p99 latency of the
directory page, the search "demens plejehjem" and /bench/bare, prints the ratios to the bare view, and
stops gunicorn. It also times, in-process, what the page cache hides: building the search index and a
search on it. See bench/README.md.
"""

import argparse
import importlib.util
import json
import os
import sys
import time
from urllib.parse import quote_plus

from serve_bench import (
    BENCH,
    ROOT,
    bench_env,
    free_port,
    ratio,
    restarts_and_errors,
    run_bench,
    run_step,
    scratch_directory,
    serving,
    start_gunicorn,
)

SLUG = "syntetrup"
QUERY = "demens plejehjem"
DIRECTORY_PATH = f"/{SLUG}/find-rundt/"
SEARCH_PATH = f"{DIRECTORY_PATH}?q={quote_plus(QUERY)}"
BARE_PATH = "/bench/bare"

# Everyday situations, combined with whom they are about: synthetic, but worded like the real directories.
WHO = ["Min mor", "Min far", "Min mand", "Min kone", "Min søster", "Min bror", "Min nabo", "Mit voksne barn"]
WHAT = [
    "har fået demens og glemmer aftaler",
    "skal måske på plejehjem",
    "har brug for genoptræning efter hospitalet",
    "har svært ved at klare sig selv derhjemme",
    "har fået kræft og har brug for en koordinator",
    "har haft en blodprop i hjernen",
    "har brug for hjemmehjælp til rengøring",
    "har brug for en rollator eller en kørestol",
    "vil klage over en afgørelse fra kommunen",
    "har brug for aflastning i weekenden",
    "har brug for et daghjem eller dagcenter",
    "har et misbrug af alkohol",
    "er psykisk sårbar og ensom",
    "skal flytte i en plejebolig med personale",
    "har brug for vejledning i sin sag",
    "har brug for rådgivning om sundhed og kost",
    "har demens og bor alene i eget hjem",
    "venter på en plads på plejehjem",
    "har brug for transport til lægen",
    "har fået en hjerneskade efter en ulykke",
]
ROLES = [
    "Visitationen",
    "Demenskoordinator",
    "Kræftkoordinator",
    "Hjerneskadekoordinator",
    "Genoptræningen",
    "Boligteamet",
    "Borgerrådgiver",
    "Sundhedscentret",
    "Voksenrådgivningen",
    "Aflastningsteamet",
]
NEEDS = ["Akutte behov", "Ændret sygdomsbillede", "Ekstra behov i hverdagen"]
CONTACT_POINTS = 40


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--situations", type=int, default=1000, help="synthetic situations (default 1000)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per URL (default 10)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load first (default 3)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client connections (default 8)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers, as WEB_CONCURRENCY (default 3)")
    parser.add_argument("--rounds", type=int, default=1, help="alternate the URLs this many times (default 1)")
    parser.add_argument("--start-timeout", type=float, default=60.0, help="seconds to wait for gunicorn")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database, logs)")
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)  # the child step, see main
    args = parser.parse_args()
    if min(args.situations, args.clients, args.workers, args.rounds) < 1 or args.duration <= 0 or args.warmup < 0:
        parser.error("situations, clients, workers and rounds >= 1, duration > 0, warmup >= 0")
    return args


# --- the child step: generate the directory and time the search in-process ------------------------------


def generate(situations: int) -> dict:
    """Make Syntetrup's synthetic directory in the database of DATABASE_URL; time the search on it."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from contacts.directory import needs_with_situations
    from contacts.models import ContactPoint, Need, SearchWord, Situation, SituationContact
    from contacts.search_index import StoredIndex, index_situations
    from portal.models import Municipality
    from portal.signals import mark_content_changed

    municipality = Municipality.objects.create(
        name="Syntetrup Kommune (syntetisk)",
        slug=SLUG,
        kommunekode="0999",
        website="https://syntetrup.example",
        region="hovedstaden",
        policy_title="Syntetisk pårørendepolitik til benchmark",
    )
    needs = [Need.objects.create(municipality=municipality, name=name, order=10 * n) for n, name in enumerate(NEEDS)]
    contacts = ContactPoint.objects.bulk_create(
        ContactPoint(
            municipality=municipality,
            name=f"[Syntetisk] {ROLES[n % len(ROLES)]} {n}",
            phone=f"00{n:06d}",  # no Danish number starts with 00
            email=f"syntetisk{n}@syntetrup.example",
            opening_hours="Mandag–fredag 9–12 (syntetisk)",
        )
        for n in range(CONTACT_POINTS)
    )
    created = Situation.objects.bulk_create(
        Situation(
            need=needs[n % len(needs)],
            text=f"[Syntetisk {n}] {WHO[n % len(WHO)]} {WHAT[(n // len(WHO)) % len(WHAT)]}",
            note="Syntetisk testdata til benchmark: ingen rigtig situation eller kontakt.",
            keywords="syntetisk",
            order=n,
        )
        for n in range(situations)
    )
    SituationContact.objects.bulk_create(
        SituationContact(
            situation=situation,
            contact_point=contacts[(n + offset * 7) % len(contacts)],
            ask_about=f"Kontakt {ROLES[(n + offset) % len(ROLES)].lower()} (syntetisk).",
            order=offset,
        )
        for n, situation in enumerate(created)
        for offset in range(1 + n % 3)  # one to three contact points each
    )
    timings = {}
    start = time.perf_counter()
    index_situations(situation.pk for situation in created)  # bulk_create sends no signals
    timings["index_ms"] = (time.perf_counter() - start) * 1000
    mark_content_changed(pk=municipality.pk)
    municipality.refresh_from_db()

    start = time.perf_counter()
    needs_with_situations(municipality)
    timings["load_ms"] = (time.perf_counter() - start) * 1000
    index = StoredIndex(municipality.pk)
    start = time.perf_counter()
    rounds = 20
    for _ in range(rounds):
        results = index.search(QUERY)
    timings["search_ms"] = (time.perf_counter() - start) * 1000 / rounds
    timings["results"] = len(results)
    timings["vocabulary"] = SearchWord.objects.filter(municipality=municipality).count()

    client = Client(headers={"host": "127.0.0.1"})
    for name, path in [("directory", DIRECTORY_PATH), ("search", SEARCH_PATH)]:
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(path)
            first = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, (path, response.status_code)
        queries = len(captured.captured_queries)
        timings[name] = {"first_render_ms": first, "queries": queries, "bytes": len(response.content)}
    timings["situations"] = Situation.objects.filter(need__municipality=municipality).count()
    return timings


# --- the run ------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    if args.generate:
        print(json.dumps(generate(args.situations)))
        return 0
    python = sys.executable
    if importlib.util.find_spec("gunicorn") is None or importlib.util.find_spec("django") is None:
        raise SystemExit("search_bench: run it with the project's Python, e.g. .venv/bin/python bench/search_bench.py")

    with scratch_directory("search-bench-", keep=args.keep) as tmp:
        env = bench_env(tmp)
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"  # always throwaway: the data is synthetic
        log_path = tmp / "gunicorn.log"
        print(f"setup in {tmp} (database {env['DATABASE_URL']})")
        manage = [python, str(ROOT / "manage.py")]
        run_step("migrate", [*manage, "migrate", "--noinput", "-v", "0"], env)
        out = run_step(
            f"generate {args.situations} synthetic situations",
            [python, str(BENCH / "search_bench.py"), "--generate", "--situations", str(args.situations)],
            env,
        )
        made = json.loads(out.strip().splitlines()[-1])
        run_step("collectstatic (into STATIC_ROOT)", [*manage, "collectstatic", "--noinput", "-v", "0"], env)

        server = start_gunicorn(env, free_port(), args.workers, [], "portal.wsgi:application", log_path)
        with serving(server, args.start_timeout, program="search_bench") as (port, proc):
            targets = [("bare", BARE_PATH), ("dir", DIRECTORY_PATH), ("search", SEARCH_PATH)]
            totals = run_bench(args, port, proc, targets, log_path=log_path, program="search_bench")
            for name, label in [("dir", "directory"), ("search", "search")]:
                print(f"ratio {label}_rps / bare_rps = {ratio(totals, name):.2f}")
            print_uncached_costs(made)
            return restarts_and_errors(totals, log_path, "search_bench")


def print_uncached_costs(made: dict) -> None:
    """What the child step measured in-process, which the page cache hides after the first request."""
    print(
        f"\ndirectory: {made['situations']} synthetic situations, {CONTACT_POINTS} contact points, "
        f"search vocabulary {made['vocabulary']} words"
    )
    print(
        f"in-process, uncached (the page cache hides this after the first request per worker and edit):\n"
        f"  load the directory {made['load_ms']:.1f} ms, build the search index {made['index_ms']:.1f} ms, "
        f"search “{QUERY}” {made['search_ms']:.2f} ms ({made['results']} results)"
    )
    for name in ("directory", "search"):
        page = made[name]
        print(
            f"  first render of the {name} page {page['first_render_ms']:.0f} ms, "
            f"{page['queries']} DB queries, {page['bytes']} bytes"
        )


if __name__ == "__main__":
    sys.exit(main())
