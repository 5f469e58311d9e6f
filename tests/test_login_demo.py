"""The demo stays loginnable: every demo account has an authenticator app, whose code `demo_totp` prints."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from portal.management.commands.demo import create_demo_staff
from portal.roles import Role
from tests.factories import StaffFactory


def demo_code(username: str) -> str:
    out = io.StringIO()
    call_command("demo_totp", username, stdout=out)
    return out.getvalue().strip()


def test_a_demo_account_logs_in_with_its_password_and_the_printed_code(client, municipality, settings):
    settings.DEBUG = True
    passwords = {username: password for username, password, _description in create_demo_staff()}
    response = client.post(
        reverse("login"), {"login": "testrup-sagsbehandler", "password": passwords["testrup-sagsbehandler"]}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    code = demo_code("testrup-sagsbehandler")
    assert len(code) == 6 and code.isdigit()
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert client.get(reverse("staff-home")).status_code == 200


def test_demo_totp_gives_no_code_for_a_real_account_or_in_production(municipality, settings):
    create_demo_staff()
    StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], username="rigtig-person")
    settings.DEBUG = True
    with pytest.raises(CommandError, match="not a demo account"):
        demo_code("rigtig-person")
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        demo_code("testrup-sagsbehandler")
