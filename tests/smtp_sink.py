"""A real SMTP server (aiosmtpd) in its own process, for the tests of e-mail: `SmtpSink` starts and stops it.

It keeps every accepted message as one JSON line (to, subject, body) in `messages.jsonl`, and behaves as
the test says in `rules.json`, read again for each message, so a test can change it while workers send:

- "refuse": {address: code}: answer RCPT TO for the address with that code (550 final, 451 try later);
- "tempfail_first": {address: n}: answer the first n tries of the address with 451;
- "drop_after": n: close the connection without answering after n accepted messages (once);
- "delay": seconds before answering DATA (a slow server, or a timeout when longer than the client waits);
- "kill": {"port": p, "at": n, "pid_file": path}: on the port p, when the n-th message arrives, kill the
  process whose id is in pid_file with SIGKILL before answering (a worker dying while it sends), and do not
  keep that message (a server keeps a message only once it has said 250);
- "database_away": {"at": n, "database_url": url}: when the n-th message has been kept, and before answering
  250, end every connection to that PostgreSQL database (pg_terminate_backend: what a restart of the database
  server looks like to its clients), so the sender learns the message went through only when its database
  connection is gone. On SQLite, hold the file's write lock for two seconds from then on instead.

`python -m tests.smtp_sink FOLDER PORT [PORT…]` runs the server on the loopback ports.
"""

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Handler:
    def __init__(self, folder: Path, port: int, counters: dict):
        self.folder = folder
        self.port = port
        self.counters = counters  # shared by the ports: tries per address, messages per port, drops done

    def rules(self) -> dict:
        try:
            return json.loads((self.folder / "rules.json").read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        rules = self.rules()
        tries = self.counters.setdefault("tries", {})
        tries[address] = tries.get(address, 0) + 1
        refused = rules.get("refuse", {}).get(address)
        if refused:
            return f"{refused} {'No such user' if refused >= 500 else 'Try again later'}"
        if tries[address] <= rules.get("tempfail_first", {}).get(address, 0):
            return "451 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        rules = self.rules()
        if rules.get("delay"):
            await asyncio.sleep(rules["delay"])
        per_port = self.counters.setdefault("per_port", {})
        per_port[self.port] = per_port.get(self.port, 0) + 1
        kill = rules.get("kill")
        if kill and kill["port"] == self.port and per_port[self.port] == kill["at"]:
            os.kill(int(Path(kill["pid_file"]).read_text()), signal.SIGKILL)
            server.transport.close()
            return "421 Closing"
        accepted = self.counters.setdefault("accepted", 0) + 1
        self.counters["accepted"] = accepted
        if rules.get("drop_after") and accepted > rules["drop_after"] and not self.counters.get("dropped"):
            self.counters["dropped"] = True
            self.counters["accepted"] -= 1
            server.transport.close()  # gone without a word: the client cannot know
            return "421 Closing"
        message = message_from_bytes(envelope.content, policy=policy.default)
        line = {
            "to": envelope.rcpt_tos,
            "subject": str(message["subject"]).strip(),
            "body": message.get_body(("plain",)).get_content(),
        }
        with open(self.folder / "messages.jsonl", "a", encoding="utf-8") as store:
            store.write(json.dumps(line) + "\n")
        away = rules.get("database_away")
        if away and accepted == away["at"]:
            database_away(away["database_url"])
        return "250 Message accepted for delivery"


def database_away(url: str) -> None:
    import threading
    import urllib.parse

    parts = urllib.parse.urlsplit(url)
    if parts.scheme.startswith("postgres"):
        import psycopg

        with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [parts.path.lstrip("/")],
            )
        return
    import sqlite3

    locked = threading.Event()

    def hold():
        connection = sqlite3.connect(parts.path, isolation_level=None)
        connection.execute("BEGIN EXCLUSIVE")
        locked.set()
        time.sleep(2)
        connection.execute("ROLLBACK")
        connection.close()

    threading.Thread(target=hold, daemon=True).start()
    locked.wait(10)


def serve(folder: Path, ports: list[int]) -> None:
    from aiosmtpd.controller import Controller

    counters: dict = {}
    controllers = [Controller(Handler(folder, port, counters), hostname="127.0.0.1", port=port) for port in ports]
    for controller in controllers:
        controller.start()
    (folder / "ready").write_text("ok")
    stop = asyncio.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.is_set():
            time.sleep(0.2)
    finally:
        for controller in controllers:
            controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    """The sink process; `messages()` reads what it accepted; `set_rules()` changes how it behaves."""

    def __init__(self, folder: Path, ports: int = 1):
        self.folder = folder
        self.ports = [free_port() for _n in range(ports)]
        self.process: subprocess.Popen | None = None

    @property
    def port(self) -> int:
        return self.ports[0]

    def start(self) -> "SmtpSink":
        (self.folder / "ready").unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.smtp_sink", str(self.folder), *map(str, self.ports)], cwd=ROOT
        )
        deadline = time.monotonic() + 20
        while not (self.folder / "ready").exists():
            assert self.process.poll() is None, "the SMTP sink did not start"
            assert time.monotonic() < deadline, "the SMTP sink did not start in 20 s"
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(10)
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()

    def set_rules(self, **rules) -> None:
        path = self.folder / "rules.json"
        path.with_suffix(".tmp").write_text(json.dumps(rules))
        path.with_suffix(".tmp").replace(path)

    def messages(self) -> list[dict]:
        path = self.folder / "messages.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


if __name__ == "__main__":
    serve(Path(sys.argv[1]), [int(port) for port in sys.argv[2:]])
