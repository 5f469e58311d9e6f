"""Loading the five policies from fixtures/policies/ and the demo command."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from portal.models import Municipality, Page, Section, User
from portal.policy_fixtures import load_policy, policy_fixture_paths

KOMMUNEKODER = {"aabenraa": "580", "ballerup": "151", "haderslev": "510", "hvidovre": "167", "rudersdal": "230"}


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
            "name": "Prøve Kommune", "slug": "proeve", "kommunekode": "999", "website": "https://proeve.example",
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
    assert User.objects.filter(username="haderslev-redaktoer", groups__name="Redaktør").exists()
    assert User.objects.get(username="platform").is_superuser
    for role_user in ["redaktoer", "admin", "sagsbehandler", "leder"]:
        assert f"hvidovre-{role_user}" in output
    caseworker = User.objects.get(username="hvidovre-sagsbehandler")
    assert caseworker.units.exists(), "a demo caseworker must see the demo units' citizens"
    from consent.access import citizens_for

    assert citizens_for(caseworker).filter(name="Fiktiv Borger (demo)").exists()
    line = next(line for line in output.splitlines() if line.strip().startswith("hvidovre-leder"))
    password = line.split()[1]
    assert User.objects.get(username="hvidovre-leder").check_password(password)
