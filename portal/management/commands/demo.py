"""Demo data for trying the portal: the five policies, plus clearly synthetic units, staff and survey answers."""

import secrets

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from consent import services
from consent.models import Citizen, Consent, InformationCategory, Relative
from portal.models import Area, Municipality, Unit, User
from portal.roles import Role

DEMO_UNITS = [
    ("Demo-plejecenter (fiktivt)", Area.ELDERLY),
    ("Demo-hjemmepleje, distrikt Nord (fiktivt)", Area.ELDERLY),
    ("Demo-bofællesskab (fiktivt)", Area.DISABILITY),
]
DEMO_CITIZEN = "Fiktiv Borger (demo)"
DEMO_CPR = "010150-0000"  # a made-up number: 1 January 1950, serial 0000
DEMO_ROLES = [
    ("redaktoer", Role.EDITOR, True),
    ("admin", Role.MUNICIPALITY_ADMIN, True),
    ("sagsbehandler", Role.CASEWORKER, False),
    ("leder", Role.MANAGER, True),
]


class Command(BaseCommand):
    help = (
        "Load the five policies, directories and questionnaires and create demo units, staff accounts and "
        "fictitious survey answers (synthetic, never real people). Passwords are new on every run and printed once."
    )

    def handle(self, *args, **options):
        call_command("load_policies", stdout=self.stdout)
        call_command("load_directories", stdout=self.stdout)
        call_command("load_surveys", stdout=self.stdout)
        accounts = self.create_demo_staff()
        call_command("demo_survey_answers", stdout=self.stdout)  # needs the demo units
        self.create_demo_citizens()
        self.stdout.write("\nDemo accounts (username / password):")
        for username, password, description in accounts:
            self.stdout.write(f"  {username:<28} {password}   {description}")

    @transaction.atomic
    def create_demo_citizens(self) -> None:
        """One fictitious citizen per municipality, with a relative and a consent, for the caseworker to open."""
        today = timezone.localdate()
        for municipality in Municipality.objects.order_by("name"):
            caseworker = User.objects.get(username=f"{municipality.slug}-sagsbehandler")
            if Citizen.objects.filter(municipality=municipality, name=DEMO_CITIZEN).exists():
                continue
            citizen = services.register_citizen(
                municipality=municipality,
                name=DEMO_CITIZEN,
                cpr=DEMO_CPR,
                units=list(caseworker.units.all()[:1]),
                acting_user=caseworker,
            )
            daughter = services.add_relative(
                citizen=citizen, relative=Relative(name="Fiktiv Datter", relation="datter"), acting_user=caseworker
            )
            services.record_consent(
                consent=Consent(
                    citizen=citizen,
                    relative=daughter,
                    decision=Consent.Decision.PERMIT,
                    categories=[InformationCategory.HEALTH, InformationCategory.PRACTICAL],
                    contact=Consent.Contact.STAFF_MAY_CONTACT,
                    form=Consent.Form.WRITTEN,
                    given_on=today,
                    valid_from=today,
                ),
                acting_user=caseworker,
            )
        self.stdout.write(f"Demo citizen “{DEMO_CITIZEN}” (CPR {DEMO_CPR}, fictitious) in every municipality.")

    @transaction.atomic
    def create_demo_staff(self) -> list[tuple[str, str, str]]:
        accounts = []
        superuser_password = secrets.token_urlsafe(12)
        superuser, _created = User.objects.get_or_create(username="platform", defaults={"is_superuser": True})
        superuser.is_superuser = superuser.is_staff = True
        superuser.set_password(superuser_password)
        superuser.save()
        accounts.append(("platform", superuser_password, "platform superuser, all municipalities"))
        for municipality in Municipality.objects.order_by("name"):
            for name, area in DEMO_UNITS:
                Unit.objects.get_or_create(municipality=municipality, name=name, defaults={"area": area})
            for suffix, role, is_staff in DEMO_ROLES:
                username = f"{municipality.slug}-{suffix}"
                password = secrets.token_urlsafe(12)
                user, _created = User.objects.get_or_create(
                    username=username,
                    defaults={"municipality": municipality, "first_name": "Demo", "last_name": role.value},
                )
                user.is_staff = is_staff
                user.set_password(password)
                user.save()
                user.groups.set([Group.objects.get(name=role.value)])
                if role == Role.CASEWORKER:
                    user.units.set(municipality.units.filter(name__in=[name for name, _area in DEMO_UNITS]))
                accounts.append((username, password, f"{role.label}, {municipality.name}"))
        return accounts
