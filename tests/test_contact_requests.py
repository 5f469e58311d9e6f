""" "Ring mig op" / "Skriv til mig": a relative asks the municipality to get in touch; its staff answer and close it;
the request is erased after the time the relative was told. Bad input is refused at the field or quietly."""

import threading
from datetime import datetime, time, timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from contacts import services
from contacts.models import ContactRequest
from contacts.rules import contact_request_problems, erase_date
from contacts.staff_urls import urlpatterns as staff_urlpatterns
from portal.errors import RuleViolation
from portal.personal_data import erase_all, stores
from portal.roles import Role
from tests.factories import StaffFactory, SuperuserFactory
from tests.test_directory import main


def request_url(slug: str) -> str:
    return reverse("contacts:contact-request", args=[slug])


VALID = {
    "way": "call",
    "name": "Karen Jensen",
    "phone": "20 30 40 50",
    "email": "",
    "message": "Min mand har demens, og jeg er ved at være slidt op.",
    "consent": "on",
}


def problems(**changes) -> dict:
    given = {
        "way": "call",
        "name": "Karen",
        "phone": "20304050",
        "email": "",
        "message": "",
        "consent": True,
        **changes,
    }
    return contact_request_problems(**given)


@pytest.mark.parametrize(("changes", "field"), [
    ({},                                                None),
    ({"phone": "+45 20 30 40 50"},                      None),
    ({"way": "write", "phone": "", "email": "karen@eksempel.dk"}, None),
    ({"way": "write", "phone": "", "email": "søren@eksempel.dk"}, None),
    ({"phone": "1234"},                                 "phone"),   # too short
    ({"phone": "12345678"},                             "phone"),   # a Danish number does not start with 1
    ({"phone": "00000000"},                             "phone"),
    ({"phone": "22222222"},                             "phone"),   # one digit eight times
    ({"phone": "+46 70 123 45 67"},                     "phone"),   # not Danish
    ({"phone": ""},                                     "phone"),   # "call me" with no number
    ({"way": "write", "phone": "", "email": ""},        "email"),
    ({"way": "write", "phone": "", "email": "karen@"},  "email"),
    ({"name": "   "},                                   "name"),
    ({"name": "x" * 101},                               "name"),
    ({"name": "<b>Karen</b>"},                          "name"),
    ({"message": "x" * 10_000},                         "message"),
    ({"message": "Se <a href='http://spam.example'>her</a>"}, "message"),
    ({"message": "Køb billigt på www.spam.example"},    "message"),
    ({"consent": False},                                "consent"),
])  # fmt: skip
def test_what_a_contact_request_must_hold(changes, field):
    found = problems(**changes)
    assert list(found) == ([field] if field else [])


@pytest.fixture
def answering(directories):
    """The five municipalities, each with someone in the role Pårørendekontakt (so they take requests)."""
    for municipality in directories.values():
        StaffFactory(municipality=municipality, roles=[Role.RELATIVES_CONTACT])
    return directories


def test_a_municipality_where_nobody_answers_collects_no_request(client, directories):
    html = main(client.get(request_url("aabenraa")).text)
    assert "Aabenraa Kommune tager endnu ikke imod henvendelser her." in html and "<form" not in html
    client.post(request_url("aabenraa"), VALID)
    assert not ContactRequest.objects.exists()


def test_a_request_is_erased_after_the_days_the_relative_was_told():
    assert erase_date(timezone.localdate(), 60) == timezone.localdate() + timedelta(days=60)


def test_a_relative_asks_to_be_called_and_is_told_when_it_is_erased(client, answering, django_assert_num_queries):
    with django_assert_num_queries(2):  # the municipality, whether anyone there answers
        html = main(client.get(request_url("hvidovre")).text)
    assert "Vi gemmer din henvendelse i 60 dage og sletter den derefter." in html
    assert "Jeg giver samtykke til, at Hvidovre Kommune kontakter mig om dette" in html
    # the municipality, whether anyone answers; the new request in its transaction (savepoint, insert, release)
    with django_assert_num_queries(5):
        response = client.post(request_url("hvidovre"), VALID)
    assert response.status_code == 200 and "Din henvendelse er sendt" in response.text
    stored = ContactRequest.objects.get()
    assert (stored.municipality.slug, stored.name, stored.phone, stored.way) == (
        "hvidovre",
        "Karen Jensen",
        "20304050",
        "call",
    )
    assert stored.erase_after == timezone.localdate() + timedelta(days=60) and stored.consented_at
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"phone": "12 34 56 78"}, "Det er ikke et dansk telefonnummer."),
        ({"message": "x" * 10_000}, "Skriv højst 1.000 tegn"),
        ({"message": "<script>alert(1)</script>"}, "Skriv uden links og HTML"),
        ({"consent": ""}, "Vi kan kun kontakte dig, hvis du siger ja."),
    ],
)
def test_bad_input_gets_a_danish_message_and_nothing_typed_is_lost(client, answering, changes, message):
    response = client.post(request_url("ballerup"), {**VALID, **changes})
    html = main(response.text)
    assert response.status_code == 200 and message in html
    assert "Karen Jensen" in html and "<script>alert" not in html
    assert not ContactRequest.objects.exists()


