"""A forgotten password is reset by e-mail, through a REAL SMTP server (aiosmtpd) on the loopback; an unknown
address gets exactly the answer a known one gets, and no e-mail."""

import re
import socket
import time
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse

from portal.roles import Role
from tests.authenticator import enrol_totp, totp_code
from tests.factories import StaffFactory


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 10.0) -> list:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


@pytest.fixture
def inbox(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    yield handler
    controller.stop()


@pytest.fixture
def sara(municipality):
    return StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], username="sara", email="sara@testrup.dk")


def request_reset(client, email):
    return client.post(reverse("account_reset_password"), {"email": email})


def test_a_caseworker_resets_a_forgotten_password_by_email_and_logs_in_with_it(client, inbox, sara):
    secret = enrol_totp(sara)
    response = request_reset(client, "sara@testrup.dk")
    assert response.status_code == 302
    recipients, message = inbox.wait_for(1)[0]
    assert recipients == ["sara@testrup.dk"]
    link = re.search(r"https?://testserver(/konto/password/reset/key/\S+/)", message.get_content()).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    new_password = "en-helt-ny-og-lang-adgangskode-42"
    response = client.post(form_page.redirect_chain[-1][0], {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    response = client.post(reverse("login"), {"login": "sara", "password": new_password})
    assert response["Location"] == reverse("mfa_authenticate")  # the second factor is still asked for
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert client.get(reverse("staff-home")).status_code == 200


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, inbox, sara):
    known = request_reset(client, "sara@testrup.dk")
    unknown = request_reset(client, "nobody@testrup.dk")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert client.get(unknown["Location"]).status_code == 200
    time.sleep(0.5)
    assert [recipients for recipients, _message in inbox.wait_for(1)] == [["sara@testrup.dk"]]


def test_a_nul_byte_in_the_reset_form_gets_a_message_not_a_server_error(client, inbox, db):
    response = request_reset(client, "sara\x00@testrup.dk")
    assert response.status_code == 200 and "Der er problemer" in response.text
