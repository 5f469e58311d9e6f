#!/usr/bin/env python3
"""Serve the portal with gunicorn and the production config, and load a policy page and a bare view.

One run sets up a throwaway database, starts gunicorn on a free loopback port, measures requests per
second and p50/p99 latency of both URLs with a closed-loop load of N keep-alive HTTP/1.1 clients,
prints a table and the ratio policy_rps / bare_rps, and stops gunicorn. See bench/README.md.
"""

import argparse
import http.client
import importlib.util
import json
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
HOST = "127.0.0.1"

POLICY_PATH = "/haderslev/tema-2-du-skal-ikke-staa-alene/"
BARE_PATH = "/bench/bare"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per URL (default 10)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load first (default 3)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client connections (default 8)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers, as WEB_CONCURRENCY (default 3)")
    parser.add_argument("--rounds", type=int, default=1, help="alternate bare/policy this many times (default 1)")
    parser.add_argument("--policy-path", default=POLICY_PATH)
    parser.add_argument("--bare-path", default=BARE_PATH)
    parser.add_argument(
        "--gunicorn-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra gunicorn argument, e.g. --gunicorn-arg=--threads=4 (repeatable)",
    )
    parser.add_argument("--wsgi-app", default="portal.wsgi:application", help="the WSGI application gunicorn serves")
    parser.add_argument("--start-timeout", type=float, default=60.0, help="seconds to wait for gunicorn")
    parser.add_argument("--skip-queries", action="store_true", help="don't count the policy page's queries")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database, logs)")
    args = parser.parse_args()
    if args.duration <= 0 or args.warmup < 0 or args.clients < 1 or args.workers < 1 or args.rounds < 1:
        parser.error("duration > 0, warmup >= 0, clients, workers and rounds >= 1")
    return args


# --- setting up ---------------------------------------------------------------------------------


def bench_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SETTINGS_MODULE="portal.settings",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.pop("GUNICORN_CMD_ARGS", None)  # only the config file and our own arguments
    return env


def run_step(title: str, command: list[str], env: dict[str, str]) -> str:
    print(f"  {title} ...", flush=True)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"serve_bench: {title} failed (exit {done.returncode})")
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_until_ready(proc: subprocess.Popen, port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if get(port, "/healthz", timeout=2)[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def stop(proc: subprocess.Popen) -> int | None:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL if it has not gone within 40 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


@dataclass
class GunicornServer:
    proc: subprocess.Popen
    port: int
    log_path: Path


def start_gunicorn(
    env: dict[str, str], port: int, workers: int, extra_args: list[str], wsgi_app: str, log_path: Path
) -> GunicornServer:
    """gunicorn with gunicorn.conf.py and bench_settings (the portal plus /bench/bare) on 127.0.0.1:`port`."""
    server_env = dict(
        env,
        DJANGO_SETTINGS_MODULE="bench_settings",
        GUNICORN_BIND=f"{HOST}:{port}",
        WEB_CONCURRENCY=str(workers),
    )
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--pythonpath",
        str(BENCH),
        "--no-control-socket",  # leave ~/.gunicorn/gunicorn.ctl to a real server on this machine
        *extra_args,
        wsgi_app,
    ]
    print("  start gunicorn:", " ".join(command))
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=server_env, stdout=log, stderr=subprocess.STDOUT)
    return GunicornServer(proc, port, log_path)


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- measuring ----------------------------------------------------------------------------------


def process_tree_cpu(pid: int) -> float:
    """CPU seconds of a process, its reaped children and its live children (gunicorn's workers)."""
    tick = os.sysconf("SC_CLK_TCK")

    def fields(stat_path: str) -> list[str] | None:
        try:
            with open(stat_path) as stat:
                return stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None

    total = 0.0
    own = fields(f"/proc/{pid}/stat")
    if own:
        total += sum(int(value) for value in own[11:15]) / tick  # utime stime cutime cstime
    for entry in os.listdir("/proc"):
        if entry.isdigit() and entry != str(pid):
            child = fields(f"/proc/{entry}/stat")
            if child and child[1] == str(pid):  # ppid
                total += (int(child[11]) + int(child[12])) / tick
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    with open("/proc/stat") as stat:
        values = [int(value) for value in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values[:8]) - idle) / tick, sum(values[:8]) / tick


