"""Production configuration: `check --deploy` is clean, secrets are required, translations are compiled."""

import os
import re
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "portal.settings",
    "DJANGO_SECRET_KEY": "k3y-" + "x7Qp9!vR2#mW8zL4@tN6^bY1&cH5*dJ0(eF3)gK" * 2,
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "paaroerende.example.dk",
    "DJANGO_PROXY_COUNT": "1",
}


def run_manage(*args: str, env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=cwd, env={**clean_env, **env}, capture_output=True, text=True
    )


def test_check_deploy_with_production_settings_prints_no_warnings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


def test_check_deploy_fails_behind_a_proxy_that_is_not_counted():
    env = {**PRODUCTION_ENV, "DJANGO_PROXY_COUNT": "0"}
    result = run_manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "portal.E001" in result.stderr and "Set DJANGO_PROXY_COUNT" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "DJANGO_SECRET_KEY"}
    result = run_manage("check", env=env)
    assert result.returncode != 0 and "Set DJANGO_SECRET_KEY" in result.stderr


def test_production_cookies_are_secure_host_only_and_die_with_the_browser():
    """__Host-: only over https, only for this host (no Domain), for the whole site (Path=/)."""
    script = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.LANGUAGE_COOKIE_NAME, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE, s.SESSION_COOKIE_DOMAIN, s.CSRF_COOKIE_DOMAIN,"
        " s.SESSION_COOKIE_PATH, s.CSRF_COOKIE_PATH, s.SESSION_EXPIRE_AT_BROWSER_CLOSE, s.SECURE_HSTS_SECONDS > 0)"
    )
    result = run_manage("shell", "--verbosity", "0", "-c", script, env=PRODUCTION_ENV)
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "__Host-language",
        "True",
        "True",
        "True",
        "None",
        "None",
        "/",
        "/",
        "True",
        "True",
    ]


# English is the catalogues' source language; every other interface language has a whole catalogue.
CATALOGUE_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]


@pytest.mark.parametrize("language", CATALOGUE_LANGUAGES)
def test_each_interface_language_is_complete_and_compiled(language):
    po = polib.pofile(str(ROOT / f"locale/{language}/LC_MESSAGES/django.po"))
    mo = polib.mofile(str(ROOT / f"locale/{language}/LC_MESSAGES/django.mo"))
    assert po.untranslated_entries() == [] and po.fuzzy_entries() == []
    compiled = {(entry.msgctxt, entry.msgid): entry.msgstr or entry.msgstr_plural for entry in mo}
    translated = {
        (entry.msgctxt, entry.msgid): entry.msgstr or entry.msgstr_plural for entry in po.translated_entries()
    }
    assert translated == compiled, "django.mo is older than django.po: run `manage.py compilemessages`"


def test_every_interface_string_in_the_code_is_in_the_catalogue(tmp_path):
    """makemessages, run on a copy of the code, finds no string that a language's catalogue lacks."""
    import shutil

    assert shutil.which("xgettext"), "GNU gettext is needed for this test: apt-get install gettext"
    for name in ["manage.py", "portal", "consent", "contacts", "surveys", "templates", "locale"]:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    languages = [argument for language in CATALOGUE_LANGUAGES for argument in ("-l", language)]
    result = run_manage("makemessages", *languages, "--no-obsolete", env=PRODUCTION_ENV, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for language in CATALOGUE_LANGUAGES:
        regenerated = polib.pofile(str(tmp_path / f"locale/{language}/LC_MESSAGES/django.po"))
        assert [entry.msgid for entry in regenerated.untranslated_entries()] == [], language


def locked_versions(lock_file: str) -> dict[str, str]:
    """Package → version of a lock file, each checked to carry the hashes of its files."""
    text = (ROOT / "requirements" / lock_file).read_text()
    entries = re.findall(r"^([a-z0-9][a-z0-9._-]*)==([^\s\\]+)((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})+)", text, re.M)
    pinned_lines = [line for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    assert len(entries) == len(pinned_lines), f"{lock_file}: a package without hashes"
    return {name: version for name, version, _hashes in entries}


def test_the_lock_files_pin_what_pyproject_asks_for_with_hashes():
    """requirements/*.txt are pyproject.toml's pins (and what they need), as `scripts/lock` writes them."""
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    def pins(requirements: list[str]) -> dict[str, str]:
        parsed = [Requirement(requirement) for requirement in requirements]
        return {re.sub(r"[._]", "-", r.name.lower()): str(r.specifier).removeprefix("==") for r in parsed}

    runtime, test = pins(project["dependencies"]), pins(project["optional-dependencies"]["test"])
    base, with_tests = locked_versions("base.txt"), locked_versions("test.txt")
    assert runtime.items() <= base.items()
    assert (runtime | test).items() <= with_tests.items()
    assert base.items() <= with_tests.items(), "the tests run on the versions that production installs"
    assert "redis" in base, "REDIS_URL needs the redis package"


def test_every_package_the_apps_import_is_installed_in_production():
    """A module the portal's code imports comes from requirements/base.txt, not only from the test extra (the
    translation editor's `import polib` once crashed `scripts/demo`, which installs base.txt alone)."""
    import ast
    import importlib.metadata

    runtime = set(locked_versions("base.txt"))
    distributions = importlib.metadata.packages_distributions()
    missing = set()
    for app in ["portal", "consent", "contacts", "surveys"]:
        for path in (ROOT / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top in sys.stdlib_module_names or top in {"portal", "consent", "contacts", "surveys"}:
                        continue
                    found = {re.sub(r"[._]", "-", d.lower()) for d in distributions.get(top, [])}
                    if not found & runtime:
                        missing.add(f"{path.relative_to(ROOT)}: {name}")
    assert sorted(missing) == []
