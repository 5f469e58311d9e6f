from datetime import time

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from portal.schedule import Every, Job


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = _("Consent and agreements")
    # Erasing closed records after their retention period is the core's daily job over every store of personal
    # data (portal.tasks.erase_expired_personal_data), which calls this app's personal_data_stores().
    periodic_tasks = (
        Job("consent.caseworker_reminders", "consent.tasks.send_caseworker_reminders", Every.DAY, at=time(6, 30)),
    )

    def load_demo_data(self, *, stdout) -> None:
        """`manage.py demo`'s hook: a fictitious citizen with a consent in every municipality (see consent.demo)."""
        from .demo import load_demo_data

        load_demo_data(stdout=stdout)

    def personal_data_stores(self) -> list:
        """The citizens' records (see portal.personal_data and consent.retention)."""
        from django.conf import settings

        from portal.personal_data import PersonalDataStore

        from .retention import erase_expired_records, retention_years

        def retention(municipality) -> str:
            years = retention_years(municipality.pk) if municipality else settings.CONSENT_RETENTION_YEARS
            return _("%(years)d years after the citizen's course was closed") % {"years": years}

        return [
            PersonalDataStore(
                name=_("Citizens' records"),
                what=_(
                    "The citizen's name, CPR number (as a keyed hash) and date of birth; relatives' names, "
                    "relations and contact details; dialogues, consents, agreements, follow-ups and corrections; "
                    "changes in the help and which relatives were told about them, how, when and what; "
                    "the log of who looked at them."
                ),
                why=_(
                    "To know whom the citizen lets staff inform, and about what (sundhedsloven §§ 43–45, "
                    "GDPR art. 6(1)(c) and (e), art. 9(2)(a) and (h)); to document it (journalføringspligt)."
                ),
                setting="CONSENT_RETENTION_YEARS",
                retention=retention,
                erase=erase_expired_records,
                source=_(
                    "Default 10 years from the course's closing: patient records are kept at least 10 years "
                    "after the last entry (autorisationsloven § 25, stk. 1); when only nurses and other health "
                    "personnel keep them, at least 5 years (journalføringsbekendtgørelsen § 15, stk. 2). "
                    "Each municipality may set its own period."
                ),
                change_url="consent:retention",
            )
        ]