@dataclass
class Result:
    name: str
    path: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    non_200: int = 0
    conn_errors: int = 0
    connects: int = 0
    body_bytes: int = 0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    machine_cpu: float = 0.0

    def merge(self, other: "Result") -> None:
        self.seconds += other.seconds
        self.latencies += other.latencies
        self.non_200 += other.non_200
        self.conn_errors += other.conn_errors
        self.connects += other.connects
        self.body_bytes = other.body_bytes
        self.client_cpu += other.client_cpu
        self.server_cpu += other.server_cpu
        self.machine_cpu += other.machine_cpu

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile_ms(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000


def client_loop(port: int, path: str, deadline: float, out: Result, lock: threading.Lock) -> None:
    """One closed-loop client: a keep-alive connection, reopened whenever the server closes it."""
    latencies: list[float] = []
    non_200 = conn_errors = connects = body_bytes = 0
    conn = None
    while (start := time.perf_counter()) < deadline:
        if conn is None or conn.sock is None:
            conn = http.client.HTTPConnection(HOST, port, timeout=10)
            connects += 1
        try:
            conn.request("GET", path, headers={"Accept": "text/html", "Accept-Language": "da"})
            response = conn.getresponse()
            body = response.read()
        except (http.client.HTTPException, OSError):
            conn_errors += 1  # e.g. a keep-alive connection the server closed just as we reused it
            conn.close()
            conn = None
            continue
        latencies.append(time.perf_counter() - start)
        body_bytes = len(body)
        if response.status != 200:
            non_200 += 1
        # With "Connection: close" (sync workers) http.client has already closed the socket.
    if conn is not None:
        conn.close()
    with lock:
        out.latencies += latencies
        out.non_200 += non_200
        out.conn_errors += conn_errors
        out.connects += connects
        out.body_bytes = body_bytes


def load(port: int, name: str, path: str, seconds: float, clients: int, server_pid: int) -> Result:
    result = Result(name, path)
    lock = threading.Lock()
    cpu_client, cpu_server, cpu_machine = time.process_time(), process_tree_cpu(server_pid), machine_busy()[0]
    start = time.perf_counter()
    deadline = start + seconds
    threads = [
        threading.Thread(target=client_loop, args=(port, path, deadline, result, lock), daemon=True)
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 15)  # a request in flight at the deadline has 10 s to finish
    result.seconds = time.perf_counter() - start
    result.client_cpu = time.process_time() - cpu_client
    result.server_cpu = process_tree_cpu(server_pid) - cpu_server
    result.machine_cpu = machine_busy()[0] - cpu_machine
    if any(thread.is_alive() for thread in threads):
        print(f"  warning: {name}: a client thread did not stop in time", file=sys.stderr)
    return result


def print_table(results: list[Result]) -> None:
    header = (
        f"{'url':<7} {'path':<44} {'requests':>8} {'rps':>8} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'bytes':>6} {'non200':>6} {'connerr':>7} {'srv cpu':>7} {'cli cpu':>7} {'other':>7}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        other = max(0.0, r.machine_cpu - r.server_cpu - r.client_cpu)
        print(
            f"{r.name:<7} {r.path:<44} {len(r.latencies):>8} {r.rps:>8.1f} {r.percentile_ms(50):>7.2f} "
            f"{r.percentile_ms(99):>7.2f} {r.body_bytes:>6} {r.non_200:>6} {r.conn_errors:>7} "
            f"{r.server_cpu / r.seconds:>7.0%} {r.client_cpu / r.seconds:>7.0%} {other / r.seconds:>7.0%}"
        )


@contextmanager
def scratch_directory(prefix: str, *, keep: bool):
    """A new temporary directory, removed afterwards unless `keep`."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield tmp
    finally:
        if keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def serving(server: GunicornServer, timeout: float, *, program: str):
    """(port, process) of a started gunicorn once it answers; stopped afterwards. Exits with 2 if it does not start."""
    try:
        if not wait_until_ready(server.proc, server.port, timeout):
            sys.stderr.write(tail(server.log_path) + "\n")
            print(f"{program}: gunicorn did not start (exit {server.proc.poll()})", file=sys.stderr)
            raise SystemExit(2)
        yield server.port, server.proc
    finally:
        print(f"gunicorn stopped (exit {stop(server.proc)})")


def run_bench(
    args: argparse.Namespace,
    port: int,
    proc: subprocess.Popen,
    targets: list[tuple[str, str]],
    *,
    log_path: Path,
    program: str,
    server_args: str = "",
) -> dict[str, Result]:
    """Load each (name, path) of `targets` in turn, `args.rounds` times, and print the figures; the totals by name.

    Every path must answer 200 first. Exits with 1 if one does not, or if gunicorn dies during the run.
    """
    for name, path in targets:
        status, _ = get(port, path, timeout=30)
        if status != 200:
            print(f"{program}: {name} {path} answers {status}, not 200", file=sys.stderr)
            raise SystemExit(1)
    print(
        f"\nload: {args.clients} client threads (closed loop, HTTP/1.1 keep-alive), "
        f"{args.warmup:g} s warm-up + {args.duration:g} s per URL, {args.rounds} round(s); "
        f"server: {args.workers} gunicorn workers {server_args}; "
        f"{os.cpu_count()} cores shared by server and client\n"
    )
    totals = {name: Result(name, path) for name, path in targets}
    for round_number in range(1, args.rounds + 1):
        round_results = []
        for name, path in targets:
            if args.warmup:
                load(port, name, path, args.warmup, args.clients, proc.pid)
            result = load(port, name, path, args.duration, args.clients, proc.pid)
            totals[name].merge(result)
            round_results.append(result)
            if proc.poll() is not None:
                print(f"{program}: gunicorn died during the run", file=sys.stderr)
                sys.stderr.write(tail(log_path) + "\n")
                raise SystemExit(1)
        if args.rounds > 1:
            print(f"round {round_number}")
            print_table(round_results)
            print()
    if args.rounds > 1:
        print("all rounds")
    print_table(list(totals.values()))
    busy_elsewhere = max((r.machine_cpu - r.server_cpu - r.client_cpu) / r.seconds for r in totals.values())
    if busy_elsewhere > 0.25:
        print(
            f"\nwarning: other processes kept {busy_elsewhere:.0%} of a core busy during the run "
            "(column 'other'); the figures are depressed and noisy, run again when the machine is quiet"
        )
    return totals


def ratio(totals: dict[str, Result], name: str) -> float:
    """Requests per second of `name` as a share of the bare view's."""
    bare = totals["bare"].rps
    return totals[name].rps / bare if bare else float("nan")


def restarts_and_errors(totals: dict[str, Result], log_path: Path, program: str) -> int:
    """Print gunicorn's worker restarts; the exit code: 1 if any response was not 200."""
    restarts = tail(log_path, 10**9).count("Autorestarting worker")
    print(f"gunicorn worker restarts (max_requests) during the run: {restarts}")
    errors = sum(r.non_200 for r in totals.values())
    if errors:
        print(f"{program}: {errors} responses were not 200", file=sys.stderr)
        return 1
    return 0


# --- the run ------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    python = sys.executable
    if importlib.util.find_spec("gunicorn") is None or importlib.util.find_spec("django") is None:
        raise SystemExit("serve_bench: run it with the project's Python, e.g. .venv/bin/python bench/serve_bench.py")

    with scratch_directory("serve-bench-", keep=args.keep) as tmp:
        env = bench_env(tmp)
        log_path = tmp / "gunicorn.log"
        print(f"setup in {tmp} (database {env['DATABASE_URL']})")
        manage = [python, str(ROOT / "manage.py")]
        run_step("migrate", [*manage, "migrate", "--noinput", "-v", "0"], env)
        run_step("load_policies", [*manage, "load_policies"], env)
        run_step("collectstatic (into STATIC_ROOT)", [*manage, "collectstatic", "--noinput", "-v", "0"], env)

        queries = None
        if not args.skip_queries:
            out = run_step("count queries", [python, str(BENCH / "query_count.py"), args.policy_path], env)
            queries = json.loads(out.strip().splitlines()[-1])

        server = start_gunicorn(env, free_port(), args.workers, args.gunicorn_arg, args.wsgi_app, log_path)
        with serving(server, args.start_timeout, program="serve_bench") as (port, proc):
            targets = [("bare", args.bare_path), ("policy", args.policy_path)]
            server_args = " ".join(args.gunicorn_arg)
            totals = run_bench(
                args, port, proc, targets, log_path=log_path, program="serve_bench", server_args=server_args
            )
            print(f"\nratio policy_rps / bare_rps = {ratio(totals, 'policy'):.2f}")
            if queries:
                print(
                    f"DB queries for an anonymous visitor to {args.policy_path}: "
                    f"{queries['first']['queries']} on first render, {queries['cached']['queries']} when cached"
                )
                for sql in queries["cached"]["sql"]:
                    print(f"  cached: {sql}")
            return restarts_and_errors(totals, log_path, "serve_bench")


if __name__ == "__main__":
    sys.exit(main())
