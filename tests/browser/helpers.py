"""What the browser tests share: the browser's settings, the viewports, and watching a page's console."""

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
POLICY_FIXTURE_DIR = ROOT / "fixtures" / "policies"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # the suite runs as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 900},
}
BOTH_VIEWPORTS = pytest.mark.parametrize("viewport_name", list(VIEWPORTS))


def policy_slugs() -> list[str]:
    """The municipalities' slugs as the fixture files name them, for parametrizing at collection time."""
    return [
        json.loads(path.read_text(encoding="utf-8"))["municipality"]["slug"]
        for path in sorted(POLICY_FIXTURE_DIR.glob("*.json"))
    ]


@dataclass
class ConsoleWatch:
    """JavaScript errors and console errors (CSP violations among them) that a page logs."""

    problems: list[str] = field(default_factory=list)
    expected_failures: set[str] = field(default_factory=set)  # URLs that answer an error on purpose

    def attach(self, page) -> "ConsoleWatch":
        page.on("console", self.on_console)
        page.on("pageerror", self.on_page_error)
        return self

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        if "Failed to load resource" in message.text and url in self.expected_failures:
            return
        self.problems.append(f"console error at {url or '?'}: {message.text}")

    def on_page_error(self, error) -> None:
        self.problems.append(f"uncaught JavaScript error: {error}")

    def take(self) -> list[str]:
        """The problems logged since the last call."""
        problems, self.problems = self.problems, []
        return problems


def log_in(page, base_url: str, username: str, password: str) -> None:
    """Logs in through the portal's own login page (/konto/log-ind/), in Danish."""
    page.goto(f"{base_url}/konto/log-ind/")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{base_url}/personale/")


def tab_to(page, selector: str, key: str = "Tab", presses: int = 80) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches `selector`: the keyboard user's way there."""
    for _press in range(presses):
        page.keyboard.press(key)
        if page.evaluate("selector => document.activeElement.matches(selector)", selector):
            return
    pytest.fail(f"{selector} never got the focus in {presses} presses of {key}")
