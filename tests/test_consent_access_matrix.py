"""Who may open what: every consent URL × every kind of user × GET and POST, against four citizens.

The URLs are read from consent.urls.urlpatterns, so a URL added there without a line in URL_TARGETS
fails here (test_every_consent_url_is_in_the_matrix) instead of going unchecked. Each URL is built
with the real id of an object (the citizen, one of their consents, one of their agreements) that
belongs to each of these citizens:

    unit_a              a citizen of unit A
    unit_a_kin          another citizen of unit A, one of whose relatives is the member of staff `staff_relative`
    unit_b              a citizen of unit B, in the same municipality
    other_municipality  a citizen of a unit in another municipality

Expected answers, from `expected(role, relation, url_name)`:

    role                         unit_a  unit_a_kin  unit_b  other_municipality  no citizen (lists, forms)
    anonymous                    login   login       login   login               login
    caseworker_a                 ok      ok          404     404                 ok
    caseworker_b                 404     404         ok      404                 ok
    municipality_admin (no       glass   glass       glass   404                 ok
      units of their own)
    manager                      403     403         403     403                 403
    editor                       403     403         403     403                 403
    manager_and_caseworker_a     ok      ok          404     404                 ok
    staff_relative (caseworker   ok      404         404     404                 ok
      of unit A, a relative of
      unit_a_kin)
    superuser                    403     403         403     403                 403
    dpo (data protection         403     403         403     403                 403
      officer)

    "glass" is a redirect to the page where the administrator states a reason first (break-glass);
    that page itself answers "ok" to them. Except the log of one citizen (audit-log), which only the
    municipality administrator may read: 403 for a caseworker on a citizen they can see (and 404 as
    above for one they cannot). The log checks (log-checks*) are for the administrator and the DPO
    only, 403 for everyone else; the per-staff page answers 404 for staff of another municipality.
    The changes in the help (help-change-new, help-change: who may be told, and recording who was) follow
    the table. The retention period (retention) only the municipality administrator sets; the corrections (correct-*),
    giving an agreement to another caseworker (agreement-reassign) and closing a course (close) follow the
    table; the page of personal data (a core page) is the municipality administrator's and the DPO's only.

"ok" is 200 or a redirect that is not to the login page. The POSTs send valid data, so a check that
were missing would save something: for every refused answer the test compares every row of the
consent app's tables (the audit log among them) before and after.

Behind the pages is consent.access.policy; the last tests ask it directly, for every model of the
app, the same question the table answers.
"""

import copy
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from consent import services
from consent.access import policy
from consent.models import Agreement, AuditEvent, Citizen, Consent, Dialogue, FollowUp, HelpChange, Relative
from consent.urls import urlpatterns
from portal.models import Unit, User
from portal.roles import Role
from tests.factories import (
    AgreementFactory,
    CitizenFactory,
    ConsentFactory,
    MunicipalityFactory,
    RelativeFactory,
    StaffFactory,
    SuperuserFactory,
    UnitFactory,
    make_cpr,
)
from tests.service_helpers import consent_rows

# What each URL's `pk` is the id of; None for the URLs without a citizen.
URL_TARGETS = {
    "citizens": None,
    "register": None,
    "tasks": None,
    "citizen": "citizen",
    "relative-new": "citizen",
    "dialogue-new": "citizen",
    "consent-new": "citizen",
    "disclosure": "citizen",
    "agreement-new": "citizen",
    "receipt": "citizen",
    "fhir": "citizen",
    "audit-log": "citizen",
    "consent-change": "consent",
    "consent-revoke": "consent",
    "follow-up": "agreement",
    "agreement-reassign": "agreement",
    "correct-citizen": "citizen",
    "close": "citizen",
    "correct-relative": "relative",
    "correct-dialogue": "dialogue",
    "correct-agreement": "agreement",
    "retention": None,
    "break-glass": "citizen",
    "access-request": "citizen",
    "access-request-pdf": "citizen",
    "access-request-json": "citizen",
    "help-change-new": "citizen",
    "help-change": "help_change",
    "log-checks": None,
    "log-checks-staff": "staff",
    "log-checks-csv": None,
    "log-checks-xlsx": None,
}
LOG_PAGES = {"log-checks", "log-checks-staff", "log-checks-csv", "log-checks-xlsx"}
URL_NAMES = [pattern.name for pattern in urlpatterns]
# The URLs whose POST saves something: for an allowed user, the valid POST must save (a redirect).
WRITES = {
    "register",
    "relative-new",
    "dialogue-new",
    "consent-new",
    "consent-change",
    "consent-revoke",
    "agreement-new",
    "follow-up",
    "agreement-reassign",
    "correct-citizen",
    "close",
    "correct-relative",
    "correct-dialogue",
    "correct-agreement",
    "retention",
    "break-glass",
    "help-change-new",
    "help-change",
}

