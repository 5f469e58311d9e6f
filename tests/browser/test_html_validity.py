"""The Nu HTML Checker (vnu) finds no error in any public page's HTML as the server sends it.

The pages are fetched over plain HTTP from the live server (a cookie jar carries the CSRF cookie for the failed
login and the forms sent empty); the browser adds nothing here, since the HTML checked is the response body, not
the DOM, and test_accessibility.py opens the same pages in the browser for axe-core and the console. The checker
runs as one local service per test process (tests.browser.html_checker). It still catches errors: see
test_the_checker_reports_an_invalid_page.
"""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest

from tests.browser.html_checker import html_checker, vnu_problems
from tests.browser.public_pages import LOGIN, all_public_pages, response_problems

pytestmark = pytest.mark.browser


class FirstFormInMain(HTMLParser):
    """What a browser sends for the first form in <main> submitted as it is: its hidden and text fields."""

    def __init__(self):
        super().__init__()
        self.in_main = self.in_form = self.done = False
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "main":
            self.in_main = True
        elif tag == "form" and self.in_main and not self.done:
            self.in_form = True
        elif tag == "input" and self.in_form and attributes.get("name"):
            kind = attributes.get("type", "text")
            if kind in {"hidden", "text", "email", "number", "tel"} or (
                kind in {"radio", "checkbox"} and "checked" in attributes
            ):
                self.fields.append((attributes["name"], attributes.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.in_form, self.done = False, True


class LocalhostIsSecure(http.cookiejar.DefaultCookiePolicy):
    """Sends the portal's Secure cookies (__Host-csrftoken) to http://localhost, as browsers do."""

    def return_ok_secure(self, cookie, request) -> bool:
        return urllib.parse.urlsplit(request.get_full_url()).hostname == "localhost" or super().return_ok_secure(
            cookie, request
        )


class Visitor:
    """A plain HTTP client with its own cookies, answering like Playwright's response (status, headers, body)."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar(LocalhostIsSecure()))
        )

    def fetch(self, path: str, fields: list[tuple[str, str]] | None = None):
        data = None if fields is None else urllib.parse.urlencode(fields).encode()
        try:
            with self.opener.open(f"{self.base_url}{path}", data=data, timeout=60) as answer:
                return SimpleNamespace(status=answer.status, headers=answer.headers, body=answer.read())
        except urllib.error.HTTPError as error:  # 4xx and 5xx answers are pages too
            with error:
                return SimpleNamespace(status=error.code, headers=error.headers, body=error.read())


def fetch_page(visitor: Visitor, public_page) -> tuple[object, list[str]]:
    """The page's response (for the failed login: to wrong credentials; for a failed form: to the form sent
    empty) and what is wrong with the error page."""
    if public_page.prepare is not None:
        public_page.prepare()
    response = visitor.fetch(public_page.path)
    if not (public_page.failed_login or public_page.failed_form):
        return response, []
    form = FirstFormInMain()
    form.feed(response.body.decode())
    fields = [(name, value) for name, value in form.fields if name not in {"login", "password"}]
    if public_page.failed_login:
        assert public_page.path == LOGIN
        fields += [("login", "ingen-saadan-bruger"), ("password", "forkert-adgangskode")]
    assert any(name == "csrfmiddlewaretoken" for name, _value in fields), f"{public_page.path}: no CSRF token"
    response = visitor.fetch(public_page.path, fields)
    summary = re.search(rb"data-module=.error-summary.", response.body)
    if summary is None or b"Der er problemer" not in response.body:
        return response, [f"{public_page.path} [{public_page.name}]: no error summary after sending the form"]
    return response, []


def test_public_pages_are_valid_html(live_policies, live_server, tmp_path):
    checker = html_checker()  # before fetching anything: fail fast when the checker can't run
    visitor = Visitor(live_server.url)
    problems = []
    files: dict[str, str] = {}  # file name -> page path
    for public_page in all_public_pages(live_policies.values()):
        response, page_problems = fetch_page(visitor, public_page)
        problems += page_problems + response_problems(public_page, response)
        name = f"{public_page.name}.html"
        assert name not in files, f"two pages would be written to {name}"
        (tmp_path / name).write_bytes(response.body)
        files[name] = public_page.path
    assert len(files) >= 49, sorted(files.values())  # 37 policy pages, 5 landing pages and 7 of the portal's

    problems += vnu_problems(checker, tmp_path, files)
    assert not problems, "HTML errors (Nu HTML Checker) or response problems:\n" + "\n".join(problems)


def test_the_checker_reports_an_invalid_page(tmp_path):
    """A page with a duplicate id and a stray end tag is reported, with its path, file name, line and extract,
    and a valid page is not: the checks above can fail."""
    (tmp_path / "valid.html").write_text(
        '<!DOCTYPE html>\n<html lang="da"><head><title>Godt</title></head>\n<body><p id="a">Æble</p></body></html>\n',
        encoding="utf-8",
    )
    (tmp_path / "invalid.html").write_text(
        '<!DOCTYPE html>\n<html lang="da"><head><title>Fejl</title></head>\n<body>\n<p id="a">Æble</p>\n'
        '<p id="a">Pære</p></div>\n</body></html>\n',
        encoding="utf-8",
    )
    problems = vnu_problems(html_checker(), tmp_path, {"valid.html": "/godt/", "invalid.html": "/fejl/"})
    assert len(problems) == 2, problems
    duplicate, stray = problems
    assert duplicate.startswith("/fejl/ (invalid.html), line 5: error: Duplicate ID “a”."), duplicate
    assert '<p id="a">Pære' in duplicate
    assert stray.startswith("/fejl/ (invalid.html), line 5: error: Stray end tag “div”."), stray
