"""Secrets in a URL's path stay out of the logs (portal.log_redaction): a view declares which of its URL's
kwargs are secret, and the logs write their values as "[name]", whatever app the view belongs to."""

import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.test import Client

from portal.log_redaction import RedactURLSecrets, redact

# --- the survey's single-use link (surveys.views.answer_with_code declares its code) ---------------


def test_the_code_stays_out_of_djangos_request_log(client, db, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    client.get("/undersoegelse/ACEF-GHJK-MN/")
    client.get("/en/undersoegelse/ACEF-GHJK-MN/")
    assert "ACEF-GHJK-MN" not in caplog.text
    assert "/undersoegelse/[code]/" in caplog.text
    assert redact("GET /undersoegelse/ACEF-GHJK-MN/ HTTP/1.1") == "GET /undersoegelse/[code]/ HTTP/1.1"
    assert redact("/undersoegelse/tak/") == "/undersoegelse/tak/"
    assert redact("/undersoegelse/aaben/5b0d7c5e-3f43-4c53-9a55-2f6f1f3b8e01/").endswith(
        "5b0d7c5e-3f43-4c53-9a55-2f6f1f3b8e01/"
    )


def test_the_code_stays_out_of_the_csrf_log(db, caplog):
    caplog.set_level(logging.WARNING, logger="django.security.csrf")
    response = Client(enforce_csrf_checks=True).post("/undersoegelse/ACEF-GHJK-MN/", {"q1": "ja"})
    assert response.status_code == 403
    assert "ACEF-GHJK-MN" not in caplog.text and "/undersoegelse/[code]/" in caplog.text


def test_gunicorns_access_log_redacts_the_code():
    from gunicorn.config import Config

    from portal.gunicorn_logging import RedactingLogger

    logger = RedactingLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/undersoegelse/ACEF-GHJK-MN/",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": "/undersoegelse/ACEF-GHJK-MN/",
        "HTTP_REFERER": "https://x.example/undersoegelse/ACEFGHJKMN/",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=5))
    assert "ACEF" not in " ".join(str(value) for value in atoms.values())
    assert atoms["U"] == "/undersoegelse/[code]/"
    assert atoms["r"] == "GET /undersoegelse/[code]/ HTTP/1.1"


@pytest.mark.parametrize(
    ("logged", "written"),
    [
        ("/undersoegelse/ACEFGHJKMN", "/undersoegelse/[code]"),  # no slash at the end: still the code
        ("/undersoegelse/ACEF-GHJK-MN./", "/undersoegelse/[code]/"),  # a full stop from the letter's sentence
        ("/undersoegelse/ACEF%20GHJK%20MN/svar", "/undersoegelse/[code]/svar"),  # resolves to nothing
        ("/en/undersoegelse/acef-ghjk-mn/", "/en/undersoegelse/[code]/"),
        ("Referer: http://portal.example/undersoegelse/ACEF-GHJK-MN/", "Referer: http://portal.example/undersoegelse/[code]/"),
        ("/en/undersoegelse/tak/", "/en/undersoegelse/tak/"),
        ("/undersoegelse/", "/undersoegelse/"),
        ("/haderslev/saadan-gaar-det/", "/haderslev/saadan-gaar-det/"),
    ],
)  # fmt: skip
def test_a_mangled_link_is_redacted_and_other_addresses_are_left_alone(db, logged, written):
    assert redact(logged) == written


def test_the_filter_redacts_a_records_message_and_its_arguments(db):
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "%s: %s", ("Not Found", "/undersoegelse/ACEF-GHJK-MN/"), None
    )
    assert RedactURLSecrets().filter(record)
    assert record.getMessage() == "Not Found: /undersoegelse/[code]/"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "at /undersoegelse/ACEFGHJKMN/ %(n)s", ({"n": 1},), None)
    assert RedactURLSecrets().filter(record)
    assert record.getMessage() == "at /undersoegelse/[code]/ 1"
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "%(path)s", ({"path": "/undersoegelse/ACEFGHJKMN/"},), None
    )
    assert RedactURLSecrets().filter(record)
    assert record.getMessage() == "/undersoegelse/[code]/"


# --- any view's secrets, read from the URL resolver ------------------------------------------------


@pytest.mark.urls("tests.log_redaction_urls")
@pytest.mark.parametrize(
    ("logged", "written"),
    [
        ("/konto/7/nulstil/Zm9vYmFy/", "/konto/7/nulstil/[token]/"),  # under an include with a parameter
        ("/konto/7/nulstil/Zm9vYmFy", "/konto/7/nulstil/[token]"),
        ("/konto/7/oversigt/", "/konto/7/oversigt/"),  # the same include, a view without secrets
        ("/par/hemmelig/og/ogsaa-hemmelig/", "/par/[first]/og/[second]/"),
        ("/gammel/0123abcd/", "/gammel/[key]/"),  # a regex route names its own groups
        ("/undersoegelse/ACEF-GHJK-MN/", "/undersoegelse/ACEF-GHJK-MN/"),  # not a route of this URLconf
    ],
)  # fmt: skip
def test_the_secrets_are_what_the_views_of_the_urlconf_declare(logged, written):
    assert redact(logged) == written
