"""The administrator's staff pages and the invitation link, through HTTP: answers, messages, query counts,
and the access matrix (every staff-administration URL × every kind of user × two municipalities)."""

import re
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from consent.models import Citizen
from portal.log_redaction import redact
from portal.models import Area, StaffInvitation, Unit, User
from portal.roles import Role
from portal.staff_urls import urlpatterns
from tests.authenticator import totp_code
from tests.factories import PASSWORD, CitizenFactory, MunicipalityFactory, StaffFactory, UnitFactory
from tests.test_staff_import import xlsx
from tests.test_translation_editor import TRANSLATION_URLS

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "et-langt-og-godt-kodeord-2026"


@pytest.fixture
def town():
    return MunicipalityFactory(name="Aby Kommune", slug="aby")


@pytest.fixture
def other_town():
    return MunicipalityFactory(name="Beby Kommune", slug="beby")


@pytest.fixture
def admin(town):
    return StaffFactory(municipality=town, roles=[Role.MUNICIPALITY_ADMIN], first_name="Ada", last_name="Admin")


@pytest.fixture
def as_admin(client, admin):
    client.force_login(admin)
    return client


def test_the_staff_list_shows_roles_units_and_last_login_in_a_fixed_number_of_queries(
    as_admin, town, admin, django_assert_num_queries
):
    units = UnitFactory.create_batch(3, municipality=town)
    for number in range(5):
        StaffFactory(municipality=town, roles=[Role.CASEWORKER, Role.MANAGER], units=units[: number % 3 + 1])
    StaffFactory(municipality=MunicipalityFactory(), first_name="Fremmed", roles=[Role.CASEWORKER])
    admin.last_login = timezone.now()
    admin.save()
    # session, user, user's groups, the units to filter by, the municipality's name, how many, the page of
    # staff (with whether each is invited), their groups, their units
    with django_assert_num_queries(9):
        response = as_admin.get(reverse("staff:list"))
    page = response.text
    assert response.status_code == 200
    assert page.count("Sagsbehandler, Leder") == 5 and "Fremmed" not in page
    assert units[2].name in page and "Aldrig" in page


def test_the_staff_list_is_paged_and_a_page_costs_the_same_queries_however_many_staff(
    as_admin, town, admin, django_assert_num_queries
):
    unit = UnitFactory(municipality=town)
    StaffFactory.create_batch(60, municipality=town, roles=[Role.CASEWORKER], units=[unit])
    with django_assert_num_queries(9):
        first = as_admin.get(reverse("staff:list")).text
    assert "61 personer." in first and "Side 1 af 2" in first
    assert first.count('href="/personale/administration/personer/') == 50
    with django_assert_num_queries(9):
        second = as_admin.get(reverse("staff:list"), {"side": 2}).text
    assert second.count('href="/personale/administration/personer/') == 11 and "Side 2 af 2" in second
    StaffFactory.create_batch(60, municipality=town, roles=[Role.CASEWORKER], units=[unit])
    with django_assert_num_queries(9):
        assert "121 personer." in as_admin.get(reverse("staff:list"), {"side": 3}).text


def test_the_staff_list_filters_by_role_unit_and_status_and_the_pages_keep_the_filter(as_admin, town, admin):
    home, other = UnitFactory(municipality=town, name="Plejecenter Hjemly"), UnitFactory(municipality=town)
    StaffFactory.create_batch(55, municipality=town, roles=[Role.CASEWORKER], units=[home])
    StaffFactory(municipality=town, first_name="Lene", last_name="Leder", roles=[Role.MANAGER], units=[other])
    StaffFactory(municipality=town, first_name="Gitte", last_name="Gået", roles=[Role.CASEWORKER], is_active=False)
    invited = as_admin.post(
        reverse("staff:invite"),
        {"first_name": "Ivan", "last_name": "Inviteret", "email": "ivan@aby.dk", "roles": [Role.CASEWORKER.value]},
    )
    assert invited.status_code == 302

    def names(**filters):
        page = as_admin.get(reverse("staff:list"), filters).text
        return page, set(re.findall(r'personer/\d+/"><bdi>([^<]+)</bdi></a>', page))

    page, shown = names(role=Role.MANAGER.value)
    assert shown == {"Lene Leder"} and "1 person." in page
    page, shown = names(status="deaktiverede")
    assert shown == {"Gitte Gået"}
    page, shown = names(status="inviteret")
    assert shown == {"Ivan Inviteret"} and "Inviteret</span>" in page
    page, shown = names(status="aktive")
    assert "57 personer." in page and "Ivan Inviteret" not in shown and "Gitte Gået" not in shown
    page, shown = names(unit=home.pk)
    assert "55 personer." in page and "Lene Leder" not in shown
    assert f'href="?unit={home.pk}&amp;side=2"' in page
    page, shown = names(unit=home.pk, side=2)
    assert len(shown) == 5 and "Side 2 af 2" in page


