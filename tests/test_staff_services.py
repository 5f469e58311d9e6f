"""Staff administration's writes (portal.staff_services): what an administrator does, and what the people get."""

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from consent.access import policy as consent_policy
from consent.models import Citizen
from portal import staff_services as services
from portal.errors import RuleViolation, StaleVersion
from portal.models import Area, StaffInvitation, User
from portal.roles import Role
from portal.staff_import import parse_upload
from portal.staff_rules import invitation_digest, staff_state
from tests.authenticator import enrol_totp, totp_code
from tests.factories import PASSWORD, CitizenFactory, MunicipalityFactory, StaffFactory, UnitFactory
from tests.test_staff_import import xlsx

BASE = "https://portal.example"
NEW_PASSWORD = "et-langt-og-godt-kodeord-2026"

pytestmark = pytest.mark.django_db


@pytest.fixture
def municipality():
    return MunicipalityFactory()


@pytest.fixture
def admin(municipality):
    return StaffFactory(municipality=municipality, roles=[Role.MUNICIPALITY_ADMIN])


def invite(municipality, admin, *, email="ny@kommune.example", roles=(Role.CASEWORKER,), units=()):
    return services.invite_staff(
        municipality=municipality,
        first_name="Ny",
        last_name="Medarbejder",
        email=email,
        roles=[role.value for role in roles],
        units=list(units),
        acting_user=admin,
        base_url=BASE,
    )


def token_from(message) -> str:
    link = next(line for line in message.body.splitlines() if line.startswith(BASE))
    return link.rstrip("/").rsplit("/", 1)[1]


def test_an_invited_person_gets_one_email_after_the_commit_with_a_link_whose_token_is_kept_only_as_a_hash(
    municipality, admin, django_capture_on_commit_callbacks, settings
):
    settings.STAFF_INVITATION_HOURS = 5
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        person = invite(municipality, admin)
    assert not mail.outbox  # nothing is sent before the invitation is committed
    for callback in callbacks:
        callback()
    (message,) = mail.outbox
    assert message.to == ["ny@kommune.example"]
    token = token_from(message)
    invitation = StaffInvitation.objects.get(user=person)
    assert invitation.token_digest == invitation_digest(token) and token not in invitation.token_digest
    assert invitation.expires_at - invitation.created_at == timedelta(hours=5)
    assert not person.has_usable_password() and person.username == "ny@kommune.example"
    assert f"{BASE}/personale/invitation/{token}/" in message.body


