"""A relative's first visit on a phone: at most 200 KB over the wire, and Lighthouse's accessibility audit passes.

Both run against the portal served as in production (tests/browser/served_site.py: gunicorn,
whitenoise's compressed, hashed static files), on four pages a relative comes to: the front page,
a policy page, "Find rundt" and the survey. Lighthouse is npm's `lighthouse` (package.json; `npm ci`
installs it) driving Debian's Chromium with its default, mobile settings: a low-end phone (Moto G
Power) on a slow 4G connection, simulated. Its performance score is a timing, which depends on what else the
machine does, so it is measured by bench/lighthouse_bench.py, not asserted here.
"""

from dataclasses import dataclass, field

import pytest

from tests.browser.helpers import VIEWPORTS
from tests.browser.lighthouse import LIGHTHOUSE, lighthouse_pages, summary
from tests.browser.served_site import served_portal
from tests.scenarios import FIXED_CODE

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("served-portal")]  # one served portal for the module

PAGES = {
    "front page": "/",
    "policy page": "/haderslev/tema-2-du-skal-ikke-staa-alene/",  # with a quote in italics: a fourth font
    "Find rundt": "/hvidovre/find-rundt/",  # Hvidovre's directory, the largest
    "survey": f"/undersoegelse/{FIXED_CODE}/",
}
MAX_TRANSFERRED = 200_000  # bytes, headers included


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> str:
    with served_portal(tmp_path_factory.mktemp("served")) as base_url:
        yield base_url


@dataclass
class Transfer:
    url: str
    transferred: int = 0  # bytes on the wire, headers included
    body: int = 0  # bytes after decompression
    encoding: str = ""
    mime: str = ""


@dataclass
class Visit:
    transfers: dict[str, Transfer] = field(default_factory=dict)

    @property
    def transferred(self) -> int:
        return sum(transfer.transferred for transfer in self.transfers.values())

    @property
    def body(self) -> int:
        return sum(transfer.body for transfer in self.transfers.values())

    def table(self, base_url: str) -> str:
        rows = sorted(self.transfers.values(), key=lambda transfer: -transfer.transferred)
        return "\n".join(
            f"  {t.transferred:>7} {t.body:>7} {t.encoding or '-':<4} {t.url.removeprefix(base_url)}" for t in rows
        )


def first_visit(browser, url: str) -> tuple[Visit, object, object]:
    """Loads `url` in a fresh phone context (empty cache) and counts every byte Chromium receives."""
    context = browser.new_context(viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True, locale="da-DK")
    page = context.new_page()
    network = context.new_cdp_session(page)
    visit = Visit()

    def transfer(event) -> Transfer:
        return visit.transfers.setdefault(event["requestId"], Transfer(url=""))

    def on_response(event) -> None:
        headers = {key.lower(): value for key, value in event["response"]["headers"].items()}
        item = transfer(event)
        item.url, item.mime = event["response"]["url"], event["response"]["mimeType"]
        item.encoding = headers.get("content-encoding", "")

    def on_data(event) -> None:
        transfer(event).body += event["dataLength"]

    def on_finished(event) -> None:
        transfer(event).transferred = event["encodedDataLength"]

    network.on("Network.responseReceived", on_response)
    network.on("Network.dataReceived", on_data)
    network.on("Network.loadingFinished", on_finished)
    network.send("Network.enable")
    network.send("Network.setCacheDisabled", {"cacheDisabled": True})
    response = page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")  # the fonts a layout asks for after the load event
    return visit, page, response


@pytest.mark.parametrize("name", PAGES)
def test_a_first_visit_on_a_phone_transfers_at_most_200_kb(served, browser, name):
    visit, page, response = first_visit(browser, served + PAGES[name])
    try:
        assert response.status == 200
        report = f"{name}: {visit.transferred} bytes transferred, {visit.body} uncompressed\n{visit.table(served)}"
        print(report)
        assert visit.transferred <= MAX_TRANSFERRED, report

        stylesheets = [t for t in visit.transfers.values() if t.mime == "text/css"]
        assert len(stylesheets) == 2 and all(t.encoding in {"br", "gzip"} for t in stylesheets), report
        fonts = [t.url for t in visit.transfers.values() if "/fonts/" in t.url]
        assert fonts and all(url.endswith(".woff2") for url in fonts), report
        scripts = page.evaluate(
            "[...document.scripts].map(s => ({src: s.src, waits: !(s.defer || s.async || s.type === 'module')}))"
        )
        assert scripts and not [script for script in scripts if script["waits"]], "render-blocking scripts"
    finally:
        page.context.close()


def test_lighthouse_on_a_phone_finds_nothing_inaccessible(served, tmp_path):
    """Lighthouse's accessibility category (axe-core's rules and its own) scores 100 on each of the four pages."""
    if not LIGHTHOUSE.exists():
        pytest.fail("Lighthouse is not installed: run `npm ci` in the project's folder (Node.js 18.16 or newer).")
    urls = {name: served + path for name, path in PAGES.items()}
    reports = lighthouse_pages(urls, tmp_path, categories="accessibility")
    lines, failures = [], []
    for name, report in reports.items():
        assert report["configSettings"]["formFactor"] == "mobile"
        assert report["requestedUrl"] == urls[name], report["requestedUrl"]
        lines.append(summary(name, report))
        if report["categories"]["accessibility"]["score"] < 1:
            failures.append(name)
    print("\n".join(lines))
    assert not failures, "\n".join(lines)
