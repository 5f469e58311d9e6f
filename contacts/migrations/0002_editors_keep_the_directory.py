from django.db import migrations

from portal.roles import Role, grant

DIRECTORY_EDITING = [
    f"contacts.{action}_{model}"
    for model in ("need", "situation", "situationcontact", "contactpoint", "offer")
    for action in ("view", "add", "change", "delete")
]


def grant_directory(apps, schema_editor):
    grant(apps, Role.EDITOR, DIRECTORY_EDITING)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0001_initial"),
        ("portal", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant_directory, migrations.RunPython.noop)]
