#!/usr/bin/env python3
"""Where does a request's time go? Calls the Django WSGI application in-process, no server, no network.

Needs a database with the demo data: the one serve_bench.py --keep leaves behind, or load_bench.py's, e.g.
  DATABASE_URL=sqlite:////tmp/serve-bench-XXXX/bench.sqlite3 DJANGO_SECRET_KEY=x DJANGO_DEBUG=false \\
  DJANGO_SECURE_SSL_REDIRECT=false .venv/bin/python bench/profile_app.py [--profile policy|bare] [-n 3000]

Prints microseconds per request for the bare view and the cached policy page with the full middleware
stack, then with each middleware left out in turn (the difference is what that middleware costs), and
with cProfile the top functions of one URL.

--uncached: every page rendered (Django's DummyCache, as load_bench.py's uncached server); then it prints,
for the bare view and each public page (--url NAME=PATH adds or replaces one), µs per request on the clock and
of CPU, its queries and the CPU ratio to the bare view; with --profile NAME a cProfile listing of that page
(PROFILE_SORT=tottime to sort by a function's own time). Point DATABASE_URL at load_bench.py's database.
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
UNCACHED = "--uncached" in sys.argv
if UNCACHED:
    os.environ["LOAD_BENCH_CACHE"] = "off"
os.environ["DJANGO_SETTINGS_MODULE"] = "load_bench_settings" if UNCACHED else "bench_settings"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

PATHS = {"bare": "/bench/bare", "policy": "/haderslev/tema-2-du-skal-ikke-staa-alene/"}
PUBLIC_PATHS = {
    "bare": "/bench/bare",
    "home": "/haderslev/",
    "policy": "/haderslev/tema-2-du-skal-ikke-staa-alene/",
    "directory": "/hvidovre/find-rundt/",
    "search": "/hvidovre/find-rundt/?q=demens",
    "results": "/haderslev/saadan-gaar-det/",
}


def environ(url: str) -> dict:
    path, _sep, query = url.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_ACCEPT": "text/html",
        "HTTP_ACCEPT_LANGUAGE": "da",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def call(app, path: str) -> int:
    status = []
    body = app(environ(path), lambda s, headers, exc_info=None: status.append(s))
    b"".join(body)
    body.close()
    return int(status[0].split()[0])


def per_request_us(app, path: str, n: int) -> float:
    """Best-of-three microseconds per request; NaN when the URL fails without some middleware."""
    try:
        if call(app, path) != 200:  # also fills the page cache
            return float("nan")
    except Exception:  # e.g. no request.user without AuthenticationMiddleware
        return float("nan")
    best = float("inf")
    for _ in range(3):  # best of three: the machine is shared
        start = time.perf_counter()
        for _ in range(n):
            call(app, path)
        best = min(best, (time.perf_counter() - start) / n * 1e6)
    return best


def cpu_us(app, path: str, n: int) -> float:
    """Microseconds of this process's CPU per request: unlike the time on the clock, barely moved by other load."""
    start = time.process_time()
    for _ in range(n):
        call(app, path)
    return (time.process_time() - start) / n * 1e6


def uncached_table(app, paths: dict[str, str], n: int) -> None:
    """Per page, all rendered (no page cache): µs per request on the clock and of CPU, its queries, and the ratio
    of the bare view's CPU to the page's (what the page would reach against the bare view with the CPU alone)."""
    print(f"{'page (uncached, in-process)':<30} {'µs/request':>11} {'µs CPU':>9} {'queries':>8} {'×bare (CPU)':>12}")
    bare = None
    for name, path in paths.items():
        queries = []  # (Django's own query log is emptied when a request starts)

        def count(execute, sql, *rest, queries=queries):
            queries.append(sql)
            return execute(sql, *rest)

        with connection.execute_wrapper(count):
            status = call(app, path)
        took = per_request_us(app, path, n)
        cpu = cpu_us(app, path, n)
        bare = bare or cpu
        failed = "" if status == 200 else f" {status}"
        print(f"{name:<30} {took:>11.0f} {cpu:>9.0f} {len(queries):>8} {bare / cpu:>12.2f}{failed}")


def cpu_table(app, paths: dict[str, str], n: int, rounds: int) -> None:
    """Per page, µs of CPU per request: the median of `rounds` rounds, each timing every page n times in turn (the
    bare view first), so that load on the machine falls on all alike; the page's ratio to the bare view is taken
    within each round, and its median printed."""
    for path in paths.values():
        call(app, path)  # warm: the page cache, the template loader, the connection
    cpu = {name: [] for name in paths}
    for _ in range(rounds):
        for name, path in paths.items():
            cpu[name].append(cpu_us(app, path, n))
    bare = cpu["bare"]
    print(f"{'page (CPU in-process)':<22} {'µs median':>10} {'min–max':>13} {'÷bare median':>13}")
    for name, times in cpu.items():
        ratio = statistics.median(t / b for t, b in zip(times, bare, strict=True))
        span = f"{min(times):.0f}–{max(times):.0f}"
        print(f"{name:<22} {statistics.median(times):>10.0f} {span:>13} {ratio:>13.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=3000)
    parser.add_argument("--profile", help=f"one of {', '.join(PUBLIC_PATHS)} (or a --url name)")
    parser.add_argument("--uncached", action="store_true", help="no page cache: every page rendered")
    parser.add_argument("--cpu", action="store_true", help="µs of CPU per page, median of --rounds, ÷bare")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of --cpu (default 5)")
    parser.add_argument("--url", action="append", default=[], metavar="NAME=PATH", help="a page to add (--uncached)")
    args = parser.parse_args()

    app = WSGIHandler()
    paths = PUBLIC_PATHS | dict(url.split("=", 1) for url in args.url)
    if args.cpu:
        names = ["bare", "policy", "directory", "results", *(url.split("=", 1)[0] for url in args.url)]
        cpu_table(app, {name: paths[name] for name in dict.fromkeys(names)}, args.n, args.rounds)
        return
    if args.uncached and not args.profile:
        uncached_table(app, paths, args.n)
        return
    if args.profile:
        path = paths[args.profile]
        call(app, path)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.n):
            call(app, path)
        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(45)
        return

    full = {name: per_request_us(app, path, args.n) for name, path in PATHS.items()}
    print("µs per request in-process (best of 3 x n); for each middleware, what leaving it out saves")
    print(f"{'':<52} {'bare':>8} {'policy':>9}")
    print(f"{'full stack':<52} {full['bare']:>8.0f} {full['policy']:>9.0f}")
    for middleware in settings.MIDDLEWARE:
        with override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if m != middleware]):
            reduced = WSGIHandler()
            times = {name: per_request_us(reduced, path, args.n) for name, path in PATHS.items()}
        print(f"{middleware:<52} {full['bare'] - times['bare']:>8.0f} {full['policy'] - times['policy']:>9.0f}")
    with override_settings(MIDDLEWARE=[]):
        bare_app = WSGIHandler()
        times = {name: per_request_us(bare_app, path, args.n) for name, path in PATHS.items()}
    print(f"{'no middleware at all (time, not saving)':<52} {times['bare']:>8.0f} {times['policy']:>9.0f}")


if __name__ == "__main__":
    main()
