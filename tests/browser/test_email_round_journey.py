"""A manager watches an e-mail round being sent: the numbers change on the page without a reload (JavaScript
on), and the page and the e-mail settings page pass axe-core."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from portal.roles import Role
from surveys import email_sending, services
from tests.browser.helpers import log_in
from tests.browser.public_pages import axe_problems
from tests.factories import PASSWORD, StaffFactory
from tests.scenarios import open_survey
from tests.smtp_sink import SmtpSink

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("viewport_name", ["desktop"])]


def test_the_progress_page_updates_itself_while_the_worker_sends(
    live_policies, roles, live_server, page, console, tmp_path, settings
):
    sink = SmtpSink(tmp_path).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    try:
        haderslev = live_policies["haderslev"]
        survey = open_survey(haderslev)
        manager = StaffFactory(
            municipality=haderslev, roles=[Role.MANAGER], username="leder-haderslev", email="leder@haderslev.example"
        )
        batch = services.invite_by_email(
            wave=survey.wave,
            unit=survey.unit,
            addresses=["a@example.dk", "b@example.dk", "c@example.dk"],
            acting_user=manager,
            base_url=live_server.url,
        )
        log_in(page, live_server.url, "leder-haderslev", PASSWORD)
        page.goto(f"{live_server.url}/personale/undersoegelser/udsendelse/{batch.pk}/")
        expect(page.locator('[data-count="waiting"]')).to_have_text("3")
        problems = axe_problems(Axe(), page, "the round's progress")

        email_sending.send_batch(batch.pk)  # what the worker does
        expect(page.locator('[data-count="sent"]')).to_have_text("3", timeout=15_000)  # no reload
        expect(page.locator('[data-count="waiting"]')).to_have_text("0")
        expect(page.get_by_role("status")).to_contain_text("Alle e-mails er behandlet")
        assert len(sink.messages()) == 3

        page.goto(f"{live_server.url}/personale/e-mails/")
        expect(page.get_by_label("Send mig påmindelser og meddelelser på e-mail")).to_be_checked()
        problems += axe_problems(Axe(), page, "e-mails from the portal")
        assert problems == []
        assert console.take() == []
    finally:
        sink.stop()
