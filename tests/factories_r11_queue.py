"""factory_boy factories for the reminder tests (the task-queue branch)."""

from datetime import timedelta

import factory
from django.utils import timezone

from contacts.models import ContactPoint


class ContactPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPoint

    name = factory.Sequence(lambda n: f"Kontaktpunkt {n}")
    phone = "36392880"
    last_checked = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=400))
