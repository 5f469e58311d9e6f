"""What a phone downloads besides the page: DKFDS trimmed to what the portal uses, WOFF2 fonts, the icons used.

scripts/fetch_assets.py builds static/vendor/dkfds/build/ (dkfds.css, icons.svg) from DKFDS and the
templates; these tests hold the build to the templates as they are now. PurgeCSS needs `npm ci`.
"""

import importlib.util
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("fetch_assets", ROOT / "scripts" / "fetch_assets.py")
fetch_assets = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fetch_assets)

BUILT_CSS = fetch_assets.BUILD / "dkfds.css"
BUILT_SPRITE = fetch_assets.BUILD / "icons.svg"
SOURCE_CSS = fetch_assets.DKFDS_SOURCES / "dkfds.min.css"
RUN_FETCH_ASSETS = "run `.venv/bin/python scripts/fetch_assets.py` (after `npm ci`)"


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def dkfds_classes() -> set[str]:
    """Every class DKFDS's whole stylesheet styles."""
    return fetch_assets.css_classes(read(SOURCE_CSS))


@pytest.fixture(scope="module")
def built_classes() -> set[str]:
    assert BUILT_CSS.exists(), f"{BUILT_CSS.relative_to(ROOT)} is missing: {RUN_FETCH_ASSETS}"
    return fetch_assets.css_classes(read(BUILT_CSS))


def template_files() -> list[Path]:
    return [path for path in fetch_assets.content_files() if path.suffix == ".html"]


def test_the_build_is_of_the_current_templates_and_code():
    files = fetch_assets.content_files() + fetch_assets.script_files()
    fingerprint = fetch_assets.build_fingerprint(files, fetch_assets.purgecss_version())
    stamp = fetch_assets.BUILD / ".fingerprint"
    assert stamp.exists() and read(stamp).strip() == fingerprint, (
        f"static/vendor/dkfds/build/ was built from other templates or code than these: {RUN_FETCH_ASSETS}"
    )


def test_purgecss_trims_dkfds_to_a_fraction_of_its_stylesheet():
    assert fetch_assets.purgecss_version(), (
        "PurgeCSS is not installed: run `npm ci` (Node.js 18.16 or newer), then scripts/fetch_assets.py"
    )
    assert len(read(BUILT_CSS)) < 0.3 * len(read(SOURCE_CSS))


def classes_in(value: str) -> set[str]:
    """The class names in a template's class="…": `alert-{% if … %}error{% else %}info{% endif %}` gives
    alert-error and alert-info, `{% if … %}show{% endif %}` gives show."""
    names = set()
    for token in fetch_assets.TEMPLATE_TAG.sub("\0", value).split():
        first, *rest = token.split("\0")
        if rest and first.endswith("-"):
            names.update(first + piece for piece in rest if piece)
        else:
            names.update(piece for piece in [first, *rest] if piece)
    return names


def test_every_dkfds_class_in_a_template_is_in_the_built_stylesheet(dkfds_classes, built_classes):
    missing = {}
    for path in template_files():
        for value in re.findall(r"\bclass=\"((?:[^\"{]|\{[{%#].*?[}%#]\})*)\"", read(path), re.DOTALL):
            for name in (classes_in(value) & dkfds_classes) - built_classes:
                missing.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    assert not missing, f"DKFDS classes the templates use but the built stylesheet lacks: {missing}"


def test_classes_are_read_from_templates_as_a_page_gets_them():
    value = "alert alert-{% if level == 'error' %}error{% else %}info{% endif %} {% if open %}show{% endif %} x-{{ y }}"
    assert classes_in(value) == {"alert", "alert-error", "alert-info", "show"}


class ClassesAndLinks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.classes: set[str] = set()
        self.links: list[str] = []
        self.post_forms: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.classes.update((attributes.get("class") or "").split())
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            self.post_forms.append(attributes.get("action") or "")


SKIPPED = ("/admin/", "/en/", "log-ud", ".csv", ".xlsx", ".json", ".zip", "fhir")


def crawl(client: Client, starts: list[str], limit: int) -> dict[str, set[str]]:
    """Classes on each page reached by following links from `starts`, and on the answers to each page's
    forms sent empty (their error states)."""
    found: dict[str, set[str]] = {}
    queue = list(starts)
    while queue and len(found) < limit:
        path = queue.pop(0)
        if path in found:
            continue
        response = client.get(path)
        parser = ClassesAndLinks()
        parser.feed(
            response.content.decode("utf-8", "replace")
            if response.get("Content-Type", "").startswith("text/html")
            else ""
        )
        found[path] = parser.classes
        for action in parser.post_forms:
            target = urljoin(path, action)
            if not any(part in target for part in SKIPPED):
                answer = ClassesAndLinks()
                answer.feed(client.post(target, {}).content.decode("utf-8", "replace"))
                found[path] |= answer.classes
        for href in parser.links:
            parts = urlsplit(urljoin(path, href))
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            if (
                not parts.scheme
                and not parts.netloc
                and link not in found
                and link not in queue
                and not any(s in link for s in SKIPPED)
            ):
                queue.append(link)
    return found


