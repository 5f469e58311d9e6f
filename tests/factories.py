"""Synthetic test data. Never a real municipality's data: names and codes are made up."""

import itertools

from django.contrib.auth.models import Group

from portal.models import Municipality, Page, Section, User

_counter = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


def make_municipality(name: str, slug: str, kommunekode: str) -> Municipality:
    return Municipality.objects.create(
        name=f"{name} Kommune",
        slug=slug,
        kommunekode=kommunekode,
        website=f"https://{slug}.example",
        policy_title=f"Pårørendepolitik for {name}",
    )


def make_staff(municipality: Municipality | None, *roles: str, is_staff: bool | None = None, **fields) -> User:
    number = next(_counter)
    user = User.objects.create_user(
        username=fields.pop("username", f"user{number}"),
        password=PASSWORD,
        municipality=municipality,
        is_staff=bool({"Redaktør", "Kommuneadministrator"} & set(roles)) if is_staff is None else is_staff,
        **fields,
    )
    user.groups.set(Group.objects.filter(name__in=roles))
    return user


def make_superuser() -> User:
    return User.objects.create_superuser(username=f"super{next(_counter)}", password=PASSWORD)


def make_page(municipality: Municipality, slug: str = "side", *, sections: int = 1, **fields) -> Page:
    page = Page.objects.create(municipality=municipality, slug=slug, title=fields.pop("title", slug.title()), **fields)
    Section.objects.bulk_create(
        Section(page=page, order=i, kind=Section.Kind.TEXT, heading=f"Afsnit {i}", body=f"Tekst {i}.")
        for i in range(sections)
    )
    return page


# --- Consent (Samtykke): citizens, relatives, consents and agreements, all made up -------------


def make_unit(municipality: Municipality, name: str = "", area: str = "aeldre"):
    from portal.models import Unit

    return Unit.objects.create(municipality=municipality, name=name or f"Enhed {next(_counter)}", area=area)


def make_cpr(number: int | None = None) -> str:
    """A made-up CPR number that parses: a date in 1950–1999 and a serial whose 7th digit means 1900s."""
    number = next(_counter) if number is None else number
    return f"{number % 28 + 1:02d}{number % 12 + 1:02d}{50 + number % 50:02d}-{1000 + number % 3000:04d}"


def make_citizen(municipality: Municipality, *units, created_by: User, name: str = "", cpr: str = ""):
    from consent.cpr import cpr_digest, parse_cpr
    from consent.models import Citizen

    digits, born = parse_cpr(cpr or make_cpr())
    citizen = Citizen.objects.create(
        municipality=municipality,
        name=name or f"Borger {next(_counter)}",
        cpr_digest=cpr_digest(digits),
        cpr_birth_part=digits[:6],
        birth_date=born,
        created_by=created_by,
    )
    citizen.units.set(units)
    return citizen


def make_relative(citizen, name: str = "", **fields):
    from consent.models import Relative

    return Relative.objects.create(
        citizen=citizen, name=name or f"Pårørende {next(_counter)}", relation=fields.pop("relation", "datter"), **fields
    )


def make_consent(relative, *, recorded_by: User, **fields):
    """A current permission about `relative` (health and practical matters, given orally today, one year)."""
    from datetime import timedelta

    from django.utils import timezone

    from consent.models import Consent

    today = timezone.localdate()
    values = {
        "decision": Consent.Decision.PERMIT,
        "categories": ["helbred", "praktiske_forhold"],
        "contact": Consent.Contact.STAFF_MAY_CONTACT,
        "form": Consent.Form.ORAL,
        "oral_note": "Borgeren sagde ja i samtalen.",
        "given_on": today,
        "valid_from": today,
        "valid_until": today + timedelta(days=365),
        **fields,
    }
    return Consent.objects.create(citizen=relative.citizen, relative=relative, recorded_by=recorded_by, **values)


def make_agreement(citizen, *, created_by: User, **fields):
    from datetime import timedelta

    from django.utils import timezone

    from consent.models import Agreement

    values = {
        "description": f"Aftale {next(_counter)}",
        "responsible": Agreement.Party.STAFF,
        "follow_up_every_days": 30,
        "next_follow_up": timezone.localdate() + timedelta(days=30),
        **fields,
    }
    return Agreement.objects.create(citizen=citizen, created_by=created_by, **values)
