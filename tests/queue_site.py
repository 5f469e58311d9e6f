"""The portal run as in production for the queue tests and bench/two_servers_bench.py: its own database (a
fresh SQLite file, or a fresh PostgreSQL database beside DATABASE_URL's), gunicorn instances, task-queue
workers (`manage.py db_worker`) and a scheduler, each a real process, and a small HTTP client that logs in.

`python -m tests.queue_site prepare` (in the site's environment) migrates and makes a municipality with a
manager, an editor of its directory and an open survey wave; it prints the wave's and the unit's ids.
"""

import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from tests.authenticator import totp_code

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Korrekt-Hest-Batteri-9"


def prepare() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from portal.roles import Role
    from surveys.services import generate_invitations
    from tests.factories import MunicipalityFactory
    from tests.scenarios import open_survey

    call_command("migrate", verbosity=0)
    municipality = MunicipalityFactory(town="Testrup", slug="testrup", kommunekode="0901")
    survey = open_survey(municipality)
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secrets = {}
    for username in ("leder", "leder2"):  # two managers, so two logins within 30 s don't use the same code
        manager = get_user_model().objects.create_user(username, password=PASSWORD, municipality=municipality)
        manager.groups.set(Group.objects.filter(name=Role.MANAGER.value))
        secrets[username] = generate_totp_secret()
        TOTP.activate(manager, secrets[username])
    editor = get_user_model().objects.create_user("redaktoer", password=PASSWORD, municipality=municipality)
    editor.groups.set(Group.objects.filter(name=Role.EDITOR.value))  # the directory's import
    secrets["redaktoer"] = generate_totp_secret()
    TOTP.activate(editor, secrets["redaktoer"])
    [code] = generate_invitations(wave=survey.wave, unit=survey.unit, count=1, acting_user=manager)
    print(
        json.dumps(
            {"wave": survey.wave.pk, "unit": survey.unit.pk, "open_link": str(survey.wave.open_link_key), "code": code}
            | {"answers": survey.form_data(), "totp_secrets": secrets}
        )
    )


def _fresh_postgres(url: str, name: str) -> str:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return parts._replace(path=f"/{name}").geturl()


def drop_postgres(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        return
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def site_env(folder: Path, *, suffix: str = "queue", **extra: str) -> dict[str, str]:
    """The environment of every process of the site; a fresh database for it."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "GUNICORN_"))}
    env.pop("REDIS_URL", None)
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgres"):
        name = urllib.parse.urlsplit(base).path.lstrip("/") or "portal"
        database_url = _fresh_postgres(base, f"{name}_{suffix}")
    else:
        database_url = f"sqlite:///{folder / 'db.sqlite3'}"
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONUNBUFFERED="1",
        GUNICORN_CONTROL_SOCKET="off",
    )
    env.update(extra)
    return env


def run_prepare(env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "tests.queue_site", "prepare"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, f"preparing the site failed:\n{done.stdout}{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])


class Process:
    """A process of the site with its output in a log file; stopped with SIGTERM, killed if it will not stop."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], folder: Path):
        self.name = name
        self.log_path = folder / f"{name}.log"
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.pid = self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def worker(env: dict[str, str], folder: Path, name: str) -> Process:
    return Process(
        name,
        [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--worker-id", name],
        env,
        folder,
    )


def web(env: dict[str, str], folder: Path, name: str, port: int, workers: int = 2) -> Process:
    process = Process(
        name,
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "portal.wsgi"],
        {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers)},
        folder,
    )
    deadline = time.monotonic() + 60
    while True:
        with contextlib.suppress(OSError):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        assert process.alive(), f"gunicorn stopped:\n{process.output()}"
        assert time.monotonic() < deadline, f"gunicorn did not answer in 60 s:\n{process.output()}"
        time.sleep(0.2)


class Browser:
    """Just enough of a browser: cookies (also `Secure` ones, over plain HTTP on the loopback), CSRF, forms."""

    def __init__(self, port: int, *, source_address: str = "127.0.0.1", https: bool = False):
        self.port = port
        self.scheme = "https" if https else "http"  # behind the proxy, the page is https to Django
        self.source_address = source_address
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=60, source_address=(self.source_address, 0)
        )
        sent = {"Host": "127.0.0.1", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{key}={value}" for key, value in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Referer"] = f"{self.scheme}://127.0.0.1{path}"
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _sep, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        connection.close()
        return response.status, response.headers, text

    def csrf_token(self, path: str) -> str:
        _status, _headers, text = self.request("GET", path)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)

    def post_form(self, path: str, data: dict, headers: dict | None = None):
        return self.request("POST", path, {**data, "csrfmiddlewaretoken": self.csrf_token(path)}, headers)

    def post_file(self, path: str, field: str, filename: str, content: bytes):
        """A form with one file (multipart/form-data), as a browser sends an upload."""
        boundary = "----queue-site-boundary"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f"{self.csrf_token(path)}\r\n".encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode(),
            content,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=60, source_address=(self.source_address, 0)
        )
        headers = {
            "Host": "127.0.0.1",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Referer": f"{self.scheme}://127.0.0.1{path}",
            "Cookie": "; ".join(f"{key}={value}" for key, value in self.cookies.items()),
        }
        connection.request("POST", path, body=b"".join(parts), headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        connection.close()
        return response.status, response.headers, text

    def log_in(self, username: str = "leder", password: str = PASSWORD, headers: dict | None = None):
        """The password step; a right password answers with a redirect to the second factor's page."""
        return self.post_form("/konto/log-ind/", {"login": username, "password": password}, headers)

    def second_factor(self, path: str, secret: str, headers: dict | None = None):
        """The authenticator app's step: the code of `secret` now (pyotp, as an app computes it)."""

        return self.post_form(path, {"code": totp_code(secret)}, headers)


if __name__ == "__main__" and sys.argv[1:] == ["prepare"]:
    prepare()