@pytest.mark.django_db
def test_every_dkfds_class_on_the_rendered_pages_is_in_the_built_stylesheet(
    directories, dkfds_classes, built_classes, settings
):
    """Also the classes templates build (`alert-{{ level }}`) and those Python code gives (form widgets, crispy)."""
    from portal.models import Municipality
    from portal.roles import Role
    from tests.factories import CitizenFactory, ConsentFactory, RelativeFactory, StaffFactory, UnitFactory
    from tests.scenarios import FIXED_CODE, ensure_demo_results, ensure_fixed_survey

    settings.AXES_ENABLED = False  # the crawl sends the login form empty
    ensure_fixed_survey()
    results_municipality = ensure_demo_results()
    haderslev = Municipality.objects.get(slug="haderslev")
    unit = UnitFactory(municipality=haderslev, name="Plejecentret Solgården")
    caseworker = StaffFactory(municipality=haderslev, roles=[Role.CASEWORKER])
    caseworker.units.set([unit])
    citizen = CitizenFactory(municipality=haderslev, units=[unit], created_by=caseworker)
    ConsentFactory(relative=RelativeFactory(citizen=citizen), recorded_by=caseworker)

    pages = crawl(Client(), ["/", f"/undersoegelse/{FIXED_CODE}/", "/undersoegelse/", "/en/"], limit=150)
    for user in [caseworker, StaffFactory(municipality=results_municipality, roles=[Role.MANAGER])]:
        staff = Client()
        staff.force_login(user)
        pages |= {f"{path} (as {user})": classes for path, classes in crawl(staff, ["/personale/"], 40).items()}

    assert len(pages) > 60
    missing = {}
    for path, classes in pages.items():
        for name in (classes & dkfds_classes) - built_classes:
            missing.setdefault(name, path)
    assert not missing, f"DKFDS classes on the pages (with one page each) that the built stylesheet lacks: {missing}"


def test_the_dkfds_script_is_loaded_for_everything_dkfds_init_looks_for():
    """static/js/portal.js loads DKFDS's script when the page has something its init() handles: its list must
    hold every selector of that init() (a newer DKFDS may look for more)."""
    init = re.search(r"var init = function.*?\n};", read(fetch_assets.DKFDS_SOURCES / "dkfds.js"), re.DOTALL).group(0)
    looked_for = {f".{name}" for name in re.findall(r"getElementsByClassName\('([^']+)'\)", init)}
    for selectors in re.findall(r"querySelector(?:All)?\('([^']+)'\)", init):
        looked_for.update(
            re.sub(r":not\([^)]*\)", "", selector).strip().replace("'", '"') for selector in selectors.split(",")
        )
    # What init() runs on every page, and the elements those look for.
    unconditional = set(re.findall(r"\n  (new \w+\(\)\.init\(\)|\w+\.on\(scope\));", init))
    assert unconditional == {"new Navigation().init()", "datePicker.on(scope)"}
    looked_for |= {".navigation-menu", ".mobile-drawer", ".js-menu-open", '[data-module="modal"]', ".date-picker"}

    script = read(ROOT / "static" / "js" / "portal.js")
    listed = set(re.findall(r'^  "((?:[^"\\]|\\.)*)",?$', script.split("var DKFDS_PARTS = [")[1].split("];")[0], re.M))
    assert looked_for - {part.replace('\\"', '"') for part in listed} == set()


def test_every_icon_a_template_uses_is_in_the_built_sprite():
    texts = [read(path) for path in template_files()]
    used = fetch_assets.used_icons(texts)
    assert {"language", "check", "chevron-right", "print", "success", "error"} <= used
    sprite = read(BUILT_SPRITE)
    symbols = set(re.findall(r"<symbol\b[^>]*\bid=\"([^\"]+)\"", sprite))
    assert used <= symbols
    assert symbols == used  # and nothing else
    referring = [
        str(path.relative_to(ROOT))
        for path, text in zip(template_files(), texts, strict=True)
        if "all-svg-icons" in text
    ]
    assert referring == [], "the whole sprite (53 KB) is not served: use vendor/dkfds/build/icons.svg"


def test_the_fonts_are_woff2_with_swap_in_the_weights_used():
    css = read(BUILT_CSS)
    fonts = re.findall(r"url\(([^)]*/fonts/[^)]*)\)", css)
    assert fonts and all(url.endswith(".woff2") for url in fonts)
    faces = [face for face in fetch_assets.FONT_FACE.findall(css) if "IBM Plex Sans" in face]
    assert faces and all("font-display:swap" in face for face in faces)
    declared = {int(weight) for face in faces for weight in re.findall(r"font-weight:(\d+)", face)}
    assert declared == fetch_assets.used_font_weights([css, read(ROOT / "static" / "css" / "portal.css")])
    assert declared < {100, 200, 300, 400, 450, 500, 600, 700}
    for url in fonts:
        assert (BUILT_CSS.parent / url).resolve().exists(), url


def code_points(unicode_range: str) -> set[int]:
    points = set()
    for part in unicode_range.split(","):
        first, _dash, last = part.strip().removeprefix("U+").partition("-")
        points.update(range(int(first, 16), int(last or first, 16) + 1))
    return points


@pytest.mark.parametrize("face", fetch_assets.PLEX_FACES)
def test_each_font_file_is_declared_for_exactly_the_characters_it_has(face):
    from fontTools.ttLib import TTFont

    fonts = fetch_assets.DKFDS_STATIC / "fonts" / "IBMPlexSans"
    latin = set(TTFont(fonts / "split" / "woff2" / f"IBMPlexSans-{face}-Latin1.woff2").getBestCmap())
    complete = set(TTFont(fonts / "complete" / "woff2" / f"IBMPlexSans-{face}.woff2").getBestCmap())
    assert code_points(fetch_assets.FONT_LATIN1) == latin
    assert code_points(fetch_assets.FONT_BEYOND_LATIN1) == complete - latin
    assert set(range(0x20, 0x7F)) | {ord(character) for character in "æøåÆØÅéü–“”„’…€"} <= latin
