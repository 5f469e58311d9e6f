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

    def load_demo_data(self, *, stdout) -> None:
        """For `manage.py demo`, once the municipalities, the demo units and the demo staff exist: each
        municipality's questionnaire from fixtures/surveys/ and fictitious answers from the demo units.

        Running it again keeps what is there (the managers' changes and the demo waves).
        """
        from django.core.management import call_command

        call_command("load_surveys", stdout=stdout)
        call_command("demo_survey_answers", stdout=stdout)  # needs the demo units
