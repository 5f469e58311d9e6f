"""Lighthouse (npm's `lighthouse`, installed by `npm ci`) driving Debian's Chromium with its default, mobile
settings, for tests/browser/test_page_weight.py (accessibility: `lighthouse_pages`, several pages with one Node
process and one Chromium) and bench/lighthouse_bench.py (performance: `lighthouse`, the command, one page a run)."""

import json
import os
import subprocess
from pathlib import Path

from tests.browser.helpers import CHROMIUM
from tests.browser.served_site import ROOT

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
PAGES_SCRIPT = Path(__file__).with_name("lighthouse_pages.mjs")
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking"
METRICS = [
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
]


class LighthouseFailed(Exception):
    pass


def lighthouse(url: str, output: Path, *, categories: str) -> dict:
    """One run on `url`; again once if Chromium's trace came out unusable (Lighthouse's NO_NAVSTART)."""
    for _attempt in range(2):
        result = subprocess.run(
            [
                str(LIGHTHOUSE),
                url,
                "--quiet",
                "--form-factor=mobile",
                f"--only-categories={categories}",
                "--output=json",
                f"--output-path={output}",
                f"--chrome-flags={CHROME_FLAGS}",
            ],
            env={**os.environ, "CHROME_PATH": CHROMIUM},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        report = json.loads(output.read_text()) if output.exists() else {}
        if result.returncode == 0 and not report.get("runtimeError"):
            return report
    raise LighthouseFailed(f"Lighthouse failed on {url}: {report.get('runtimeError')}\n{result.stderr[-3000:]}")


def lighthouse_pages(urls: dict[str, str], folder: Path, *, categories: str) -> dict[str, dict]:
    """One run on each of `urls` (name -> URL), the same as `lighthouse` on each, but in one Node process driving one
    Chromium (tests/browser/lighthouse_pages.mjs): starting Node, loading Lighthouse and launching Chromium once,
    not once a page. Each run is tried twice when Chromium's trace came out unusable; the reports by name."""
    result = subprocess.run(
        ["node", str(PAGES_SCRIPT), categories, CHROME_FLAGS, str(folder), *urls.values()],
        cwd=ROOT,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        capture_output=True,
        text=True,
        timeout=300 * len(urls),
        check=False,
    )
    reports = {}
    for index, (name, url) in enumerate(urls.items()):
        output = folder / f"{index}.json"
        report = json.loads(output.read_text()) if output.exists() else {}
        if result.returncode != 0 or not report or report.get("runtimeError"):
            raise LighthouseFailed(f"Lighthouse failed on {url}: {report.get('runtimeError')}\n{result.stderr[-3000:]}")
        reports[name] = report
    return reports


def summary(name: str, report: dict) -> str:
    audits = report["audits"]
    metrics = ", ".join(f"{audit} {audits[audit]['displayValue']}" for audit in METRICS if audit in audits)
    failed = [key for key, audit in audits.items() if audit.get("scoreDisplayMode") == "binary" and audit["score"] == 0]
    scores = {key: category["score"] for key, category in report["categories"].items()}
    speed = report["environment"]["benchmarkIndex"]  # this machine's speed as Lighthouse measured it
    return (
        f"{name}: {scores} ({metrics or 'no timings'}); failed audits: {failed or 'none'}; benchmark index {speed:.0f}"
    )