ROLES = [
    "anonymous",
    "caseworker_a",
    "caseworker_b",
    "municipality_admin",
    "manager",
    "editor",
    "manager_and_caseworker_a",
    "staff_relative",
    "superuser",
    "dpo",
]
RELATIONS = ["unit_a", "unit_a_kin", "unit_b", "other_municipality"]

LOGIN, FORBIDDEN, NOT_FOUND, OK, GLASS = "login", 403, 404, "ok", "glass"
# What the 403 page says: why this user may not.
CONSENT_ONLY = "Citizens' consents and agreements are for caseworkers and the municipality's administrator."
LOG_ONLY = "Only the municipality's administrator can see who has looked at a citizen's data."
RETENTION_ONLY = "Only the municipality's administrator can see and set how long personal data is kept."

# The citizens each role may open; roles not named here may open none (and get a 403 page for everything).
SEES = {
    "caseworker_a": {"unit_a", "unit_a_kin"},
    "caseworker_b": {"unit_b"},
    "municipality_admin": set(),
    "manager_and_caseworker_a": {"unit_a", "unit_a_kin"},
    "staff_relative": {"unit_a"},
}
READS_THE_LOG = {"municipality_admin", "dpo"}
BREAKS_GLASS = {"municipality_admin"}
BEHIND_GLASS = {"unit_a", "unit_a_kin", "unit_b"}  # for the administrator: the municipality's other citizens


def expected(role: str, relation: str | None, url_name: str):
    """The answer `role` should get at `url_name` for a citizen in `relation` (None: a URL without a citizen)."""
    if role == "anonymous":
        return LOGIN
    if url_name in LOG_PAGES:
        if role not in READS_THE_LOG:
            return FORBIDDEN
        return NOT_FOUND if relation == "other_municipality" else OK
    if role not in SEES:
        return FORBIDDEN
    if relation is not None and relation not in SEES[role]:
        if role in BREAKS_GLASS and relation in BEHIND_GLASS:
            return OK if url_name == "break-glass" else GLASS
        return NOT_FOUND
    if url_name in ("audit-log", "retention") and role not in READS_THE_LOG:
        return FORBIDDEN
    return OK


def test_every_consent_url_is_in_the_matrix():
    assert sorted(URL_NAMES) == sorted(URL_TARGETS), "add the new URL to URL_TARGETS (and to post_data if it writes)"
    assert set(URL_TARGETS) >= WRITES
    for pattern in urlpatterns:
        params = set(pattern.pattern.converters)
        assert params == ({"pk"} if URL_TARGETS[pattern.name] else set()), (pattern.name, params)


def test_the_table_in_the_docstring_is_the_function():
    """A spot check that `expected` says what the module's docstring promises."""
    assert expected("caseworker_b", "unit_b", "citizen") == OK
    assert expected("staff_relative", "unit_a_kin", "citizen") == NOT_FOUND
    assert expected("municipality_admin", "other_municipality", "audit-log") == NOT_FOUND
    assert expected("caseworker_a", "unit_a", "audit-log") == FORBIDDEN
    assert expected("caseworker_a", "unit_b", "audit-log") == NOT_FOUND
    assert expected("superuser", None, "citizens") == FORBIDDEN
    assert expected("municipality_admin", "unit_b", "citizen") == GLASS
    assert expected("municipality_admin", "unit_b", "break-glass") == OK
    assert expected("caseworker_a", "unit_b", "break-glass") == NOT_FOUND
    assert expected("dpo", None, "log-checks") == OK
    assert expected("dpo", "unit_a", "access-request") == FORBIDDEN
    assert expected("caseworker_a", None, "log-checks") == FORBIDDEN


