"""Lighthouse's mobile performance score of the four pages a relative comes to first (issue 12: at least 95).

The score is a timing (Lighthouse scales the CPU time it observes by 4, so whatever else the machine does
lowers it), so it is measured here, not asserted in a test: three runs a page, the median, and the machine's
load during the runs. The portal is served as in production (tests/browser/served_site.py); Lighthouse needs
`npm ci`. Run from the project's root:

    .venv/bin/python bench/lighthouse_bench.py
"""

import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

TARGET = 0.95
RUNS = 3


def main() -> int:
    import django

    django.setup()  # the page list names the survey's code, which imports the survey models
    from tests.browser.lighthouse import LIGHTHOUSE, lighthouse, summary
    from tests.browser.served_site import served_portal
    from tests.browser.test_page_weight import PAGES

    if not LIGHTHOUSE.exists():
        print("Lighthouse is not installed: run `npm ci` first.")
        return 2
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as folder, served_portal(Path(folder)) as base_url:
        rows = []
        for name, path in PAGES.items():
            scores = []
            for run in range(RUNS):
                report = lighthouse(base_url + path, Path(folder) / f"{run}.json", categories="performance")
                print("  " + summary(name, report))
                scores.append(report["categories"]["performance"]["score"])
            rows.append((name, statistics.median(scores), min(scores), max(scores)))
    print(f"load average after: {os.getloadavg()[0]:.2f}\n")
    print(f"{'page':<14} {'median':>6} {'min':>5} {'max':>5}  target {TARGET}")
    for name, median, low, high in rows:
        print(f"{name:<14} {median:>6.2f} {low:>5.2f} {high:>5.2f}  {'ok' if median >= TARGET else 'BELOW'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
