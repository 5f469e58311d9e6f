from django.db import migrations

from portal.roles import Role, grant

SURVEY_SETUP = [
    f"surveys.{action}_{model}"
    for model in ("survey", "question", "indicator", "wave", "externalresult")
    for action in ("view", "add", "change", "delete")
]


def grant_survey_setup(apps, schema_editor):
    grant(apps, Role.MANAGER, SURVEY_SETUP)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial"), ("portal", "0002_roles")]

    operations = [migrations.RunPython(grant_survey_setup, migrations.RunPython.noop)]
