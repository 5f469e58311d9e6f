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
    """Logs in through the portal's own login page (/konto/log-ind/), in Danish: the password, then the code of
    the person's authenticator app (set up for them here if they have none yet), computed with pyotp."""
    secret = authenticator_secret(username)
    user_id = _user_id(username)
    page.goto(f"{base_url}/konto/log-ind/")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{base_url}/konto/2fa/authenticate/")
    type_authenticator_code(page, secret, user_id)
    page.wait_for_url(f"{base_url}/personale/")


def _user_id(username: str) -> int:
    from portal.models import User

    return User.objects.values_list("pk", flat=True).get(username=username)


def authenticator_secret(username: str) -> str:
    """The TOTP secret of `username`'s authenticator app; one is set up (with recovery codes) if they have none."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt

    from portal.models import User
    from tests.authenticator import enrol_totp

    user = User.objects.get(username=username)
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return decrypt(totp.data["secret"]) if totp else enrol_totp(user)


def type_authenticator_code(page, secret: str, user_id: int) -> None:
    """Types the code the authenticator app shows now. A code counts once (allauth remembers used codes), and a
    test may log the same person in twice within its 30 seconds: the memory of this code is cleared first."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP
    from django.core.cache import cache

    from tests.authenticator import totp_code

    code = totp_code(secret)
    cache.delete(TOTP(Authenticator(user_id=user_id))._get_used_cache_key(code))
    page.locator("#id_code").fill(code)
    page.get_by_role("button", name="Log ind").click()


def tab_to(page, selector: str, key: str = "Tab", presses: int = 80) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches `selector`: the keyboard user's way there."""
    for _press in range(presses):
        page.keyboard.press(key)
        if page.evaluate("selector => document.activeElement.matches(selector)", selector):
            return
    pytest.fail(f"{selector} never got the focus in {presses} presses of {key}")
