"""Staff log in on the portal's own page with a password and a second factor; guessing passwords is throttled."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.authenticator import enrol_totp, recovery_codes, totp_code
from tests.factories import PASSWORD


def log_in_with_password(client, username="sara", password=PASSWORD, **extra):
    return client.post(reverse("login"), {"login": username, "password": password}, **extra)


def test_staff_log_in_with_password_and_authenticator_code_and_see_their_municipality(client, caseworker):
    secret = enrol_totp(caseworker)
    response = log_in_with_password(client)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # not yet: the second factor is missing
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("staff-home")
    assert "Du er logget ind som Sara Sagsbehandler." in response.text
    assert "Testrup Kommune" in response.text and "Sagsbehandler" in response.text
    assert "Caseworker" in client.get("/en" + reverse("staff-home")).text


def test_a_wrong_authenticator_code_does_not_log_in(client, caseworker):
    enrol_totp(caseworker)
    log_in_with_password(client)
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert client.get(reverse("staff-home")).status_code == 302


def test_the_code_of_the_previous_step_still_logs_in_but_not_an_older_one(client, caseworker):
    secret = enrol_totp(caseworker)
    log_in_with_password(client)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret, steps_ago=2)})
    assert "_auth_user_id" not in client.session  # a minute old: refused
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret, steps_ago=1)})
    assert client.get(reverse("staff-home")).status_code == 200  # typed as the step turned: accepted


def test_a_recovery_code_stands_in_for_a_lost_phone_once(client, caseworker):
    enrol_totp(caseworker)
    code = recovery_codes(caseworker)[0]
    log_in_with_password(client)
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert client.get(reverse("staff-home")).status_code == 200
    client.post(reverse("logout"))
    log_in_with_password(client)
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert "_auth_user_id" not in client.session


def test_a_staff_member_without_an_authenticator_must_set_one_up_before_any_staff_page(client, caseworker):

    response = log_in_with_password(client)
    assert response.status_code == 302
    response = client.get(reverse("staff-home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_activate_totp"))
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Aktiver autentificeringsapp" in page.text
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("staff-home")).status_code == 200


def test_the_admin_login_is_the_portal_login_with_its_second_factor(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == reverse("login") + "?next=%2Fadmin%2F"


def test_wrong_password_gives_a_danish_message_in_the_error_summary(client, caseworker):
    response = log_in_with_password(client, password="forkert")
    assert response.status_code == 200
    assert "Der er problemer" in response.text
    assert "Brugernavn eller adgangskode er forkert." in response.text


def test_missing_fields_are_explained_at_the_fields(client, db):
    response = client.post(reverse("login"), {"login": "", "password": ""})
    text = response.text
    assert 'id="id_login_error"' in text and "Skriv dit brugernavn." in text
    assert 'aria-describedby="id_login_error"' in text and 'aria-invalid="true"' in text
    assert '<a href="#id_password">Skriv din adgangskode.</a>' in text


@pytest.mark.parametrize(
    "username", ["x" * 300, "sara\x00", "sa\x00ra" * 60], ids=["300 characters", "NUL byte", "long with NUL"]
)
def test_an_absurd_username_gets_a_message_not_a_server_error(client, caseworker, username):
    response = log_in_with_password(client, username=username)
    assert response.status_code == 200 and "Der er problemer" in response.text
    assert "_auth_user_id" not in client.session


def test_a_nul_byte_in_the_password_gets_a_message_not_a_server_error(client, caseworker):
    response = log_in_with_password(client, password="abc\x00def")
    assert response.status_code == 200 and "Der er problemer" in response.text


def test_five_wrong_passwords_lock_the_account_from_that_address(client, caseworker):
    enrol_totp(caseworker)
    for _attempt in range(5):
        log_in_with_password(client, password="forkert")
    response = log_in_with_password(client)
    assert response.status_code == 429
    assert "For mange mislykkede forsøg" in response.text
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_django_axes_alone(client, caseworker):
    """allauth's own failed-login limit is off, so the two never disagree about when a person is locked out."""
    enrol_totp(caseworker)
    for _attempt in range(4):
        log_in_with_password(client, password="forkert")
    cache.clear()
    response = log_in_with_password(client)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")


def test_logout_needs_a_post_with_csrf(client, caseworker):
    client.force_login(caseworker)
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


def test_login_form_is_protected_by_csrf_with_a_danish_page(db):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("login"), {"login": "x", "password": "y"})
    assert response.status_code == 403
    assert "Formularen kunne ikke sendes" in response.text and "<style" not in response.text


def test_staff_home_requires_login(client, db):
    response = client.get(reverse("staff-home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_staff_home_runs_eight_queries(client, caseworker, django_assert_num_queries):
    client.force_login(caseworker)
    # Session, user, municipality, the user's groups (once, for every role), the permissions a platform superuser
    # may have given the person themself (may they import the directory?), and for a caseworker the count of
    # tasks due (consent.reads.tasks_for: agreements, consents, dialogues).
    with django_assert_num_queries(8):
        assert client.get(reverse("staff-home")).status_code == 200


def test_staff_home_links_editors_to_the_admin_but_not_caseworkers(client, editor, caseworker):
    client.force_login(editor)
    assert reverse("admin:index") in client.get(reverse("staff-home")).text
    client.force_login(caseworker)
    assert reverse("admin:index") not in client.get(reverse("staff-home")).text


def test_a_forged_forwarded_address_does_not_escape_the_lockout(client, caseworker):
    for attempt in range(5):
        log_in_with_password(client, password="forkert", HTTP_X_FORWARDED_FOR=f"10.0.0.{attempt}")
    response = log_in_with_password(client, HTTP_X_FORWARDED_FOR="10.0.0.99")
    assert response.status_code == 429


def test_the_recovery_codes_page_shows_every_unused_code_to_copy(client, caseworker):
    enrol_totp(caseworker)
    client.force_login(caseworker)
    text = client.get(reverse("mfa_view_recovery_codes")).text
    assert '<textarea class="form-input" id="recovery_codes" rows="10" readonly>' in text
    assert all(code in text for code in recovery_codes(caseworker))