# --- The data ------------------------------------------------------------------------------------


class World:
    """Two municipalities, three units, the four citizens with a relative, a consent and an agreement each."""

    def __init__(self):
        testrup = MunicipalityFactory(town="Testrup", slug="testrup", kommunekode="0901")
        andeby = MunicipalityFactory(town="Andeby", slug="andeby", kommunekode="0902")
        self.unit_a, self.unit_b = (
            UnitFactory(municipality=testrup, name="Enhed A"),
            UnitFactory(municipality=testrup, name="Enhed B"),
        )
        unit_c = UnitFactory(municipality=andeby, name="Enhed C")
        registrar = StaffFactory(municipality=testrup, roles=[Role.MUNICIPALITY_ADMIN])
        foreign_registrar = StaffFactory(municipality=andeby, roles=[Role.MUNICIPALITY_ADMIN])

        def caseworker(*units, roles=(Role.CASEWORKER,)):
            user = StaffFactory(municipality=testrup, roles=[*roles])
            user.units.set(units)
            return user

        self.users: dict[str, User | None] = {
            "anonymous": None,
            "caseworker_a": caseworker(self.unit_a),
            "caseworker_b": caseworker(self.unit_b),
            "municipality_admin": StaffFactory(municipality=testrup, roles=[Role.MUNICIPALITY_ADMIN]),
            "manager": StaffFactory(municipality=testrup, roles=[Role.MANAGER]),
            "editor": StaffFactory(municipality=testrup, roles=[Role.EDITOR]),
            "manager_and_caseworker_a": caseworker(self.unit_a, roles=(Role.MANAGER, Role.CASEWORKER)),
            "staff_relative": caseworker(self.unit_a),
            "superuser": SuperuserFactory(),
            "dpo": StaffFactory(municipality=testrup, roles=[Role.DATA_PROTECTION_OFFICER]),
        }
        assert set(self.users) == set(ROLES)
        places = {
            "unit_a": (testrup, self.unit_a, registrar),
            "unit_a_kin": (testrup, self.unit_a, registrar),
            "unit_b": (testrup, self.unit_b, registrar),
            "other_municipality": (andeby, unit_c, foreign_registrar),
        }
        self.objects = {}
        for relation, (municipality, unit, by) in places.items():
            citizen = CitizenFactory(municipality=municipality, units=[unit], created_by=by, name=f"Borger {relation}")
            relative = RelativeFactory(citizen=citizen, name=f"Pårørende {relation}")
            self.objects[relation] = {
                "citizen": citizen,
                "relative": relative,
                "consent": ConsentFactory(relative=relative, recorded_by=by),
                "agreement": AgreementFactory(citizen=citizen, created_by=by),
                "dialogue": Dialogue.objects.create(citizen=citizen, involvement="yes", recorded_by=by),
                "help_change": HelpChange.objects.create(
                    citizen=citizen,
                    kind="hospital",
                    category="helbred",
                    changes_on=timezone.localdate(),
                    summary="Indlagt.",
                    recorded_by=by,
                ),
                "unit": unit,
                "staff": by,
            }
        RelativeFactory(
            citizen=self.objects["unit_a_kin"]["citizen"], name="Kollega", staff_user=self.users["staff_relative"]
        )

    def url(self, url_name: str, relation: str | None) -> str:
        target = URL_TARGETS[url_name]
        if target is None:
            return reverse(f"consent:{url_name}")
        return reverse(f"consent:{url_name}", args=[self.objects[relation][target].pk])


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker):
    """The world, built once for the module's tests (in each test process) in a transaction rolled back after them.

    Each test runs in a transaction of its own inside this one, rolled back after it as always, so every test
    starts from these rows as built (like Django's TestCase.setUpTestData).
    """
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        yield World()
        transaction.set_rollback(True)


@pytest.fixture
def world(built_world, db) -> World:
    """The world for one test: a copy of its objects (a test may change them), its rows as built."""
    return copy.deepcopy(built_world)


