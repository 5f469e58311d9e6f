"""Loading the five policies from fixtures/policies/ and the demo command."""

import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from contacts.models import Need
from portal.management.commands.demo import DEMO_UNITS
from portal.models import Municipality, Page, Section, User
from portal.policy_fixtures import load_policy, policy_fixture_paths
from portal.roles import Role

KOMMUNEKODER = {"aabenraa": "0580", "ballerup": "0151", "haderslev": "0510", "hvidovre": "0167", "rudersdal": "0230"}


def test_the_five_municipalities_load_with_their_codes(policies):
    assert {m.slug: m.kommunekode for m in Municipality.objects.all()} == KOMMUNEKODER
    assert Page.objects.filter(municipality__slug="haderslev", kind="theme").count() == 4
    assert Page.objects.filter(municipality__slug="ballerup", kind="theme").count() == 6


def test_every_fixture_section_passes_model_validation(policies):
    for section in Section.objects.all():
        section.full_clean()


def test_loading_again_keeps_editors_changes(policies):
    section = Section.objects.filter(page__municipality__slug="rudersdal").first()
    section.body = "Rettet af en redaktør."
    section.save()
    result = load_policy(next(p for p in policy_fixture_paths() if p.stem == "rudersdal"))
    assert result.kept_existing
    section.refresh_from_db()
    assert section.body == "Rettet af en redaktør."


def test_replace_restores_the_fixture_text(policies):
    section = Section.objects.filter(page__municipality__slug="rudersdal").order_by("page__order", "order").first()
    original = section.body
    Section.objects.filter(pk=section.pk).update(body="Rettet")
    load_policy(next(p for p in policy_fixture_paths() if p.stem == "rudersdal"), replace=True)
    assert Section.objects.filter(page__municipality__slug="rudersdal", body=original).exists()


def test_a_fixture_with_an_invalid_section_loads_nothing(db, tmp_path):
    data = {
        "municipality": {
            "name": "Prøve Kommune", "slug": "proeve", "kommunekode": "0999", "website": "https://proeve.example",
            "policy_title": "Pårørendepolitik", "policy_subtitle": "",
        },
        "pages": [{"slug": "side", "title": "Side", "kind": "page", "number": None, "sections": [
            {"kind": "quote", "heading": "Uden citat", "body": "", "items": [], "attribution": "", "figure": ""},
        ]}],
    }  # fmt: skip
    path = tmp_path / "proeve.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValidationError):
        load_policy(path)
    assert not Municipality.objects.filter(slug="proeve").exists()


def test_demo_command_creates_synthetic_staff_for_every_role_and_prints_passwords(db, capsys):
    call_command("demo")
    output = capsys.readouterr().out
    assert User.objects.filter(username="haderslev-redaktoer", groups__name=Role.EDITOR.value).exists()
    assert User.objects.get(username="platform").is_superuser
    for role_user in ["redaktoer", "admin", "sagsbehandler", "leder"]:
        assert f"hvidovre-{role_user}" in output
    caseworker = User.objects.get(username="hvidovre-sagsbehandler")
    assert caseworker.units.exists(), "a demo caseworker must see the demo units' citizens"
    assert set(caseworker.units.values_list("name", flat=True)) == {name for name, _area in DEMO_UNITS}
    from consent.access import policy
    from consent.models import Citizen

    assert policy.visible(caseworker, Citizen).filter(name="Fiktiv Borger (demo)").exists()
    line = next(line for line in output.splitlines() if line.strip().startswith("hvidovre-leder"))
    password = line.split()[1]
    assert User.objects.get(username="hvidovre-leder").check_password(password)


def test_running_the_demo_again_gives_every_account_a_new_password(db):
    first, second = StringIO(), StringIO()
    call_command("demo", stdout=first)
    call_command("demo", stdout=second)

    def passwords(output: StringIO) -> dict[str, str]:
        accounts = output.getvalue().split("Demo accounts")[1].split("\n\n")[0]  # up to the note on the second factor
        return dict(line.split()[:2] for line in accounts.splitlines()[1:])

    assert passwords(first).keys() == passwords(second).keys()
    assert len(passwords(first)) == 1 + 5 * 4  # the platform superuser, and four roles in each of five municipalities
    assert all(passwords(first)[username] != passwords(second)[username] for username in passwords(first))
    assert User.objects.filter(username__startswith="hvidovre-").count() == 4


def test_the_demo_loads_the_contact_directories_through_the_contacts_apps_hook(db):
    output = StringIO()
    call_command("demo", stdout=output)
    # Only Hvidovre's policy names needs and contacts; the others' directories start empty, borrowing none.
    assert set(Need.objects.values_list("municipality__slug", flat=True)) == {"hvidovre"}
    assert all(f"{slug}: loaded." in output.getvalue() for slug in KOMMUNEKODER)


def test_the_demo_calls_the_demo_hook_of_every_installed_app_that_has_one_in_order(db, monkeypatch):
    """The core knows no app: each app's AppConfig brings its demo data, after the core's staff exist."""
    from django.apps import apps
    from django.test.utils import modify_settings

    called = []
    output = StringIO()

    def recorder(label: str):
        return lambda *, stdout: called.append(label)

    with modify_settings(INSTALLED_APPS={"append": "tests.demo_hook_app"}):
        with_hook = [config for config in apps.get_app_configs() if hasattr(config, "load_demo_data")]
        for config in with_hook:
            if config.label != "demo_hook_app":  # the others' own demo data is tested with each app
                monkeypatch.setattr(config, "load_demo_data", recorder(config.label))
        call_command("demo", stdout=output)

    assert [config.label for config in with_hook] == [*called, "demo_hook_app"]
    assert "contacts" in called
    assert "demo_hook_app: called after 5 demo caseworkers were made" in output.getvalue()
