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