def post_data(world: World, url_name: str, relation: str | None, role: str) -> dict:
    """Valid data for the URL's form: what a POST would save if nothing stopped it."""
    today = timezone.localdate()
    objects = world.objects.get(relation or "unit_a")
    unit = world.unit_b if role == "caseworker_b" else world.unit_a  # one the user may register citizens in
    consent = {
        "decision": "permit",
        "categories": ["helbred"],
        "contact": "staff",
        "form": "written",
        "grantor": "citizen",
        "given_on": today.isoformat(),
        "valid_from": today.isoformat(),
        "reason": "Borgeren ønsker det.",
    }
    data = {
        "citizens": {"query": "Borger"},
        "register": {"name": "Ny Borger", "cpr": make_cpr(), "units": [unit.pk]},
        "relative-new": {"name": "Ny Pårørende", "relation": "søn", "kind": "relative"},
        "dialogue-new": {"held_on": today.isoformat(), "involvement": "yes"},
        "consent-new": {**consent, "relative": objects["relative"].pk},
        "consent-change": consent,
        "consent-revoke": {"reason": "Borgeren har fortrudt.", "form": "oral", "grantor": "citizen"},
        "break-glass": {"reason": "Borgerens sagsbehandler er syg, og datteren har ringet."},
        "disclosure": {"disclosure-relative": objects["relative"].pk, "disclosure-category": "helbred"},
        "agreement-new": {
            "description": "Ugentlig samtale",
            "responsible": "staff",
            "follow_up_every_days": 7,
            "next_follow_up": today.isoformat(),
        },
        "follow-up": {
            "held_on": today.isoformat(),
            "outcome": "continue",
            "next_date": (today + timedelta(days=7)).isoformat(),
            "version": 1,
        },
        "agreement-reassign": {
            "owner": world.users["caseworker_b" if relation == "unit_b" else "caseworker_a"].pk,
            "seen_owner": objects["agreement"].owner_id or "",
        },
        "correct-citizen": {"name": "Rettet Navn", "units": [objects["unit"].pk], "reason": "Stavefejl.", "seen": 0},
        "close": {"closed_on": today.isoformat(), "closed_because": "moved"},
        "correct-relative": {
            "name": "Rettet Pårørende",
            "relation": "søn",
            "kind": "relative",
            "reason": "Fejl.",
            "seen": 0,
        },
        "correct-dialogue": {"held_on": today.isoformat(), "involvement": "partly", "reason": "Fejl.", "seen": 0},
        "correct-agreement": {
            "description": "Rettet aftale",
            "responsible": "staff",
            "follow_up_every_days": 14,
            "reason": "Fejl.",
            "seen": 0,
        },
        "retention": {"years": 5},
        "help-change-new": {"kind": "new_help", "changes_on": today.isoformat(), "summary": "Hjælp til bad."},
        "help-change": {
            "told_for": objects["relative"].pk,
            f"told-{objects['relative'].pk}-how": "phone",
            f"told-{objects['relative'].pk}-told_on": today.isoformat(),
            f"told-{objects['relative'].pk}-message": "Mor er indlagt.",
        },
    }
    return data.get(url_name, {})


def outcome_of(response) -> object:
    if response.status_code == 302 and response["Location"].startswith(reverse("login")):
        return LOGIN
    if response.status_code == 302 and response["Location"].endswith("/aaben/"):
        return GLASS
    if response.status_code in (200, 302):
        return OK
    return response.status_code


# --- The matrix --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", URL_NAMES)
def test_access(world, client, role, url_name):
    """One URL, one role: GET and POST for each citizen (or once, for a URL without a citizen)."""
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    relations = RELATIONS if URL_TARGETS.get(url_name) else [None]
    problems = []
    for relation in relations:
        want = expected(role, relation, url_name)
        url = world.url(url_name, relation)
        for method in ("get", "post"):
            before = consent_rows() if want != OK else None
            if method == "get":
                response = client.get(url)
            else:
                response = client.post(url, post_data(world, url_name, relation, role))
            got = outcome_of(response)
            where = f"{method.upper()} {url} ({relation or 'no citizen'})"
            if got != want:
                problems.append(f"{where}: expected {want}, got {got} ({response.status_code})")
                continue
            if got == OK and method == "post" and url_name in WRITES and response.status_code != 302:
                problems.append(f"{where}: allowed, but the valid data was not saved ({response.status_code})")
            if before is not None and consent_rows() != before:
                problems.append(f"{where}: refused ({got}) but data changed")
            if got == FORBIDDEN:
                reads_log = (url_name == "audit-log" and role in SEES) or url_name in LOG_PAGES
                reason = LOG_ONLY if reads_log else CONSENT_ONLY
                if url_name == "retention" and role in SEES:
                    reason = RETENTION_ONLY
                if escape(gettext(reason)) not in response.text:
                    problems.append(f"{where}: the 403 page does not say why")
    assert not problems, f"{role} at consent:{url_name}:\n" + "\n".join(problems)


