from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = _("Consent and agreements")

    def load_demo_data(self, *, stdout) -> None:
        """`manage.py demo`'s hook: a fictitious citizen with a consent in every municipality (see consent.demo)."""
        from .demo import load_demo_data

        load_demo_data(stdout=stdout)
