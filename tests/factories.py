"""factory_boy factories for every model the tests build. Synthetic data only: names, codes and CPR
numbers are made up, never a real municipality's or person's.

Staff get their roles as `portal.roles.Role` members: `StaffFactory(municipality=m, roles=[Role.MANAGER])`.
Rows that a test needs written by a service, with what the service writes besides (the audit log), come from
tests.service_helpers; composed data sets (a survey with answers, the browser checks' data) from tests.scenarios.
"""

import itertools
from datetime import timedelta
from decimal import Decimal

import factory
from allauth.socialaccount.models import SocialApp
from django.contrib.auth.models import Group
from django.utils import timezone
from factory.django import DjangoModelFactory

from consent.cpr import cpr_digest, parse_cpr
from consent.models import Agreement, AuditEvent, Citizen, Consent, Relative
from contacts.models import ContactPoint, Need, Situation, SituationContact
from portal.models import Area, Municipality, Page, Section, Unit, User
from portal.roles import Role
from portal.staff_rules import admin_access
from surveys import codes, services
from surveys.models import Answer, ExternalResult, Indicator, Invitation, Question, Survey, SurveyResponse, Wave

PASSWORD = "correct-horse-battery-staple"
STAFF_ROLES = frozenset({Role.EDITOR, Role.MANAGER, Role.MUNICIPALITY_ADMIN})  # roles that work in the admin
_cpr_numbers = itertools.count(1)


def today():
    return timezone.localdate()


def make_cpr(number: int | None = None) -> str:
    """A made-up CPR number that parses: a date in 1950–1999 and a serial whose 7th digit means 1900s."""
    number = next(_cpr_numbers) if number is None else number
    return f"{number % 28 + 1:02d}{number % 12 + 1:02d}{50 + number % 50:02d}-{1000 + number % 3000:04d}"


# --- portal ---------------------------------------------------------------------------------------------


class MunicipalityFactory(DjangoModelFactory):
    """`MunicipalityFactory(town="Testrup", slug="testrup", kommunekode="0901")`: "Testrup Kommune"."""

    class Meta:
        model = Municipality

    class Params:
        town = factory.Sequence(lambda n: f"Testby{n}")

    name = factory.LazyAttribute(lambda o: f"{o.town} Kommune")
    slug = factory.LazyAttribute(lambda o: o.town.lower())
    kommunekode = factory.Sequence(lambda n: f"{800 + n % 100:04d}")
    website = factory.LazyAttribute(lambda o: f"https://{o.slug}.example")
    policy_title = factory.LazyAttribute(lambda o: f"Pårørendepolitik for {o.town}")


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Plejecenter {n}")
    area = Area.ELDERLY


# The data migrations that make the staff roles' groups and give them their permissions, each app its own.
ROLE_MIGRATIONS = [
    ("portal", "0002_roles", "create_roles"),
    ("portal", "0008_data_protection_officer", "create_role"),
    ("contacts", "0002_editors_keep_the_directory", "grant_directory"),
    ("contacts", "0006_role_contact_for_relatives", "create_role"),
    ("surveys", "0002_managers_run_surveys", "grant_survey_setup"),
]
_migrated_apps = []  # the project's state after every migration, built once per test process


def restore_role_groups() -> None:
    """The staff roles' groups with their permissions as the migrations make them, made again if Django's own flush
    emptied the tables (post_migrate makes content types and permissions again, not groups). tests.quick_flush, which
    ends the transactional tests, keeps them; Django's flush still ends a test with available_apps or
    serialized_rollback."""
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    if Group.objects.filter(name__in=Role.values).count() == len(Role) and Group.permissions.through.objects.exists():
        return
    if not _migrated_apps:
        _migrated_apps.append(MigrationLoader(connection).project_state().apps)
    for app, migration, function in ROLE_MIGRATIONS:
        getattr(importlib.import_module(f"{app}.migrations.{migration}"), function)(_migrated_apps[0], None)


class StaffFactory(DjangoModelFactory):
    """A member of staff with `roles` (Role members) and, for a caseworker, `units`.

    Editors and municipality administrators work in the admin, so they are `is_staff` unless told otherwise.
    The roles' groups, with their permissions, are made again if Django's own flush emptied the tables.
    """

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: o.username if "@" in o.username else f"{o.username}@kommune.example")
    password = factory.django.Password(PASSWORD)
    municipality = factory.SubFactory(MunicipalityFactory)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        roles = [Role(role) for role in extracted or ()]
        assert all(isinstance(role, Role) for role in extracted or ()), "roles are portal.roles.Role members"
        if not create or not roles:
            return
        restore_role_groups()
        self.groups.set([Group.objects.get(name=role.value) for role in roles])
        # As the staff pages decide (admin_access), and as a platform superuser would tick it for the admin's roles.
        if not self.is_staff and (admin_access([role.value for role in roles]) or STAFF_ROLES & set(roles)):
            self.is_staff = True
            self.save(update_fields=["is_staff"])

    @factory.post_generation
    def units(self, create, extracted, **kwargs):
        if create and extracted:
            self.units.set(extracted)


