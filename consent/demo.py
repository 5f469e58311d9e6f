"""Demo data for trying the caseworker's pages: one fictitious citizen per municipality.

Called by `manage.py demo` through ConsentConfig.load_demo_data, after portal has created the
municipalities, the demo units and the demo staff. Everything goes through consent.services, so the
demo data is audited like real work. Running it again adds nothing.
"""

from django.db import transaction
from django.utils import timezone

from portal.models import Municipality, User
from portal.roles import Role

from . import services
from .cpr import cpr_digest, parse_cpr
from .models import Citizen, Consent, HelpChange, InformationCategory, Relative

DEMO_CITIZEN = "Fiktiv Borger (demo)"
DEMO_CPR = "010150-0000"  # a made-up number: 1 January 1950, serial 0000
DEMO_RELATIVE = "Fiktiv Datter"
DEMO_HELP_CHANGE = "Hjemmeplejen kommer om morgenen kl. 8 i stedet for kl. 7 (demo)."


def demo_caseworker(municipality: Municipality) -> User | None:
    """The municipality's first active caseworker who has units (portal's demo gives them the demo units)."""
    caseworkers = User.objects.filter(
        municipality=municipality, is_active=True, groups__name=Role.CASEWORKER.value, units__isnull=False
    )
    return caseworkers.distinct().order_by("pk").first()


@transaction.atomic
def load_demo_data(*, stdout) -> None:
    """A fictitious citizen with a daughter, a written consent and a change in the help (to tell the daughter
    about) in every municipality that has a caseworker."""
    today = timezone.localdate()
    digest = cpr_digest(parse_cpr(DEMO_CPR)[0])
    for municipality in Municipality.objects.order_by("name"):
        caseworker = demo_caseworker(municipality)
        if caseworker is None:
            stdout.write(f"No caseworker with units in {municipality.name}: no demo citizen there.")
            continue
        if Citizen.objects.filter(municipality=municipality, cpr_digest=digest).exists():
            continue
        citizen = services.register_citizen(
            municipality=municipality,
            name=DEMO_CITIZEN,
            cpr=DEMO_CPR,
            units=list(caseworker.units.order_by("pk")[:1]),
            acting_user=caseworker,
        )
        daughter = services.add_relative(
            citizen=citizen, relative=Relative(name=DEMO_RELATIVE, relation="datter"), acting_user=caseworker
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
        # A change to tell the daughter about: the change's page lists her, with the drafted message.
        services.record_help_change(
            citizen=citizen,
            help_change=HelpChange(
                kind=HelpChange.Kind.CHANGED_TIMES,
                changes_on=today,
                summary=DEMO_HELP_CHANGE,
            ),
            acting_user=caseworker,
        )
    stdout.write(f"Demo citizen “{DEMO_CITIZEN}” (CPR {DEMO_CPR}, fictitious) in every municipality.")
