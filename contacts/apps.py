from datetime import time
from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from portal.schedule import Every, Job


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Find your way (contact directory)")
    periodic_tasks = (
        Job("contacts.editor_reminders", "contacts.tasks.send_editor_reminders", Every.MONTH, day=1, at=time(7)),
    )

    def ready(self) -> None:
        import_module(f"{self.name}.signals")  # connects the signal receivers
        from portal.site_search import site_search

        for provider in import_module(f"{self.name}.site_search").PROVIDERS:
            site_search.register(provider)  # the municipality's site search finds pages, situations and offers

    def load_demo_data(self, *, stdout) -> None:
        """The demo's part of this app (portal's `manage.py demo`): every municipality's directory from fixtures/."""
        from django.core.management import call_command

        call_command("load_directories", stdout=stdout)
