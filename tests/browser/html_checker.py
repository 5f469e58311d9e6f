"""The Nu HTML Checker (vnu) as one long-lived local server per test process.

Each `java -jar vnu.jar` run spends seconds of CPU starting the JVM, so the first test that needs the checker
starts vnu's own HTTP service (`nu.validator.servlet.Main`, bound to 127.0.0.1 on a free port; it needs no
network) and every later check POSTs documents to it; conftest.py stops it when the session ends. Its problems
are those of `vnu --errors-only`: the messages of type "error" and "non-document-error".

The server sends a page the same HTML whatever the browser's viewport, so a test run on both viewports sends its
pages to the checker in one of them only (`checks_html`); axe-core and the console are still checked in both.
"""

import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.browser.helpers import ROOT

VNU_JAR = ROOT / ".cache" / "vnu" / "vnu.jar"
SETUP_HINT = (
    "Run `python3 scripts/fetch_assets.py --test` (it puts the Nu HTML Checker at .cache/vnu/vnu.jar) "
    "and install a Java runtime (Debian: apt-get install default-jre-headless)."
)
ERROR_TYPES = {"error", "non-document-error"}  # what `vnu --errors-only` reports
START_TIMEOUT = 180  # seconds; the service reads its schemas and the HTML spec first, slowly on a busy machine
HTML_VIEWPORT = "desktop"


def checks_html(viewport_name: str) -> bool:
    """Whether this run of a test sends its pages' HTML to the checker: the HTML is checked in the desktop run
    (the server sends the same HTML to a phone); tests on the phone alone use `html_checker` without asking."""
    return viewport_name == HTML_VIEWPORT


class HtmlChecker:
    """vnu's service on 127.0.0.1, started when the first document is sent to it."""

    def __init__(self, java: str):
        self.java = java
        self.process: subprocess.Popen | None = None
        self.url = ""

    def _start(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [
                self.java,
                "-Dnu.validator.servlet.bind-address=127.0.0.1",
                "-cp",
                str(VNU_JAR),
                "nu.validator.servlet.Main",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=self.log,  # a file, not a pipe: the service logs every request and would block on a full pipe
        )
        self._wait_until_it_answers()

    def _wait_until_it_answers(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                log = self.log.read().decode(errors="replace")
                pytest.fail(f"vnu's service exited {self.process.returncode}:\n{log}")
            try:
                with urllib.request.urlopen(self.url, timeout=5):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        pytest.fail(f"vnu's service did not answer on {self.url} within {START_TIMEOUT} s")

    def messages(self, html: bytes) -> list[dict]:
        """vnu's messages about one document, of every type; the service starts with the first document."""
        if self.process is None or self.process.poll() is not None:
            self._start()
        request = urllib.request.Request(
            f"{self.url}?out=json",
            data=html,
            headers={"Content-Type": "text/html; charset=utf-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return json.loads(response.read())["messages"]
        except (urllib.error.URLError, json.JSONDecodeError, KeyError) as error:
            pytest.fail(f"vnu's service gave no JSON report: {error!r}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        self.process = None


_running: HtmlChecker | None = None


def html_checker() -> HtmlChecker:
    """This process's checker (its service starts with the first document sent); fails the test (never skips it)
    when vnu or Java is missing, so a test calls it first, before the pages it checks."""
    global _running
    if not VNU_JAR.is_file():
        pytest.fail(f"The Nu HTML Checker is missing: no {VNU_JAR}. {SETUP_HINT}")
    java = shutil.which("java")
    if java is None:
        pytest.fail(f"No `java` on PATH to run {VNU_JAR}. {SETUP_HINT}")
    if _running is None:
        _running = HtmlChecker(java)
    return _running


def stop_html_checker() -> None:
    global _running
    if _running is not None:
        _running.stop()
        _running = None


def vnu_problems(checker: HtmlChecker, directory: Path, files: dict[str, str]) -> list[str]:
    """vnu's errors in the files (file name in `directory` -> the page's path), each with its source extract."""
    problems = []
    for name, path in files.items():
        for message in checker.messages((directory / name).read_bytes()):
            if message.get("type") not in ERROR_TYPES:
                continue
            where = f"{path} ({name}), line {message.get('lastLine', '?')}"
            extract = " ".join(message.get("extract", "").split())
            problems.append(f"{where}: {message.get('type')}: {message.get('message')}\n    {extract}")
    return problems