class SuperuserFactory(StaffFactory):
    """A platform superuser: no municipality, no role."""

    username = factory.Sequence(lambda n: f"super{n}")
    municipality = None
    is_staff = True
    is_superuser = True


class IdentityProviderFactory(factory.django.DjangoModelFactory):
    """A municipality's identity provider: an allauth SocialApp of the openid_connect provider, id = the slug."""

    class Meta:
        model = SocialApp

    class Params:
        municipality = None
        issuer = "http://127.0.0.1:1"

    provider = "openid_connect"
    provider_id = factory.LazyAttribute(lambda app: app.municipality.slug)
    name = factory.LazyAttribute(lambda app: app.municipality.name)
    client_id = factory.Sequence(lambda n: f"client-{n}")
    secret = factory.Sequence(lambda n: f"secret-{n}")
    settings = factory.LazyAttribute(lambda app: {"server_url": app.issuer})


class PageFactory(DjangoModelFactory):
    """A page with `sections` text sections (1 unless told)."""

    class Meta:
        model = Page
        skip_postgeneration_save = True

    municipality = factory.SubFactory(MunicipalityFactory)
    slug = "side"
    title = factory.LazyAttribute(lambda o: o.slug.title())
    is_published = True  # published as it is made (a version); False: a draft never published

    @factory.post_generation
    def sections(self, create, extracted, **kwargs):
        if create:
            for order in range(1 if extracted is None else extracted):
                SectionFactory(page=self, order=order)
            if self.is_published:
                from portal.services import publish_page

                publish_page(acting_user=None, page=self)


class SectionFactory(DjangoModelFactory):
    class Meta:
        model = Section

    page = factory.SubFactory(PageFactory, sections=0)
    order = factory.Sequence(lambda n: n)
    kind = Section.Kind.TEXT
    heading = factory.LazyAttribute(lambda o: f"Afsnit {o.order}")
    body = factory.LazyAttribute(lambda o: f"Tekst {o.order}.")


# --- consent: citizens, relatives, consents and agreements ----------------------------------------------


class CitizenFactory(DjangoModelFactory):
    """A citizen written directly (no audit row: for that, tests.service_helpers.register_citizen)."""

    class Meta:
        model = Citizen
        skip_postgeneration_save = True

    class Params:
        cpr = factory.LazyFunction(make_cpr)
        digits = factory.LazyAttribute(lambda o: parse_cpr(o.cpr)[0])

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Borger {n}")
    cpr_digest = factory.LazyAttribute(lambda o: cpr_digest(o.digits))
    cpr_birth_part = factory.LazyAttribute(lambda o: o.digits[:6])
    birth_date = factory.LazyAttribute(lambda o: parse_cpr(o.cpr)[1])
    created_by = factory.SubFactory(StaffFactory, municipality=factory.SelfAttribute("..municipality"))

    @factory.post_generation
    def units(self, create, extracted, **kwargs):
        if create and extracted:
            self.units.set(extracted)


class RelativeFactory(DjangoModelFactory):
    class Meta:
        model = Relative

    citizen = factory.SubFactory(CitizenFactory)
    name = factory.Sequence(lambda n: f"Pårørende {n}")
    relation = "datter"


class ConsentFactory(DjangoModelFactory):
    """A current permission about `relative` (health and practical matters, given orally today, one year)."""

    class Meta:
        model = Consent

    relative = factory.SubFactory(RelativeFactory)
    citizen = factory.SelfAttribute("relative.citizen")
    recorded_by = factory.SubFactory(StaffFactory, municipality=factory.SelfAttribute("..citizen.municipality"))
    decision = Consent.Decision.PERMIT
    categories = factory.LazyFunction(lambda: ["helbred", "praktiske_forhold"])
    contact = Consent.Contact.STAFF_MAY_CONTACT
    form = Consent.Form.ORAL
    oral_note = "Borgeren sagde ja i samtalen."
    given_on = factory.LazyFunction(today)
    valid_from = factory.LazyFunction(today)
    valid_until = factory.LazyFunction(lambda: today() + timedelta(days=365))


class AgreementFactory(DjangoModelFactory):
    class Meta:
        model = Agreement

    citizen = factory.SubFactory(CitizenFactory)
    created_by = factory.SubFactory(StaffFactory, municipality=factory.SelfAttribute("..citizen.municipality"))
    description = factory.Sequence(lambda n: f"Aftale {n}")
    responsible = Agreement.Party.STAFF
    follow_up_every_days = 30
    next_follow_up = factory.LazyFunction(lambda: today() + timedelta(days=30))


class AuditEventFactory(DjangoModelFactory):
    """A log entry at a chosen time (the services write entries at "now")."""

    class Meta:
        model = AuditEvent

    municipality = factory.SelfAttribute("actor.municipality")
    event = AuditEvent.Event.CITIZEN_VIEWED
    payload = factory.LazyAttribute(lambda event: {"citizen_id": event.citizen.pk} if event.citizen else {})


