"""Staff log in on the portal's own page; guessing passwords is throttled."""

from django.urls import reverse

from tests.factories import PASSWORD


def test_staff_log_in_and_see_their_municipality_and_roles(client, caseworker):
    response = client.post(reverse("login"), {"username": "sara", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("staff-home")
    assert "Du er logget ind som Sara Sagsbehandler." in response.text
    assert "Testrup Kommune" in response.text and "Sagsbehandler" in response.text
    assert "Caseworker" in client.get("/en" + reverse("staff-home")).text


def test_wrong_password_gives_a_danish_message_in_the_error_summary(client, caseworker):
    response = client.post(reverse("login"), {"username": "sara", "password": "forkert"})
    assert response.status_code == 200
    assert "Der er problemer" in response.text
    assert "Brugernavn eller adgangskode er forkert." in response.text


def test_missing_fields_are_explained_at_the_fields(client, db):
    response = client.post(reverse("login"), {"username": "", "password": ""})
    text = response.text
    assert 'id="id_username_error"' in text and "Skriv dit brugernavn." in text
    assert 'aria-describedby="id_username_error"' in text and 'aria-invalid="true"' in text
    assert '<a href="#id_password">Skriv din adgangskode.</a>' in text


def test_five_wrong_passwords_lock_the_account_from_that_address(client, caseworker):
    for _attempt in range(5):
        client.post(reverse("login"), {"username": "sara", "password": "forkert"})
    response = client.post(reverse("login"), {"username": "sara", "password": PASSWORD})
    assert response.status_code == 429
    assert "For mange mislykkede forsøg" in response.text
    assert "_auth_user_id" not in client.session


def test_logout_needs_a_post_with_csrf(client, caseworker):
    client.force_login(caseworker)
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


def test_login_form_is_protected_by_csrf(db):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("login"), {"username": "x", "password": "y"}).status_code == 403


def test_staff_home_requires_login(client, db):
    response = client.get(reverse("staff-home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_staff_home_runs_four_queries(client, caseworker, django_assert_num_queries):
    client.force_login(caseworker)
    with django_assert_num_queries(4):  # session, user, municipality, the user's groups (once, for every role)
        assert client.get(reverse("staff-home")).status_code == 200


def test_staff_home_links_editors_to_the_admin_but_not_caseworkers(client, editor, caseworker):
    client.force_login(editor)
    assert reverse("admin:index") in client.get(reverse("staff-home")).text
    client.force_login(caseworker)
    assert reverse("admin:index") not in client.get(reverse("staff-home")).text


def test_a_forged_forwarded_address_does_not_escape_the_lockout(client, caseworker):
    for attempt in range(5):
        client.post(
            reverse("login"), {"username": "sara", "password": "forkert"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{attempt}"
        )
    response = client.post(
        reverse("login"), {"username": "sara", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="10.0.0.99"
    )
    assert response.status_code == 429