def test_a_bot_that_fills_the_hidden_field_is_told_thanks_and_nothing_is_kept(client, answering):
    response = client.post(request_url("ballerup"), {**VALID, "hjemmeside": "http://spam.example"})
    assert "Din henvendelse er sendt" in response.text and not ContactRequest.objects.exists()


@override_settings(CONTACT_REQUESTS_PER_HOUR=5)
def test_a_bot_at_100_a_minute_gets_five_through_then_a_danish_message(client, answering):
    statuses = [client.post(request_url("haderslev"), VALID).status_code for _ in range(100)]
    assert statuses[:5] == [200] * 5 and set(statuses[5:]) == {429}
    assert ContactRequest.objects.count() == 5
    refused = client.post(request_url("haderslev"), VALID)
    assert "Vi har fået mange henvendelser fra denne forbindelse den seneste time." in refused.text
    assert "Karen Jensen" in refused.text  # what was typed is still there
    # Another client is not held back by the first one's requests.
    other = client.post(request_url("haderslev"), VALID, REMOTE_ADDR="192.0.2.99")
    assert other.status_code == 200 and ContactRequest.objects.count() == 6


# --- the staff's side -------------------------------------------------------------------------------


@pytest.fixture
def answerer(municipality):
    return StaffFactory(
        municipality=municipality, roles=[Role.RELATIVES_CONTACT], first_name="Pia", last_name="Pårørendekontakt"
    )


def make_request(municipality, **changes) -> ContactRequest:
    return services.submit_contact_request(
        municipality=municipality,
        way="call",
        name=changes.pop("name", "Karen Jensen"),
        phone="20304050",
        email="",
        message="Ring gerne efter kl. 16.",
        consent=True,
        **changes,
    )


def test_staff_with_the_role_see_answer_and_close_a_request_each_step_logged(
    client, municipality, answerer, django_assert_num_queries
):
    contact_request = make_request(municipality)
    client.force_login(answerer)
    list_url = reverse("contacts-staff:requests")
    detail_url = reverse("contacts-staff:request", args=[contact_request.pk])
    client.get(list_url)
    # session, user, roles; the requests (however many) and their rows in the log, in one transaction
    with django_assert_num_queries(7):
        html = main(client.get(list_url).text)
    assert "Karen Jensen" in html and detail_url in html
    client.get(detail_url)
    with django_assert_num_queries(7):  # session, user, roles, the request, the log's content type… and its row
        html = main(client.get(detail_url).text)
    assert "20 30 40 50" in html and "Ring gerne efter kl. 16." in html
    response = client.post(detail_url, {"note": "Ringet op, aftalt møde med demenskoordinatoren."})
    assert response.status_code == 302
    contact_request.refresh_from_db()
    assert contact_request.status == "closed" and contact_request.answered_by == answerer
    log = list(
        LogEntry.objects.filter(object_id=str(contact_request.pk), content_type__model="contactrequest")
        .order_by("pk")
        .values_list("user__username", "change_message")
    )
    assert log == [(answerer.username, "Set på listen")] * 2 + [(answerer.username, "Læst")] * 2 + [
        (answerer.username, "Besvaret og lukket")
    ]
    # Closed: shown as answered, no second closing.
    html = main(client.get(detail_url).text)
    assert "Besvaret og lukket" in html and "Besvaret: luk henvendelsen" not in html
    with pytest.raises(RuleViolation):
        services.close_contact_request(acting_user=answerer, pk=contact_request.pk, note="Igen")


def test_the_staff_start_page_links_to_the_requests_and_counts_those_waiting(client, municipality, answerer):
    make_request(municipality)
    make_request(municipality, name="Ole")
    client.force_login(answerer)
    html = client.get(reverse("staff-home")).text
    assert reverse("contacts-staff:requests") in html and "2 venter" in html


