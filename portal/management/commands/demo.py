"""Demo data for trying the portal: the five policies, synthetic units and staff, then each app's own demo data.

The core knows no feature app: after its own part it calls `load_demo_data(*, stdout)` on every
installed app's AppConfig that has one, in the order of INSTALLED_APPS (the contact directories, the
fictitious citizens, the questionnaires and their fictitious answers). An app's demo data may use the
demo units and the staff accounts named here (`<municipality slug>-sagsbehandler`, `-leder`,
`-redaktoer`, `-admin`). The `-admin` account runs the municipality's staff pages (/personale/administration/):
invite, roles, units, import; in the demo the invitation e-mails are printed on the console.
"""

import secrets

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from portal.models import Area, Municipality, Unit, User
from portal.roles import Role
from portal.staff_rules import admin_access

DEMO_UNITS = [
    ("Demo-plejecenter (fiktivt)", Area.ELDERLY),
    ("Demo-hjemmepleje, distrikt Nord (fiktivt)", Area.ELDERLY),
    ("Demo-bofællesskab (fiktivt)", Area.DISABILITY),
]
# (username suffix, role); whether the account may use the Django admin follows the role (staff_rules.admin_access)
DEMO_ROLES = [
    ("redaktoer", Role.EDITOR),
    ("admin", Role.MUNICIPALITY_ADMIN),
    ("sagsbehandler", Role.CASEWORKER),
    ("leder", Role.MANAGER),
]


class Command(BaseCommand):
    help = (
        "Load the five policies, create demo units and staff accounts, and let every app add its demo data "
        "(synthetic, never real people). Passwords are new on every run and printed once."
    )

    def handle(self, *args, **options):
        call_command("load_policies", stdout=self.stdout)
        accounts = create_demo_staff()
        for app_config in apps.get_app_configs():
            load_demo_data = getattr(app_config, "load_demo_data", None)
            if load_demo_data is not None:
                load_demo_data(stdout=self.stdout)
        self.stdout.write("\nDemo accounts (username / password):")
        for username, password, description in accounts:
            self.stdout.write(f"  {username:<28} {password}   {description}")
        self.stdout.write(
            "\nEvery login asks for a second factor: the code of an authenticator app. Each demo account has one"
            "\nset up; print its current code with  .venv/bin/python manage.py demo_totp <username>"
            "\n(demo accounts only, and only with DJANGO_DEBUG=true)."
        )


@transaction.atomic
def create_demo_staff() -> list[tuple[str, str, str]]:
    """The platform superuser, and in every municipality the demo units and one account per role.

    Returns (username, new password, description) for each account.
    """
    _superuser, password = demo_account("platform", defaults={"is_superuser": True}, is_superuser=True, is_staff=True)
    accounts = [("platform", password, "platform superuser, all municipalities")]
    for municipality in Municipality.objects.order_by("name"):
        demo_units = [
            Unit.objects.get_or_create(municipality=municipality, name=name, defaults={"area": area})[0]
            for name, area in DEMO_UNITS
        ]
        for suffix, role in DEMO_ROLES:
            user, password = demo_account(
                f"{municipality.slug}-{suffix}",
                defaults={
                    "municipality": municipality,
                    "first_name": "Demo",
                    "last_name": role.value,
                    "email": f"{municipality.slug}-{suffix}@demo.invalid",
                },
                is_staff=admin_access([role.value]),
            )
            user.groups.set([Group.objects.get(name=role.value)])
            description = f"{role.label}, {municipality.name}"
            if role == Role.CASEWORKER:
                user.units.set(demo_units)
                # The demo's caseworker also answers relatives' "Ring mig op" (the role the administrator gives).
                user.groups.add(Group.objects.get(name=Role.RELATIVES_CONTACT.value))
                description = f"{role.label} + {Role.RELATIVES_CONTACT.label}, {municipality.name}"
            accounts.append((user.username, password, description))
    return accounts


def demo_account(username: str, *, defaults: dict, **fields) -> tuple[User, str]:
    """The account `username` (made with `defaults` if missing), with `fields` set, a new random password and
    a new authenticator app (TOTP; `manage.py demo_totp` prints its code)."""
    user, _created = User.objects.get_or_create(username=username, defaults=defaults)
    for name, value in fields.items():
        setattr(user, name, value)
    password = secrets.token_urlsafe(12)
    user.set_password(password)
    user.save()
    Authenticator.objects.filter(user=user).delete()
    TOTP.activate(user, generate_totp_secret())
    return user, password


def demo_usernames() -> set[str]:
    """The accounts this command makes: the only ones `demo_totp` gives codes for."""
    slugs = Municipality.objects.values_list("slug", flat=True)
    return {"platform"} | {f"{slug}-{suffix}" for slug in slugs for suffix, _role in DEMO_ROLES}