# --- The policy behind the matrix ---------------------------------------------------------------


def citizens_of(rows) -> set[str]:
    """The relations (unit_a, …) of the citizens whose data `rows` are."""
    names = {f"Borger {relation}": relation for relation in RELATIONS}
    return {names[row.citizen.name] for row in rows}


@pytest.mark.parametrize("role", ROLES)
def test_the_policy_gives_each_role_the_rows_of_exactly_the_citizens_it_may_open(world, role):
    """Every model of the app, as a queryset: the same answer as the pages, and the log for its readers only."""
    user = world.users[role] or AnonymousUser()
    registrar = world.users["municipality_admin"]
    for objects in world.objects.values():
        citizen = objects["citizen"]
        Dialogue.objects.create(citizen=citizen, involvement="yes", recorded_by=registrar)
        FollowUp.objects.create(agreement=objects["agreement"], outcome="end", recorded_by=registrar)
        services.record_view(citizen=citizen, acting_user=registrar)
    sees = SEES.get(role, set())
    assert {citizen.name for citizen in policy.visible(user, Citizen)} == {f"Borger {r}" for r in sees}
    for model, path in [
        (Relative, "citizen"),
        (Consent, "citizen"),
        (Dialogue, "citizen"),
        (Agreement, "citizen"),
        (FollowUp, "agreement__citizen"),
        (HelpChange, "citizen"),
    ]:
        rows = policy.visible(user, model.objects.select_related(path))
        assert citizens_of(row if model is not FollowUp else row.agreement for row in rows) == sees, model
        assert policy.changeable(user, model).count() == rows.count(), model
    events = policy.visible(user, AuditEvent.objects.select_related("citizen"))
    assert citizens_of(events) == (sees if role in READS_THE_LOG else set())
    assert policy.may_use_consent(user) is (role in SEES)
    assert policy.may_read_audit_log(user) is (role in READS_THE_LOG)
    for relation, objects in world.objects.items():
        assert policy.may_see(user, objects["consent"]) is (relation in sees)
    behind = citizens_of_names(policy.behind_glass(user, Citizen))
    assert behind == (BEHIND_GLASS if role in BREAKS_GLASS else set())
    assert policy.may_break_glass(user) is (role in BREAKS_GLASS)


def citizens_of_names(citizens) -> set[str]:
    names = {f"Borger {relation}": relation for relation in RELATIONS}
    return {names[citizen.name] for citizen in citizens}


@pytest.mark.parametrize("role", ROLES)
def test_the_policy_says_where_each_role_may_register_citizens_and_whom_it_may_name_as_a_relative(world, role):
    user = world.users[role] or AnonymousUser()
    units = {unit.name for unit in policy.units_for_registration(user)}
    testrup_units = set(Unit.objects.filter(municipality__slug="testrup").values_list("name", flat=True))
    expected_units = {
        "caseworker_a": {"Enhed A"},
        "caseworker_b": {"Enhed B"},
        "municipality_admin": testrup_units,
        "manager_and_caseworker_a": {"Enhed A"},
        "staff_relative": {"Enhed A"},
    }
    assert units == expected_units.get(role, set())
    staff = set(policy.staff_to_name_as_relative(user))
    testrup_staff = set(User.objects.filter(municipality__slug="testrup", is_active=True))
    assert staff == (testrup_staff if role in SEES else set())


# --- The DPO's page of personal data (portal) ----------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_the_administrator_and_the_dpo_open_the_personal_data_page(world, client, role):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    response = client.get(reverse("personal-data"))
    want = LOGIN if role == "anonymous" else OK if role in READS_THE_LOG else FORBIDDEN
    assert outcome_of(response) == want
    if want == OK:
        assert response.status_code == 200 and "Testrup Kommune" in response.text
