from datetime import time
from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from portal.schedule import Every, Job


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Relatives' survey")
    periodic_tasks = (
        Job("surveys.resume_email_rounds", "surveys.tasks.resume_email_rounds", Every.MINUTE),
        Job("surveys.forget_invitation_addresses", "surveys.tasks.forget_invitation_addresses", Every.DAY, at=time(1)),
        Job("surveys.wave_notices", "surveys.tasks.send_wave_notices", Every.DAY, at=time(7)),
    )

    def ready(self) -> None:
        import_module(f"{self.name}.signals")  # connects the receivers

    def personal_data_stores(self) -> list:
        """The e-mail addresses of invitation rounds (portal.personal_data; surveys.services.forget_addresses)."""
        from django.utils import timezone

        from portal.personal_data import PersonalDataStore

        from .services import forget_addresses

        return [
            PersonalDataStore(
                name=_("E-mail addresses of survey invitations"),
                what=_(
                    "The addresses a manager typed for an e-mail round of invitations, each linked to its invitation "
                    "(whether it was used, never to what was answered). Codes are kept only as a keyed hash."
                ),
                why=_(
                    "To send each invitation once, try again what the mail server put off, show the manager the "
                    "addresses that failed, and send one reminder only to the invitations not yet used."
                ),
                setting="",
                retention=lambda municipality: _(
                    "An address that failed: until the manager has seen the list once. An address that was sent "
                    "an invitation: until the day after the survey round closes."
                ),
                erase=lambda: forget_addresses(today=timezone.localdate()),
            )
        ]

    def load_demo_data(self, *, stdout) -> None:
        """For `manage.py demo`, once the municipalities, the demo units and the demo staff exist: each
        municipality's questionnaire from fixtures/surveys/ and fictitious answers from the demo units.

        Running it again keeps what is there (the managers' changes and the demo waves).
        """
        from django.core.management import call_command

        call_command("load_surveys", stdout=stdout)
        call_command("demo_survey_answers", stdout=stdout)  # needs the demo units
