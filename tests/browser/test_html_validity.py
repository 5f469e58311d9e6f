"""The Nu HTML Checker (vnu) finds no error in any public page's HTML as the server sends it.

The pages are fetched through the browser (so the failed login carries its CSRF cookie) but
checked as the raw response body, not the DOM, and vnu runs once over all of them: Java starts slowly.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.browser.helpers import ROOT
from tests.browser.public_pages import all_public_pages, open_page, response_problems

pytestmark = pytest.mark.browser

VNU_JAR = ROOT / ".cache" / "vnu" / "vnu.jar"
SETUP_HINT = (
    "Run `python3 scripts/fetch_assets.py --test` (it puts the Nu HTML Checker at .cache/vnu/vnu.jar) "
    "and install a Java runtime (Debian: apt-get install default-jre-headless)."
)


def vnu_command() -> list[str]:
    """How to start vnu; fails the test (never skips it) when the checker or Java is missing."""
    if not VNU_JAR.is_file():
        pytest.fail(f"The Nu HTML Checker is missing: no {VNU_JAR}. {SETUP_HINT}")
    java = shutil.which("java")
    if java is None:
        pytest.fail(f"No `java` on PATH to run {VNU_JAR}. {SETUP_HINT}")
    return [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json"]


def run_vnu(command: list[str], files: list[Path]) -> list[dict]:
    result = subprocess.run([*command, *map(str, files)], capture_output=True, text=True, timeout=600, check=False)
    output = result.stderr.strip() or result.stdout.strip()  # vnu writes its report to stderr
    try:
        return json.loads(output)["messages"]
    except (json.JSONDecodeError, KeyError):
        pytest.fail(f"vnu exited {result.returncode} without a JSON report:\n{result.stdout}\n{result.stderr}")


def vnu_problems(command: list[str], directory: Path, files: dict[str, str]) -> list[str]:
    """vnu's errors in the files (file name in `directory` -> the page's path), each with its source extract."""
    problems = []
    for message in run_vnu(command, [directory / name for name in files]):
        name = Path(message.get("url", "?")).name
        where = f"{files.get(name, message.get('url'))} ({name}), line {message.get('lastLine', '?')}"
        extract = " ".join(message.get("extract", "").split())
        problems.append(f"{where}: {message.get('type')}: {message.get('message')}\n    {extract}")
    return problems


def test_public_pages_are_valid_html(live_policies, live_server, page, tmp_path):
    command = vnu_command()  # before fetching anything: fail fast when the checker can't run
    problems = []
    files: dict[str, str] = {}  # file name -> page path
    for public_page in all_public_pages(live_policies.values()):
        response = open_page(page, live_server.url, public_page)
        problems += response_problems(public_page, response)
        name = f"{public_page.name}.html"
        assert name not in files, f"two pages would be written to {name}"
        (tmp_path / name).write_bytes(response.body())
        files[name] = public_page.path
    assert len(files) >= 49, sorted(files.values())  # 37 policy pages, 5 landing pages and 7 of the portal's

    problems += vnu_problems(command, tmp_path, files)
    assert not problems, "HTML errors (Nu HTML Checker) or response problems:\n" + "\n".join(problems)
