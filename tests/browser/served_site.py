"""The portal served as in production, for the page-weight and Lighthouse checks.

gunicorn with gunicorn.conf.py, DEBUG off, and the static files collected by `collectstatic` into
whitenoise's hashed, compressed (gzip and brotli) files, on a throwaway SQLite database with the five
policies, their "Find rundt" directories and a survey whose wave is open (tests.scenarios).
The database is SQLite whatever DATABASE_URL says: what a page weighs does not depend on it.

`python -m tests.browser.served_site` is the set-up step, run in the served settings' environment.
"""

import contextlib
import io
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def prepare() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    from tests.scenarios import ensure_fixed_survey

    quiet = io.StringIO()
    call_command("migrate", verbosity=0, stdout=quiet)
    call_command("load_policies", stdout=quiet)
    call_command("load_directories", stdout=quiet)
    ensure_fixed_survey()
    call_command("collectstatic", interactive=False, verbosity=0, stdout=quiet)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(folder: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "GUNICORN_"))}
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.browser.served_settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",  # plain HTTP on the loopback; TLS is the proxy's in production
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        SERVED_STATIC_ROOT=str(folder / "staticfiles"),
        WEB_CONCURRENCY="2",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


@contextlib.contextmanager
def served_portal(folder: Path, timeout: float = 60.0) -> Iterator[str]:
    """Sets the portal up in `folder`, serves it with gunicorn on a free loopback port, yields its base URL."""
    env = production_env(folder)
    prepared = subprocess.run(
        [sys.executable, "-m", "tests.browser.served_site"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert prepared.returncode == 0, f"setting up the served portal failed:\n{prepared.stdout}{prepared.stderr}"
    port = free_port()
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    base_url = f"http://127.0.0.1:{port}"
    with open(folder / "gunicorn.log", "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "portal.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{base_url}/", timeout=5) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"gunicorn did not serve the portal:\n{(folder / 'gunicorn.log').read_text()}")
                time.sleep(0.2)
            yield base_url
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    prepare()
