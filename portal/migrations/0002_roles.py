from django.db import migrations

from portal.roles import Role, grant

PAGE_EDITING = [
    f"portal.{action}_{model}" for model in ("page", "section") for action in ("view", "add", "change", "delete")
]
MUNICIPALITY_DETAILS = ["portal.view_municipality", "portal.change_municipality"]
UNITS_AND_STAFF = [
    *(f"portal.{action}_unit" for action in ("view", "add", "change", "delete")),
    *(f"portal.{action}_user" for action in ("view", "add", "change")),
]


def create_roles(apps, schema_editor):
    grant(apps, Role.CASEWORKER, [])
    grant(apps, Role.MANAGER, [])
    grant(apps, Role.EDITOR, [*MUNICIPALITY_DETAILS, *PAGE_EDITING])
    grant(apps, Role.MUNICIPALITY_ADMIN, [*MUNICIPALITY_DETAILS, *UNITS_AND_STAFF])


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=Role.values).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