def test_a_person_chooses_a_password_through_the_link_once(municipality, admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        person = invite(municipality, admin)
    token = token_from(mail.outbox[0])
    services.accept_invitation(token=token, password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    with pytest.raises(services.InvitationUnusable) as second:
        services.accept_invitation(
            token=token, password="et-andet-godt-kodeord-99", password_again="et-andet-godt-kodeord-99"
        )
    assert second.value.state == "used"
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)


def test_an_expired_link_sets_no_password(municipality, admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        person = invite(municipality, admin)
    StaffInvitation.objects.filter(user=person).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(services.InvitationUnusable) as refused:
        services.accept_invitation(token=token_from(mail.outbox[0]), password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    assert refused.value.state == "expired"


def test_a_weak_password_is_refused_with_django_validators_messages(
    municipality, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(municipality, admin)
    with pytest.raises(RuleViolation) as refused:
        services.accept_invitation(token=token_from(mail.outbox[0]), password="1234", password_again="1234")
    assert "password" in refused.value.error_dict


def test_inviting_an_address_that_has_an_account_is_a_duplicate(municipality, admin):
    invite(municipality, admin, email="dobbelt@kommune.example")
    with pytest.raises(services.DuplicateStaff):
        invite(municipality, admin, email="Dobbelt@Kommune.example")


def test_a_caseworker_given_a_unit_sees_its_citizens_at_once_and_moved_loses_the_old_ones(municipality, admin):
    north, south = UnitFactory(municipality=municipality), UnitFactory(municipality=municipality)
    in_north = CitizenFactory(municipality=municipality, units=[north], created_by=admin)
    in_south = CitizenFactory(municipality=municipality, units=[south], created_by=admin)
    caseworker = invite(municipality, admin)
    assert not consent_policy.visible(caseworker, Citizen).exists()

    services.change_staff(
        user=caseworker,
        roles=[Role.CASEWORKER.value],
        units=[north],
        loaded_state=staff_state(caseworker),
        acting_user=admin,
    )
    caseworker = User.objects.get(pk=caseworker.pk)
    assert list(consent_policy.visible(caseworker, Citizen)) == [in_north]

    services.change_staff(
        user=caseworker,
        roles=[Role.CASEWORKER.value],
        units=[south],
        loaded_state=staff_state(caseworker),
        acting_user=admin,
    )
    caseworker = User.objects.get(pk=caseworker.pk)
    assert list(consent_policy.visible(caseworker, Citizen)) == [in_south]


def test_admin_access_follows_the_role_so_nobody_ticks_staff_status(municipality, admin):
    person = invite(municipality, admin, roles=[Role.CASEWORKER])
    assert not person.is_staff
    services.change_staff(
        user=person, roles=[Role.EDITOR.value], units=[], loaded_state=staff_state(person), acting_user=admin
    )
    person.refresh_from_db()
    assert person.is_staff and person.has_perm("portal.change_page")
    services.change_staff(
        user=person, roles=[Role.CASEWORKER.value], units=[], loaded_state=staff_state(person), acting_user=admin
    )
    person.refresh_from_db()
    assert not person.is_staff


def test_two_administrators_changing_one_person_at_once_lose_nothing(municipality, admin):
    person = invite(municipality, admin)
    unit = UnitFactory(municipality=municipality)
    loaded = staff_state(person)
    services.change_staff(user=person, roles=[Role.MANAGER.value], units=[], loaded_state=loaded, acting_user=admin)
    with pytest.raises(StaleVersion):
        services.change_staff(
            user=person, roles=[Role.CASEWORKER.value], units=[unit], loaded_state=loaded, acting_user=admin
        )
    assert [group.name for group in User.objects.get(pk=person.pk).groups.all()] == [Role.MANAGER.value]


def test_another_municipalitys_unit_or_a_closed_unit_cannot_be_given(municipality, admin):
    person = invite(municipality, admin)
    for unit in (UnitFactory(), UnitFactory(municipality=municipality, closed_on=timezone.localdate())):
        with pytest.raises(RuleViolation) as refused:
            services.change_staff(
                user=person,
                roles=[Role.CASEWORKER.value],
                units=[unit],
                loaded_state=staff_state(person),
                acting_user=admin,
            )
        assert "units" in refused.value.error_dict


def test_an_administrator_cannot_take_their_own_role_or_deactivate_themself(municipality, admin):
    with pytest.raises(RuleViolation):
        services.change_staff(
            user=admin, roles=[Role.EDITOR.value], units=[], loaded_state=staff_state(admin), acting_user=admin
        )
    with pytest.raises(RuleViolation):
        services.deactivate_staff(user=admin, acting_user=admin)


@pytest.mark.parametrize("engine", ["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cache"])
def test_a_deactivated_person_is_logged_out_at_once_and_their_history_stays(
    client, settings, municipality, admin, engine
):
    settings.SESSION_ENGINE = engine
    unit = UnitFactory(municipality=municipality)
    caseworker = StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], units=[unit])
    citizen = CitizenFactory(municipality=municipality, units=[unit], created_by=caseworker)
    secret = enrol_totp(caseworker)  # a whole login through allauth's pages: password, then the app's code
    assert client.post(reverse("login"), {"login": caseworker.username, "password": PASSWORD}).status_code == 302
    assert client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)}).status_code == 302
    assert client.get(reverse("consent:citizens")).status_code == 200

    services.deactivate_staff(user=caseworker, acting_user=admin)

    response = client.get(reverse("consent:citizens"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert "_auth_user_id" not in client.session  # the session itself is gone
    caseworker.refresh_from_db()
    assert not caseworker.is_active
    assert [unit.pk for unit in caseworker.units.all()] == [unit.pk]
    assert Citizen.objects.get(pk=citizen.pk).created_by == caseworker
    assert client.post(reverse("login"), {"login": caseworker.username, "password": PASSWORD}).status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_deactivated_persons_open_invitation_stops_working_and_a_new_one_lets_them_back(
    municipality, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        person = invite(municipality, admin)
    old_token = token_from(mail.outbox[0])
    services.deactivate_staff(user=person, acting_user=admin)
    with pytest.raises(services.InvitationUnusable):
        services.accept_invitation(token=old_token, password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        services.reinvite_staff(user=person, acting_user=admin, base_url=BASE)
    services.accept_invitation(token=token_from(mail.outbox[1]), password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    person.refresh_from_db()
    assert person.is_active and person.check_password(NEW_PASSWORD)


def test_a_deactivated_persons_second_factors_are_removed_so_that_back_again_they_set_up_new_ones(
    client, municipality, admin
):
    caseworker = StaffFactory(municipality=municipality, roles=[Role.CASEWORKER])
    enrol_totp(caseworker)
    services.deactivate_staff(user=caseworker, acting_user=admin)
    assert not Authenticator.objects.filter(user=caseworker).exists()
    assert LogEntry.objects.filter(object_id=str(caseworker.pk)).latest("pk").change_message == (
        "Deaktiveret; vedkommendes anden faktor er fjernet."
    )
    User.objects.filter(pk=caseworker.pk).update(is_active=True)  # as reinvite_staff and a new password do
    caseworker.set_password(NEW_PASSWORD)
    caseworker.save()
    assert client.post(reverse("login"), {"login": caseworker.username, "password": NEW_PASSWORD}).status_code == 302
    assert client.get(reverse("staff-home"))["Location"].startswith(reverse("mfa_activate_totp"))


def test_deactivation_empties_what_the_identity_provider_sent_but_keeps_the_subject(municipality, admin):
    from allauth.socialaccount.models import SocialAccount

    caseworker = StaffFactory(municipality=municipality, roles=[Role.CASEWORKER])
    link = SocialAccount.objects.create(
        user=caseworker, provider=municipality.slug, uid="sub-4711", extra_data={"name": "Sara", "email": "s@x.dk"}
    )
    services.deactivate_staff(user=caseworker, acting_user=admin)
    link.refresh_from_db()
    assert link.extra_data == {} and link.uid == "sub-4711"  # let back in, they are still found by the subject


def test_units_are_created_renamed_and_closed_and_a_closed_units_staff_lose_it(municipality, admin):
    unit = services.create_unit(
        municipality=municipality, name="Plejecenter  Åbo", area=Area.ELDERLY, acting_user=admin
    )
    assert unit.name == "Plejecenter Åbo"
    with pytest.raises(services.DuplicateUnit):
        services.create_unit(municipality=municipality, name="plejecenter åbo", area=Area.ELDERLY, acting_user=admin)
    services.rename_unit(unit=unit, name="Plejecenter Åbo Syd", area=Area.HEALTH, acting_user=admin)
    caseworker = StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], units=[unit])
    citizen = CitizenFactory(municipality=municipality, units=[unit], created_by=admin)

    services.close_unit(unit=unit, acting_user=admin)

    unit.refresh_from_db()
    assert unit.closed_on == timezone.localdate()
    assert not caseworker.units.exists()
    assert list(citizen.units.all()) == [unit]  # the citizen's history keeps the unit
    assert unit not in consent_policy.units_for_registration(admin)


def test_every_change_is_in_the_admin_log_with_who_did_it(municipality, admin):
    unit = services.create_unit(municipality=municipality, name="Åbo", area=Area.ELDERLY, acting_user=admin)
    person = invite(municipality, admin)
    services.change_staff(
        user=person, roles=[Role.CASEWORKER.value], units=[unit], loaded_state=staff_state(person), acting_user=admin
    )
    services.deactivate_staff(user=person, acting_user=admin)
    entries = list(LogEntry.objects.order_by("pk").values_list("user_id", "object_repr", "change_message"))
    assert entries == [
        (admin.pk, "Åbo", "Oprettet (Ældre)."),
        (admin.pk, "ny@kommune.example", "Inviteret. Roller: Sagsbehandler. Enheder: –."),
        (admin.pk, "ny@kommune.example", "Enheder: – → Åbo."),
        (admin.pk, "ny@kommune.example", "Deaktiveret."),
    ]


def import_file(municipality, admin, data: bytes, name="opsaetning.csv"):
    parsed = parse_upload(name, data, max_bytes=2 * 1024 * 1024)
    return services.import_units_and_staff(municipality=municipality, parsed=parsed, acting_user=admin, base_url=BASE)


SETUP_UNITS = "navn;område\nPlejecenter Åbo;ældre\nBofællesskab Æble;handicap\n".encode()
SETUP_STAFF = (
    "navn;e-mail;roller;enheder\n"
    "Anna Hansen;anna@kommune.example;Sagsbehandler;Plejecenter Åbo\n"
    "Bo Berg;bo@kommune.example;Sagsbehandler|Leder;Plejecenter Åbo|Bofællesskab Æble\n"
).encode()


def everything(municipality):
    return (
        sorted(municipality.units.values_list("name", "area", "closed_on")),
        sorted(
            (
                user.email,
                user.is_staff,
                tuple(sorted(g.name for g in user.groups.all())),
                tuple(sorted(u.name for u in user.units.all())),
            )
            for user in User.objects.filter(municipality=municipality).prefetch_related("groups", "units")
        ),
        StaffInvitation.objects.count(),
        LogEntry.objects.count(),
    )


def test_importing_the_same_file_twice_changes_nothing_the_second_time(
    municipality, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first_units = import_file(municipality, admin, SETUP_UNITS)
        first_staff = import_file(municipality, admin, SETUP_STAFF)
    assert first_units.units_created == ["Plejecenter Åbo", "Bofællesskab Æble"]
    assert first_staff.staff_invited == ["anna@kommune.example", "bo@kommune.example"]
    assert sorted(message.to[0] for message in mail.outbox) == ["anna@kommune.example", "bo@kommune.example"]
    before = everything(municipality)

    with django_capture_on_commit_callbacks(execute=True):
        assert import_file(municipality, admin, SETUP_UNITS).changed_nothing
        assert import_file(municipality, admin, SETUP_STAFF).changed_nothing

    assert everything(municipality) == before
    assert len(mail.outbox) == 2


def test_a_file_with_one_bad_row_imports_nothing(municipality, admin):
    data = (
        "navn;e-mail;roller;enheder\n"
        "Anna Hansen;anna@kommune.example;Sagsbehandler;\n"
        "Bo Berg;bo@kommune.example;Direktør;\n"
    ).encode()
    before = everything(municipality)
    with pytest.raises(RuleViolation):
        import_file(municipality, admin, data)
    assert everything(municipality) == before


def test_an_import_that_fails_halfway_leaves_nothing_behind(municipality, admin):
    # The units are made first; then the administrator's own row would take their role away, which
    # change_staff refuses: the new unit must be gone too.
    data = xlsx(
        {
            "Enheder": [["navn", "område"], ["Nyt Center", "ældre"]],
            "Personale": [["navn", "e-mail", "roller", "enheder"], ["Mig Selv", admin.email, "Leder", "Nyt Center"]],
        }
    )
    before = everything(municipality)
    with pytest.raises(RuleViolation):
        import_file(municipality, admin, data, name="opsaetning.xlsx")
    assert everything(municipality) == before
