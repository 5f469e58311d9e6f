"""The role of the municipality's data protection officer (Databeskyttelsesrådgiver): reads the log checks.

No model permissions: what the role may see is decided by consent.access.policy.may_read_audit_log.
"""

from django.db import migrations

from portal.roles import Role, grant


def create_role(apps, schema_editor):
    grant(apps, Role.DATA_PROTECTION_OFFICER, [])


def remove_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=Role.DATA_PROTECTION_OFFICER.value).delete()


class Migration(migrations.Migration):
    dependencies = [("portal", "0007_kommunekode_four_digits")]

    operations = [migrations.RunPython(create_role, remove_role)]