# --- contacts: the "Find rundt" directory ---------------------------------------------------------------


class NeedFactory(DjangoModelFactory):
    class Meta:
        model = Need

    municipality = factory.SubFactory(MunicipalityFactory)
    order = factory.Sequence(lambda n: n)
    name = factory.LazyAttribute(lambda o: f"Behov {o.order}")


class ContactPointFactory(DjangoModelFactory):
    """A contact point with every optional field filled."""

    class Meta:
        model = ContactPoint

    class Params:
        number = factory.Sequence(lambda n: n)

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.LazyAttribute(lambda o: f"Team {o.number}")
    description = factory.LazyAttribute(lambda o: f"Team {o.number} hjælper med det meste.")
    phone = "36392880"
    email = factory.LazyAttribute(lambda o: f"team{o.number}@testrup.example")
    website = factory.LazyAttribute(lambda o: f"https://testrup.example/team-{o.number}")
    opening_hours = "Mandag–torsdag 8–15, fredag 8–13"


class SituationFactory(DjangoModelFactory):
    class Meta:
        model = Situation

    need = factory.SubFactory(NeedFactory)
    order = factory.Sequence(lambda n: n)
    text = factory.LazyAttribute(lambda o: f"Situation nummer {o.order}")
    note = ""


class SituationContactFactory(DjangoModelFactory):
    class Meta:
        model = SituationContact

    situation = factory.SubFactory(SituationFactory)
    contact_point = factory.SubFactory(
        ContactPointFactory, municipality=factory.SelfAttribute("..situation.need.municipality")
    )
    ask_about = factory.Sequence(lambda n: f"Spørg om {n}.")


# --- surveys --------------------------------------------------------------------------------------------


class SurveyFactory(DjangoModelFactory):
    class Meta:
        model = Survey

    municipality = factory.SubFactory(MunicipalityFactory)
    title = "Pårørendeundersøgelsen"


class QuestionFactory(DjangoModelFactory):
    class Meta:
        model = Question

    survey = factory.SubFactory(SurveyFactory)
    kind = Question.Kind.SCALE
    order = 0
    text = factory.LazyAttribute(lambda o: f"Spørgsmål {o.order}")


class IndicatorFactory(DjangoModelFactory):
    """Saved through surveys.services.save_indicator, which gives a question's default positive answers.
    A float target or baseline is taken as the decimal it reads as."""

    class Meta:
        model = Indicator

    question = factory.SubFactory(QuestionFactory)
    name = factory.Sequence(lambda n: f"Indikator {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        for key in ("target", "baseline"):
            if isinstance(kwargs.get(key), float):
                kwargs[key] = Decimal(str(kwargs[key]))
        return services.save_indicator(indicator=model_class(*args, **kwargs))


class WaveFactory(DjangoModelFactory):
    class Meta:
        model = Wave
        skip_postgeneration_save = True

    survey = factory.SubFactory(SurveyFactory)
    name = factory.Sequence(lambda n: f"Runde {n}")
    opens_on = factory.LazyFunction(lambda: today() - timedelta(days=7))
    closes_on = factory.LazyFunction(lambda: today() + timedelta(days=30))

    @factory.post_generation
    def units(self, create, extracted, **kwargs):
        if create and extracted:
            self.units.add(*extracted)


class InvitationFactory(DjangoModelFactory):
    """An invitation whose code is `code` (normalized as a respondent's typing is; a made-up one unless told)."""

    class Meta:
        model = Invitation

    class Params:
        code = factory.Sequence(lambda n: f"kode-{n}")

    wave = factory.SubFactory(WaveFactory)
    unit = factory.SubFactory(UnitFactory, municipality=factory.SelfAttribute("..wave.survey.municipality"))
    code_digest = factory.LazyAttribute(lambda o: codes.digest(codes.normalize(o.code) or o.code))


class SurveyResponseFactory(DjangoModelFactory):
    class Meta:
        model = SurveyResponse

    wave = factory.SubFactory(WaveFactory)
    unit = None
    submitted_on = factory.SelfAttribute("wave.opens_on")


class AnswerFactory(DjangoModelFactory):
    class Meta:
        model = Answer

    response = factory.SubFactory(SurveyResponseFactory)
    question = factory.SubFactory(QuestionFactory, survey=factory.SelfAttribute("..response.wave.survey"))
    value = ""
    text = ""


class ExternalResultFactory(DjangoModelFactory):
    """A result measured outside the portal: `positive` of `n` (and `dont_know`) for a wave and an indicator."""

    class Meta:
        model = ExternalResult

    wave = factory.SubFactory(WaveFactory)
    indicator = factory.SubFactory(IndicatorFactory)
    unit = None
    positive = 0
    n = 0
    dont_know = 0
