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
        Job("contacts.contact_request_notices", "contacts.tasks.send_contact_request_notices", Every.DAY, at=time(7)),
        Job("contacts.fail_abandoned_imports", "contacts.tasks.fail_abandoned_imports", Every.MINUTE),
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

    def personal_data_stores(self) -> list:
        """The relatives' contact requests (see portal.personal_data and contacts.services)."""
        from django.conf import settings

        from portal.personal_data import PersonalDataStore, days

        from .services import erase_expired_contact_requests

        return [
            PersonalDataStore(
                name=_("Relatives' contact requests"),
                what=_(
                    "The name, phone number and/or e-mail address and the few words of a relative who asked the "
                    "municipality to call or write; when they consented; who answered, when and how."
                ),
                why=_(
                    "To get in touch with the relative as they asked (their explicit consent, GDPR art. 6(1)(a)), "
                    "and to see that every request was answered."
                ),
                setting="CONTACT_REQUEST_RETENTION_DAYS",
                retention=lambda municipality: (
                    _("%(days)s after the request was sent") % {"days": days(settings.CONTACT_REQUEST_RETENTION_DAYS)}
                ),
                erase=erase_expired_contact_requests,
                source=_("The time the relative is told on the form when they consent."),
            ),
        ]

    def policy_links(self, municipality) -> list:
        """Each policy sentence an offer for relatives was taken from links to that offer (portal.policy_links)."""
        from django.utils.translation import gettext

        from portal.policy_links import PolicyLink
        from portal.translations import prefetch_translations

        from .models import Offer

        def offer_url(municipality, offer) -> str:
            offer.municipality = municipality  # known already: no query per offer
            return offer.get_absolute_url()

        offers = list(Offer.objects.filter(municipality=municipality).exclude(source=""))
        prefetch_translations(offers)  # (their names, in one query)
        return [
            PolicyLink(
                sentence=offer.source,
                url=offer_url(municipality, offer),
                label=gettext("For you as a relative: %(offer)s") % {"offer": offer.translated("name")},
            )
            for offer in offers
        ]
