"""A real OpenID Provider process for the login tests: tests/oidc_provider/server.js (npm `oidc-provider`).

Two issuers on two free loopback ports, one per test municipality ("testrup" and "andeby"), each with the
portal as a client (and, at Testrup's, a second client that is not the portal), and a few people:

| subject | e-mail | verified |
|---|---|---|
| sara-sub | sara@testrup.dk | yes |
| ulla-sub | ulla@testrup.dk | no |
| anders-sub | anders@andeby.dk | yes |
| stranger-sub | nobody@testrup.dk | yes |

`OpenIDProvider.sign_in(authorize_url, subject)` plays the person's browser at the provider: it opens the
authorization URL, types the subject into the provider's login form and returns the URL the provider sends
the browser back to (the portal's callback with `code`, `state` and `iss`).
"""

import contextlib
import http.cookiejar
import json
import os
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.browser.served_site import free_port

FOLDER = Path(__file__).resolve().parent / "oidc_provider"
ACCOUNTS = {
    "sara-sub": {"email": "sara@testrup.dk", "email_verified": True, "name": "Sara Demo"},
    "ulla-sub": {"email": "ulla@testrup.dk", "email_verified": False, "name": "Ulla Uverificeret"},
    "anders-sub": {"email": "anders@andeby.dk", "email_verified": True, "name": "Anders And"},
    "stranger-sub": {"email": "nobody@testrup.dk", "email_verified": True, "name": "Ukendt"},
}
PORTAL_CLIENT = {"testrup": ("portal-testrup", "secret-testrup"), "andeby": ("portal-andeby", "secret-andeby")}
OTHER_CLIENT = ("not-the-portal", "secret-other")


def callback_path(slug: str) -> str:
    return f"/konto/oidc/{slug}/login/callback/"


class _StopAtPortal(urllib.request.HTTPRedirectHandler):
    """Follows the provider's own redirects; stops at the redirect back to the portal."""

    def __init__(self, issuers: list[str]):
        self.issuers = issuers

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not any(newurl.startswith(issuer) for issuer in self.issuers):
            return None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


@dataclass
class OpenIDProvider:
    issuers: dict[str, str]  # municipality slug -> issuer URL

    def browser(self) -> urllib.request.OpenerDirector:
        return urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _StopAtPortal(list(self.issuers.values()))
        )

    def sign_in(self, authorize_url: str, subject: str) -> str:
        """Signs `subject` in at the provider; the URL (with code and state) it sends the browser back to."""
        browser = self.browser()
        with browser.open(authorize_url, timeout=10) as page:
            form_url = page.url
        try:
            browser.open(form_url, data=urllib.parse.urlencode({"login": subject}).encode(), timeout=10)
        except urllib.error.HTTPError as redirect:
            if redirect.code in (302, 303):
                return urllib.parse.urljoin(form_url, redirect.headers["Location"])
            raise
        raise AssertionError("the provider did not send the browser back to the portal")

    def authorize_url(self, slug: str, client_id: str, redirect_uri: str, state: str = "s", nonce: str = "n") -> str:
        query = urllib.parse.urlencode(
            {
                "client_id": client_id,
                "response_type": "code",
                "scope": "openid email profile",
                "redirect_uri": redirect_uri,
                "state": state,
                "nonce": nonce,
            }
        )
        return f"{self.issuers[slug]}/auth?{query}"

    def token(self, slug: str, code: str, client: tuple[str, str], redirect_uri: str) -> dict:
        """Exchanges a code at the provider's token endpoint, as a client would."""
        data = urllib.parse.urlencode(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": client[0],
                "client_secret": client[1],
            }
        ).encode()
        with urllib.request.urlopen(f"{self.issuers[slug]}/token", data=data, timeout=10) as response:
            return json.load(response)


def ensure_installed() -> None:
    if not (FOLDER / "node_modules" / "oidc-provider").is_dir():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=FOLDER, check=True, timeout=600
        )


@contextlib.contextmanager
def running_openid_provider(portal_bases: list[str]) -> Iterator[OpenIDProvider]:
    """Starts the provider with the portal (at each of `portal_bases`) registered as a client; stops it after."""
    assert shutil.which("node"), "Node.js runs the test OpenID Provider (scripts/test installs it)"
    ensure_installed()
    ports = {"testrup": free_port(), "andeby": free_port()}

    def redirect_uris(slug):
        return [base + callback_path(slug) for base in portal_bases]

    config = {
        "issuers": [
            {
                "port": ports["testrup"],
                "clients": [
                    {
                        "client_id": PORTAL_CLIENT["testrup"][0],
                        "client_secret": PORTAL_CLIENT["testrup"][1],
                        "redirect_uris": redirect_uris("testrup"),
                    },
                    {
                        "client_id": OTHER_CLIENT[0],
                        "client_secret": OTHER_CLIENT[1],
                        "redirect_uris": redirect_uris("testrup"),
                    },
                ],
            },
            {
                "port": ports["andeby"],
                "clients": [
                    {
                        "client_id": PORTAL_CLIENT["andeby"][0],
                        "client_secret": PORTAL_CLIENT["andeby"][1],
                        "redirect_uris": redirect_uris("andeby") + redirect_uris("testrup"),
                    },
                ],
            },
        ],
        "accounts": ACCOUNTS,
    }
    with tempfile.TemporaryDirectory() as folder:
        config_path = Path(folder) / "config.json"
        config_path.write_text(json.dumps(config))
        process = subprocess.Popen(
            ["node", "server.js", str(config_path)],
            cwd=FOLDER,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "NODE_ENV": "test"},
        )
        try:
            line = process.stdout.readline()
            assert line.startswith("ready"), f"the OpenID Provider did not start: {line!r}"
            yield OpenIDProvider({slug: f"http://127.0.0.1:{port}" for slug, port in ports.items()})
        finally:
            process.terminate()
            process.wait(timeout=10)