def test_a_filter_of_another_municipalitys_unit_or_an_unknown_role_shows_a_danish_message(as_admin, town, other_town):
    foreign = UnitFactory(municipality=other_town)
    page = as_admin.get(reverse("staff:list"), {"unit": foreign.pk, "role": "root"}).text
    assert "Vælg enheder fra listen." in page and "Vælg roller fra listen." in page
    assert "Ada Admin" in page  # an invalid filter shows everyone rather than nothing


@pytest.mark.parametrize(
    ("name", "args", "queries"),
    [
        ("staff:invite", (), 4),  # session, user, groups, the open units
        ("staff:person", ("person",), 7),  # … the person, their groups, their units, the open units
        ("staff:units", (), 4),
        ("staff:unit", ("unit",), 5),
        ("staff:import", (), 3),
    ],
)
def test_each_page_answers_in_a_fixed_number_of_queries(as_admin, town, name, args, queries, django_assert_num_queries):
    unit = UnitFactory(municipality=town)
    person = StaffFactory(municipality=town, roles=[Role.CASEWORKER], units=[unit])
    UnitFactory.create_batch(4, municipality=town)
    url = reverse(name, args=[{"person": person.pk, "unit": unit.pk}[arg] for arg in args])
    with django_assert_num_queries(queries):
        assert as_admin.get(url).status_code == 200


def test_inviting_through_the_page_sends_the_link_and_the_link_sets_the_password(
    as_admin, client, town, django_capture_on_commit_callbacks
):
    unit = UnitFactory(municipality=town, name="Plejecenter Åbo")
    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin.post(
            reverse("staff:invite"),
            {
                "first_name": "Nina",
                "last_name": "Ny",
                "email": "nina@aby.example",
                "roles": [Role.CASEWORKER.value],
                "units": [unit.pk],
            },
        )
    person = User.objects.get(email="nina@aby.example")
    assert response.status_code == 302 and response.url == reverse("staff:person", args=[person.pk])
    link = re.search(r"https?://\S+/personale/invitation/\S+/", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[1]
    as_admin.logout()

    assert "Vælg din adgangskode" in client.get(path).text
    response = client.post(path, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 302 and response.url == reverse("login")
    again = client.get(path)
    assert again.status_code == 410 and "Linket er brugt" in again.text
    response = client.post(reverse("login"), {"login": "nina@aby.example", "password": NEW_PASSWORD})
    assert response.status_code == 302 and response.url == reverse("staff-home")
    # At the first login she must set up an authenticator app before any staff page.
    response = client.get(reverse("staff-home"))
    assert response.status_code == 302 and response.url.startswith(reverse("mfa_activate_totp"))
    secret = client.get(response.url).context["form"].secret
    assert client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)}).status_code == 302
    assert client.get(reverse("staff-home")).status_code == 200


def test_an_unknown_invitation_link_gets_a_clear_page(client):
    unknown = client.get(reverse("staff:invitation", args=["ikke-et-rigtigt-token"]))
    assert unknown.status_code == 404 and "Linket er ikke gyldigt" in unknown.text


