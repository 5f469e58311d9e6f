"""factory_boy factories for staff administration's tests. Synthetic: names and addresses are made up."""

import factory
from django.contrib.auth.models import Group

from portal.models import Area, Municipality, Unit, User
from portal.roles import Role

PASSWORD = "correct-horse-battery-staple"


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    name = factory.Sequence(lambda n: f"Stafby{n} Kommune")
    slug = factory.Sequence(lambda n: f"stafby{n}")
    kommunekode = factory.Sequence(lambda n: f"0{700 + n % 200:03d}")
    website = factory.LazyAttribute(lambda m: f"https://{m.slug}.example")
    policy_title = factory.LazyAttribute(lambda m: f"Pårørendepolitik for {m.name}")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Enhed {n}")
    area = Area.ELDERLY


class StaffFactory(factory.django.DjangoModelFactory):
    """A member of staff; `roles=[Role.…]` gives them roles, `units=[…]` units."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}@stafby.example")
    email = factory.LazyAttribute(lambda u: u.username)
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    municipality = factory.SubFactory(MunicipalityFactory)
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            roles: list[Role] = list(extracted)
            self.groups.set(Group.objects.filter(name__in=[role.value for role in roles]))
            self.is_staff = bool({Role.EDITOR, Role.MANAGER, Role.MUNICIPALITY_ADMIN} & set(roles))
            self.save(update_fields=["is_staff"])

    @factory.post_generation
    def units(self, create, extracted, **kwargs):
        if create and extracted:
            self.units.set(extracted)
