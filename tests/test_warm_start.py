"""Workers start warm: the WSGI module loads the URLconf (in gunicorn's master, with preload_app), and the
URLconf itself does not import the heavy libraries that only one page needs (FHIR, openpyxl, WeasyPrint)."""

import subprocess
import sys

from tests.browser.helpers import ROOT

HEAVY = ("fhir", "pydantic", "openpyxl", "weasyprint")


def run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "tests.settings", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_urlconf_does_not_import_the_libraries_only_one_page_needs():
    loaded = run(
        "import sys, django; django.setup(); import portal.urls; "
        f"print(sorted({{m.split('.')[0] for m in sys.modules if m.startswith({HEAVY!r})}}))"
    )
    assert loaded == "[]"


def test_the_wsgi_module_loads_the_views_and_leaves_no_database_connection_open():
    state = run(
        "import sys; import portal.wsgi; from django.db import connections; "
        "print('consent.views' in sys.modules, 'contacts.views' in sys.modules, "
        "any(c.connection is not None for c in connections.all()))"
    )
    assert state == "True True False"


def test_the_wsgi_module_prepares_every_languages_addresses_and_the_portals_templates():
    """A worker forked from the master renders its first page without building a language's URL table (~350 ms of
    a new worker's first page before) or compiling the portal's templates: gunicorn recycles workers under load."""
    state = run(
        "import portal.wsgi; from pathlib import Path; from django.conf import settings; "
        "from django.urls import get_resolver; from django.template import engines; "
        "languages = {code for code, _name in settings.LANGUAGES}; "
        "loader = engines['django'].engine.template_loaders[0]; "
        "templates = {p.relative_to(settings.BASE_DIR / 'templates').as_posix() "
        "for p in (settings.BASE_DIR / 'templates').rglob('*.html')}; "
        "print(languages <= set(get_resolver()._reverse_dict), templates <= set(loader.get_template_cache), "
        "type(loader).__module__)"
    )
    assert state == "True True django.template.loaders.cached"