def test_an_expired_link_says_so(client, town, admin, django_capture_on_commit_callbacks):
    from portal import staff_services

    with django_capture_on_commit_callbacks(execute=True):
        person = staff_services.invite_staff(
            municipality=town,
            first_name="Nina",
            last_name="",
            email="nina@aby.example",
            roles=[Role.CASEWORKER.value],
            units=[],
            acting_user=admin,
            base_url="",
        )
    StaffInvitation.objects.filter(user=person).update(expires_at=timezone.now() - timedelta(minutes=1))
    path = re.search(r"/personale/invitation/\S+/", mail.outbox[0].body).group(0)
    response = client.post(path, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 410 and "Linket er udløbet" in response.text
    person.refresh_from_db()
    assert not person.has_usable_password()


def test_the_invitation_token_never_reaches_the_logs():
    path = reverse("staff:invitation", args=["hemmeligt-token-123"])
    assert redact(f"GET {path} HTTP/1.1") == "GET /personale/invitation/[token]/ HTTP/1.1"


def test_a_nul_byte_in_a_field_is_a_danish_message_not_a_500(as_admin):
    response = as_admin.post(
        reverse("staff:invite"),
        {"first_name": "Ni\x00na", "email": "nina@aby.example", "roles": [Role.CASEWORKER.value]},
    )
    assert response.status_code == 200 and "Null-tegn er ikke tilladte." in response.text
    response = as_admin.post(reverse("staff:units"), {"name": "Enhed\x00", "area": Area.ELDERLY})
    assert response.status_code == 200 and "Null-tegn er ikke tilladte." in response.text
    assert not User.objects.filter(email="nina@aby.example").exists() and not Unit.objects.exists()


def test_a_caseworker_given_a_unit_on_the_page_sees_its_citizens_at_once(as_admin, client, town, admin):
    unit = UnitFactory(municipality=town)
    citizen = CitizenFactory(municipality=town, units=[unit], created_by=admin, name="Karen Borger")
    caseworker = StaffFactory(municipality=town, roles=[Role.CASEWORKER])
    from django.test import Client

    theirs = Client()
    theirs.force_login(caseworker)
    assert citizen.name not in theirs.get(reverse("consent:citizens")).text

    page = as_admin.get(reverse("staff:person", args=[caseworker.pk]))
    loaded_state = page.context["form"].initial["loaded_state"]
    response = as_admin.post(
        reverse("staff:person", args=[caseworker.pk]),
        {"loaded_state": loaded_state, "roles": [Role.CASEWORKER.value], "units": [unit.pk]},
    )
    assert response.status_code == 302
    assert citizen.name in theirs.get(reverse("consent:citizens")).text


def test_a_change_saved_by_someone_else_first_is_shown_not_overwritten(as_admin, town, admin):
    person = StaffFactory(municipality=town, roles=[Role.CASEWORKER])
    loaded_state = as_admin.get(reverse("staff:person", args=[person.pk])).context["form"].initial["loaded_state"]
    person.groups.clear()  # someone else saves first
    response = as_admin.post(
        reverse("staff:person", args=[person.pk]),
        {"loaded_state": loaded_state, "roles": [Role.EDITOR.value]},
    )
    assert response.status_code == 200 and "En anden ændrede personens roller" in response.text
    assert not person.groups.exists()


def test_deactivating_on_the_page_logs_the_person_out(as_admin, town):
    from django.test import Client

    person = StaffFactory(municipality=town, roles=[Role.CASEWORKER])
    theirs = Client()
    theirs.force_login(person)
    assert theirs.get(reverse("staff-home")).status_code == 200
    assert as_admin.post(reverse("staff:deactivate", args=[person.pk])).status_code == 302
    assert theirs.get(reverse("staff-home")).status_code == 302


def upload(client, data: bytes, name: str):
    return client.post(reverse("staff:import"), {"file": SimpleUploadedFile(name, data)})


def test_an_import_shows_every_row_first_then_imports_on_confirmation(
    as_admin, town, django_capture_on_commit_callbacks
):
    data = xlsx(
        {
            "Enheder": [["navn", "område"], ["Plejecenter Åbo", "ældre"]],
            "Personale": [
                ["navn", "e-mail", "roller", "enheder"],
                ["Bo Berg", "bo@aby.example", "Sagsbehandler", "Plejecenter Åbo"],
            ],
        }
    )
    preview = upload(as_admin, data, "opsaetning.xlsx")
    assert preview.status_code == 200 and "bo@aby.example" in preview.text
    assert not Unit.objects.exists()  # nothing is saved by the preview
    payload = preview.context["confirm_form"].initial["payload"]
    with django_capture_on_commit_callbacks(execute=True):
        done = as_admin.post(reverse("staff:import-confirm"), {"payload": payload})
    assert done.status_code == 302
    bo = User.objects.get(email="bo@aby.example")
    assert [unit.name for unit in bo.units.all()] == ["Plejecenter Åbo"] and len(mail.outbox) == 1

    with django_capture_on_commit_callbacks(execute=True):
        as_admin.post(reverse("staff:import-confirm"), {"payload": payload})
    assert "Alt i filen fandtes allerede" in as_admin.get(reverse("staff:list")).text
    assert len(mail.outbox) == 1


def test_a_file_with_errors_shows_them_per_row_and_offers_no_import(as_admin, town):
    data = "navn;e-mail;roller;enheder\nBo Berg;bo@aby.example;Direktør;Ukendt\n".encode("cp1252")
    response = upload(as_admin, data, "personale.csv")
    assert response.context["confirm_form"] is None
    assert "Ukendt rolle »Direktør«" in response.text and "Ukendt enhed »Ukendt«" in response.text


def test_a_big_file_and_a_wrong_column_are_messages_at_the_field(as_admin, settings):
    settings.STAFF_IMPORT_MAX_BYTES = 1024 * 1024
    big = upload(as_admin, b"navn;omr\xc3\xa5de\n" + b"x" * (10 * 1024 * 1024), "stor.csv")
    assert big.status_code == 200 and "Filen er for stor. Den må højst fylde 1 MB." in big.text
    wrong = upload(as_admin, b"navn;afdeling\nA;B\n", "enheder.csv")
    assert "Kolonnerne blev ikke genkendt" in wrong.text


def test_a_changed_or_old_preview_imports_nothing(as_admin, town):
    preview = upload(as_admin, "navn;område\nÅbo;ældre\n".encode(), "enheder.csv")
    payload = preview.context["confirm_form"].initial["payload"]
    response = as_admin.post(reverse("staff:import-confirm"), {"payload": payload[:-2] + "xx"}, follow=True)
    assert "Forhåndsvisningen er for gammel eller blev ændret" in response.text and not Unit.objects.exists()


def test_the_staff_home_links_the_administrator_to_the_staff_pages(as_admin, client, town):
    assert reverse("staff:list") in as_admin.get(reverse("staff-home")).text
    client.force_login(StaffFactory(municipality=town, roles=[Role.CASEWORKER]))
    assert reverse("staff:list") not in client.get(reverse("staff-home")).text


# --- The access matrix ------------------------------------------------------------------------------

# What each URL's pk is the id of (None: no pk).
URL_TARGETS = {
    "list": None,
    "invite": None,
    "person": "person",
    "deactivate": "person",
    "reinvite": "person",
    "units": None,
    "unit": "unit",
    "close-unit": "unit",
    "import": None,
    "import-confirm": None,
    "invitation": "token",
}
POST_ONLY = {"deactivate", "reinvite", "close-unit", "import-confirm"}
ROLES = ["anonymous", "caseworker", "manager", "editor", "admin", "other_admin", "superuser"]


def test_every_staff_url_is_in_the_matrix():
    # The editors' translation pages have their own matrix in tests/test_translation_editor.py.
    assert {pattern.name for pattern in urlpatterns} == set(URL_TARGETS) | set(TRANSLATION_URLS)


@pytest.fixture
def world(town, other_town, admin):
    unit = UnitFactory(municipality=town)
    person = StaffFactory(municipality=town, roles=[Role.CASEWORKER], units=[unit])
    users = {
        "caseworker": StaffFactory(municipality=town, roles=[Role.CASEWORKER], units=[unit]),
        "manager": StaffFactory(municipality=town, roles=[Role.MANAGER]),
        "editor": StaffFactory(municipality=town, roles=[Role.EDITOR]),
        "admin": admin,
        "other_admin": StaffFactory(municipality=other_town, roles=[Role.MUNICIPALITY_ADMIN]),
        "superuser": User.objects.create_superuser(username="platform", password=PASSWORD),
    }
    return {"person": person, "unit": unit, "users": users}


def rows_of(town):
    return (
        sorted(Unit.objects.filter(municipality=town).values_list("pk", "name", "area", "closed_on")),
        sorted(
            (
                user.pk,
                user.is_active,
                user.password,
                tuple(sorted(g.name for g in user.groups.all())),
                tuple(sorted(u.pk for u in user.units.all())),
            )
            for user in User.objects.filter(municipality=town).prefetch_related("groups", "units")
        ),
        StaffInvitation.objects.filter(user__municipality=town).count(),
        LogEntry.objects.filter(
            Q(content_type__model="user", object_id__in=[str(pk) for pk in town.staff.values_list("pk", flat=True)])
            | Q(content_type__model="unit", object_id__in=[str(pk) for pk in town.units.values_list("pk", flat=True)])
        ).count(),
    )


def valid_post(name: str, world) -> dict:
    return {
        "invite": {"first_name": "X", "email": "x@aby.example", "roles": [Role.CASEWORKER.value]},
        "person": {"loaded_state": "x", "roles": [Role.MANAGER.value]},
        "units": {"name": "Ny enhed", "area": Area.ELDERLY},
        "unit": {"name": "Omdøbt", "area": Area.HEALTH},
    }.get(name, {})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", [name for name in URL_TARGETS if name != "invitation"])
def test_only_the_municipalitys_own_administrator_sees_or_changes_its_staff_and_units(client, world, town, role, name):
    target = URL_TARGETS[name]
    url = reverse(f"staff:{name}", args=[world[target].pk] if target else [])
    if role != "anonymous":
        client.force_login(world["users"][role])
    before = rows_of(town)
    answers = []
    if name not in POST_ONLY:
        answers.append(client.get(url))
    answers.append(client.post(url, valid_post(name, world)))
    for response in answers:
        if role == "anonymous":
            assert response.status_code == 302 and response.url.startswith(reverse("login"))
        elif role == "admin":
            assert response.status_code in (200, 302)
        elif role == "other_admin" and target:
            assert response.status_code == 404
        elif role == "other_admin":
            assert response.status_code in (200, 302)
            assert world["person"].email not in response.text and world["unit"].name not in response.text
        else:
            assert response.status_code == 403 and "Personale og enheder styres af kommunens administrator" in (
                response.text
            )
    if role != "admin":
        assert rows_of(town) == before


def test_another_municipalitys_administrator_cannot_reach_its_staff_by_import(client, world, town, other_town):
    client.force_login(world["users"]["other_admin"])
    person, unit = world["person"], world["unit"]
    data = f"navn;e-mail;roller;enheder\nOverta Ger;{person.email};Kommuneadministrator;{unit.name}\n".encode()
    before = rows_of(town)
    response = upload(client, data, "personale.csv")
    assert response.context["confirm_form"] is None
    staff_row = response.context["parsed"].staff[0]
    assert staff_row.errors == [
        f"E-mailadressen {person.email} kan ikke bruges her. Spørg platformens administrator.",
        f"Ukendt enhed »{unit.name}«. Opret den først, eller tilføj den til filen.",
    ]
    assert rows_of(town) == before
    assert not Citizen.objects.exists()


@pytest.mark.parametrize(("role", "is_staff"), [(Role.CASEWORKER, False), (Role.EDITOR, True)])
def test_in_the_django_admin_admin_access_follows_the_role_and_is_never_ticked_by_hand(client, town, role, is_staff):
    from django.contrib.auth.models import Group

    client.force_login(User.objects.create_superuser(username="platform", password=PASSWORD))
    form = client.get(reverse("admin:portal_user_add")).text
    assert 'name="is_staff"' not in form
    response = client.post(
        reverse("admin:portal_user_add"),
        {
            "username": "ny",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "usable_password": "true",
            "groups": [Group.objects.get(name=role.value).pk],
            "municipality": town.pk,
            "is_staff": "on",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="ny").is_staff is is_staff


def test_an_empty_invitation_form_says_what_is_missing_in_danish(as_admin):
    response = as_admin.post(reverse("staff:invite"), {})
    assert response.status_code == 200
    for message in ("Skriv personens fornavn.", "Skriv personens e-mailadresse.", "Vælg mindst én rolle."):
        assert message in response.text


# --- Units in the Django admin go through the same services ------------------------------------------


def unit_history(unit) -> list[str]:
    return list(
        LogEntry.objects.filter(content_type__model="unit", object_id=str(unit.pk))
        .order_by("pk")
        .values_list("change_message", flat=True)
    )


def test_a_unit_added_or_renamed_in_the_django_admin_is_checked_and_logged_by_the_staff_services(as_admin, town):
    UnitFactory(municipality=town, name="Plejecenter Åbo")
    form = as_admin.get(reverse("admin:portal_unit_add")).text
    assert 'href="/personale/administration/enheder/"' in form and 'name="municipality"' not in form

    duplicate = as_admin.post(reverse("admin:portal_unit_add"), {"name": "  plejecenter  åbo ", "area": "aeldre"})
    assert duplicate.status_code == 200 and "Kommunen har allerede en enhed med dette navn." in duplicate.text
    empty = as_admin.post(reverse("admin:portal_unit_add"), {"name": "   ", "area": "aeldre"})
    assert empty.status_code == 200 and "Skriv enhedens navn." in empty.text

    added = as_admin.post(reverse("admin:portal_unit_add"), {"name": " Bofællesskab   Æble ", "area": "handicap"})
    assert added.status_code == 302
    unit = Unit.objects.get(municipality=town, name="Bofællesskab Æble")
    assert unit_history(unit) == ["Oprettet (Handicap)."]

    renamed = as_admin.post(
        reverse("admin:portal_unit_change", args=[unit.pk]), {"name": "Bofællesskab Pæren", "area": "handicap"}
    )
    assert renamed.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "Bofællesskab Pæren"
    assert unit_history(unit)[1] == "Ændret fra »Bofællesskab Æble« (Handicap) til »Bofællesskab Pæren« (Handicap)."


def test_a_unit_is_closed_in_the_django_admin_as_on_the_staff_pages_and_never_deleted(as_admin, town):
    unit = UnitFactory(municipality=town, name="Hjemmeplejen Syd")
    caseworker = StaffFactory(
        municipality=town, first_name="Bo", last_name="Berg", roles=[Role.CASEWORKER], units=[unit]
    )
    changelist = reverse("admin:portal_unit_changelist")
    assert as_admin.get(reverse("admin:portal_unit_delete", args=[unit.pk])).status_code == 403
    assert "delete_selected" not in as_admin.get(changelist).text

    response = as_admin.post(changelist, {"action": "close_units", "_selected_action": [unit.pk]}, follow=True)
    assert "1 enhed er lukket; dens personale har mistet den." in response.text
    unit.refresh_from_db()
    assert unit.closed_on == timezone.localdate() and not caseworker.units.exists()
    assert unit_history(unit) == [f"Lukket. Personale, der mistede den: {caseworker.username}."]

    form = as_admin.get(reverse("admin:portal_unit_change", args=[unit.pk])).text
    assert 'name="name"' not in form and 'name="area"' not in form  # a closed unit is read-only


def test_the_platform_administrator_adds_a_unit_to_a_chosen_municipality_through_the_same_service(client, town):
    platform = User.objects.create_superuser(username="platform", password=PASSWORD)
    client.force_login(platform)
    UnitFactory(municipality=town, name="Plejecenter Åbo")
    duplicate = client.post(
        reverse("admin:portal_unit_add"), {"municipality": town.pk, "name": "PLEJECENTER ÅBO", "area": "aeldre"}
    )
    assert "Kommunen har allerede en enhed med dette navn." in duplicate.text
    added = client.post(
        reverse("admin:portal_unit_add"), {"municipality": town.pk, "name": "Hjemmeplejen Nord", "area": "aeldre"}
    )
    assert added.status_code == 302
    unit = Unit.objects.get(municipality=town, name="Hjemmeplejen Nord")
    assert unit_history(unit) == ["Oprettet (Ældre)."]
    assert LogEntry.objects.get(object_id=str(unit.pk), content_type__model="unit").user == platform


# --- People in the Django admin go through the same services -----------------------------------------


def admin_change_form(client, person) -> dict:
    """The Django admin's change form for `person`, as the browser would post it back unchanged."""
    response = client.get(reverse("admin:portal_user_change", args=[person.pk]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if name not in ("password", "last_login", "date_joined")}
    return {name: value for name, value in data.items() if value not in (None, False)}


def test_deactivating_in_the_django_admin_logs_the_person_out_and_removes_their_second_factors(as_admin, town):
    from allauth.mfa.models import Authenticator
    from django.test import Client

    from tests.authenticator import enrol_totp

    person = StaffFactory(municipality=town, roles=[Role.CASEWORKER])
    enrol_totp(person)
    theirs = Client()
    theirs.force_login(person)
    assert theirs.get(reverse("staff-home")).status_code == 200
    data = admin_change_form(as_admin, person)
    del data["is_active"]  # the box unticked
    response = as_admin.post(reverse("admin:portal_user_change", args=[person.pk]), data)
    assert response.status_code == 302
    assert theirs.get(reverse("staff-home")).status_code == 302
    person.refresh_from_db()
    assert not person.is_active and not person.has_usable_password()
    assert not Authenticator.objects.filter(user=person).exists()
    assert "Deaktiveret; vedkommendes anden faktor er fjernet." in LogEntry.objects.filter(
        object_id=str(person.pk), content_type__model="user"
    ).values_list("change_message", flat=True)


def test_a_stale_save_in_the_django_admin_is_refused_and_what_was_chosen_stays_in_the_form(as_admin, town):
    from django.contrib.auth.models import Group

    person = StaffFactory(municipality=town, roles=[Role.CASEWORKER], first_name="Bo")
    data = admin_change_form(as_admin, person)
    person.groups.set([Group.objects.get(name=Role.MANAGER.value)])  # another administrator saves first
    data["groups"] = [Group.objects.get(name=Role.EDITOR.value).pk]
    data["first_name"] = "Bodil"
    response = as_admin.post(reverse("admin:portal_user_change", args=[person.pk]), data)
    assert response.status_code == 200
    assert "En anden ændrede personens roller, enheder eller aktive status" in response.text
    form = response.context["adminform"].form
    assert form["first_name"].value() == "Bodil" and [int(pk) for pk in form["groups"].value()] == data["groups"]
    person.refresh_from_db()
    assert person.first_name == "Bo" and [group.name for group in person.groups.all()] == [Role.MANAGER.value]


def test_a_person_with_units_is_not_moved_to_another_municipality_in_the_django_admin(client, town, other_town):
    from django.contrib.auth.models import Group

    from tests.factories import SuperuserFactory

    person = StaffFactory(municipality=town, roles=[Role.CASEWORKER], units=[UnitFactory(municipality=town)])
    client.force_login(SuperuserFactory())
    data = admin_change_form(client, person)
    data["municipality"] = other_town.pk
    data["groups"] = [Group.objects.get(name=Role.MANAGER.value).pk]
    response = client.post(reverse("admin:portal_user_change", args=[person.pk]), data)
    assert response.status_code == 200
    assert "Personen har stadig enheder i sin kommune" in response.text
    person.refresh_from_db()
    assert person.municipality == town and [group.name for group in person.groups.all()] == [Role.CASEWORKER.value]


def test_roles_changed_in_the_django_admin_are_checked_and_logged_by_the_staff_services(as_admin, town, admin):
    from django.contrib.auth.models import Group

    data = admin_change_form(as_admin, admin)
    data["groups"] = [Group.objects.get(name=Role.EDITOR.value).pk]
    response = as_admin.post(reverse("admin:portal_user_change", args=[admin.pk]), data)
    assert response.status_code == 200
    assert "Du kan ikke fjerne din egen administratorrolle. Spørg en anden administrator." in response.text
    del data["is_active"]
    data["groups"] = [Group.objects.get(name=Role.MUNICIPALITY_ADMIN.value).pk]
    response = as_admin.post(reverse("admin:portal_user_change", args=[admin.pk]), data)
    assert "Du kan ikke deaktivere dig selv. Spørg en anden administrator." in response.text
    assert User.objects.get(pk=admin.pk).is_active

    person = StaffFactory(municipality=town, roles=[Role.CASEWORKER])
    data = admin_change_form(as_admin, person)
    data["groups"] = [Group.objects.get(name=Role.EDITOR.value).pk]
    assert as_admin.post(reverse("admin:portal_user_change", args=[person.pk]), data).status_code == 302
    person.refresh_from_db()
    assert [group.name for group in person.groups.all()] == [Role.EDITOR.value] and person.is_staff
    history = LogEntry.objects.filter(object_id=str(person.pk), content_type__model="user")
    assert [entry.get_change_message() for entry in history] == ["Roller: Sagsbehandler → Redaktør."]  # once


def test_ticking_active_again_in_the_django_admin_sends_a_new_invitation(
    as_admin, town, django_capture_on_commit_callbacks
):
    person = StaffFactory(municipality=town, roles=[Role.CASEWORKER], is_active=False)
    data = {**admin_change_form(as_admin, person), "is_active": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin.post(reverse("admin:portal_user_change", args=[person.pk]), data)
    assert response.status_code == 302
    assert User.objects.get(pk=person.pk).is_active
    assert [message.to for message in mail.outbox] == [[person.email]]


def test_the_register_of_personal_data_lists_staff_second_factors_and_identity_provider_logins(as_admin):
    page = as_admin.get(reverse("personal-data")).text
    assert "Personalets anden faktor" in page and "Indtil medarbejderen deaktiveres" in page
    assert "Personalets log-ind gennem identitetsudbyderen" in page
