"""factory_boy factories for the access request, the log checks and break-the-glass tests."""

import factory
from django.contrib.auth.models import Group

from consent.models import AuditEvent
from portal.models import User
from tests.factories import PASSWORD


class StaffFactory(factory.django.DjangoModelFactory):
    """A member of staff: `StaffFactory(municipality=m, roles=[Role.CASEWORKER], units=[unit])`."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"medarbejder{n}")
    first_name = factory.Sequence(lambda n: f"Fornavn{n}")
    last_name = "Efternavn"
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, roles, **kwargs):
        for role in roles or ():
            self.groups.add(Group.objects.get_or_create(name=role.value)[0])

    @factory.post_generation
    def units(self, create, units, **kwargs):
        if units:
            self.units.set(units)


class AuditEventFactory(factory.django.DjangoModelFactory):
    """A log entry at a chosen time (the services write entries at "now")."""

    class Meta:
        model = AuditEvent

    municipality = factory.SelfAttribute("actor.municipality")
    event = AuditEvent.Event.CITIZEN_VIEWED
    payload = factory.LazyAttribute(lambda event: {"citizen_id": event.citizen.pk} if event.citizen else {})