@pytest.fixture
def everyone(municipality, other_municipality, unit):
    return {
        "anonymous": None,
        "answerer": StaffFactory(municipality=municipality, roles=[Role.RELATIVES_CONTACT]),
        "answerer_elsewhere": StaffFactory(municipality=other_municipality, roles=[Role.RELATIVES_CONTACT]),
        "caseworker": StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], units=[unit]),
        "manager": StaffFactory(municipality=municipality, roles=[Role.MANAGER]),
        "editor": StaffFactory(municipality=municipality, roles=[Role.EDITOR]),
        "administrator": StaffFactory(municipality=municipality, roles=[Role.MUNICIPALITY_ADMIN]),
        "dpo": StaffFactory(municipality=municipality, roles=[Role.DATA_PROTECTION_OFFICER]),
        "superuser": SuperuserFactory(),
    }


# Who may open the staff's pages of the requests: a row per URL, a column per user.
MATRIX = {
    #            anonymous answerer answerer_elsewhere caseworker manager editor administrator dpo superuser
    "requests": ("login", "ok", "ok", 403, 403, 403, 403, 403, 403),
    "request": ("login", "ok", 404, 403, 403, 403, 403, 403, 403),
}
USERS = ["anonymous", "answerer", "answerer_elsewhere", "caseworker", "manager", "editor", "administrator", "dpo",
         "superuser"]  # fmt: skip


def test_every_staff_url_of_the_requests_is_in_the_matrix():
    # the app's other staff URLs (the directory's import) have their table in tests/test_directory_import.py
    assert {p.name for p in staff_urlpatterns if str(p.pattern).startswith("henvendelser/")} == set(MATRIX)


@pytest.mark.parametrize("url_name", list(MATRIX))
@pytest.mark.parametrize("method", ["get", "post"])
def test_who_may_open_the_requests(client, municipality, everyone, url_name, method):
    contact_request = make_request(municipality)
    url = reverse(f"contacts-staff:{url_name}", args=[contact_request.pk] if url_name == "request" else [])
    for name, expected in zip(USERS, MATRIX[url_name], strict=True):
        client.logout()
        if everyone[name] is not None:
            client.force_login(everyone[name])
        response = getattr(client, method)(url, {"note": "Ringet op."})
        if url_name == "requests" and method == "post" and expected == "ok":
            expected = 405  # the list is read only
        if expected == "login":
            assert response.status_code == 302 and "/konto/log-ind/" in response["Location"], name
        elif expected == "ok":
            assert response.status_code in (200, 302), (name, response.status_code)
        else:
            assert response.status_code == expected, (name, response.status_code)
        contact_request.refresh_from_db()
        assert contact_request.answered_by in (None, everyone["answerer"]), name  # nobody else closed it
    # Only the answerers' reads and writes are in the log.
    assert set(LogEntry.objects.values_list("user_id", flat=True)) <= {everyone["answerer"].pk}


def test_requests_are_erased_by_the_daily_job_after_their_time(municipality):
    # Sent at noon 61 days ago by the Danish calendar (UTC's "61 days ago" can be 60 Danish days after 22:00).
    sent = datetime.combine(timezone.localdate() - timedelta(days=61), time(12))
    old = make_request(municipality, now=timezone.make_aware(sent))
    recent = make_request(municipality, name="Ole")
    assert any(store.setting == "CONTACT_REQUEST_RETENTION_DAYS" for store in stores())
    erased = {store.setting: count for store, count in erase_all()}
    assert erased["CONTACT_REQUEST_RETENTION_DAYS"] == 1
    assert list(ContactRequest.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not ContactRequest.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_two_staff_closing_the_same_request_at_once_one_closes_it_and_the_other_is_told(municipality):
    """On PostgreSQL in two threads with their own connections, released together; on SQLite one after the other."""
    from django.db import connections

    users = [StaffFactory(municipality=municipality, roles=[Role.RELATIVES_CONTACT]) for _ in range(2)]
    contact_request = make_request(municipality)
    outcomes = []

    def close(user, barrier=None):
        try:
            if barrier:
                barrier.wait(timeout=10)
            services.close_contact_request(acting_user=user, pk=contact_request.pk, note=f"Ringet op af {user}")
            outcomes.append("closed")
        except RuleViolation:
            outcomes.append("told")
        finally:
            if barrier:
                connections.close_all()  # this thread's connections only

    if connection.vendor == "postgresql":
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=close, args=(user, barrier)) for user in users]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    else:
        for user in users:
            close(user)
    assert sorted(outcomes) == ["closed", "told"]
    assert LogEntry.objects.filter(change_message="Besvaret og lukket").count() == 1
