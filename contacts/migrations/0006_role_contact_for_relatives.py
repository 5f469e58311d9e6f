from django.db import migrations

from portal.roles import Role, grant


def create_role(apps, schema_editor):
    # A role without Django permissions (no admin): contacts.access.may_handle_requests asks for the role.
    grant(apps, Role.RELATIVES_CONTACT, [])


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0005_relatives_contact_requests"),
        ("portal", "0002_roles"),
    ]

    operations = [migrations.RunPython(create_role, migrations.RunPython.noop)]
