from datetime import time

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from portal.schedule import Every, Job


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = _("Consent and agreements")
    # The retention job of the records issue registers here too, e.g.
    # Job("consent.retention", "consent.tasks.apply_retention", Every.DAY, at=time(2, 30)).
    periodic_tasks = (
        Job("consent.caseworker_reminders", "consent.tasks.send_caseworker_reminders", Every.DAY, at=time(6, 30)),
    )

    def load_demo_data(self, *, stdout) -> None:
        """`manage.py demo`'s hook: a fictitious citizen with a consent in every municipality (see consent.demo)."""
        from .demo import load_demo_data

        load_demo_data(stdout=stdout)
