"""The staff roles. Each is a Django group (created by a migration) whose permissions grow as apps arrive."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # The value is the group's name, which municipality administrators see in the admin.
    CASEWORKER = "Sagsbehandler", _("Caseworker")
    MANAGER = "Leder", _("Manager")
    EDITOR = "Redaktør", _("Editor")
    MUNICIPALITY_ADMIN = "Kommuneadministrator", _("Municipality administrator")
    # Reads the log checks (who looked at whose data); sees no citizen's record by holding it (GDPR art. 37-39).
    DATA_PROTECTION_OFFICER = "Databeskyttelsesrådgiver", _("Data protection officer")


def has_role(user, role: Role) -> bool:
    """Whether `user` holds `role` in their municipality (platform superusers hold no role by being one)."""
    if not user.is_authenticated or not user.is_active or user.municipality_id is None:
        return False
    return any(group.name == role.value for group in user.groups.all())


def grant(apps, role: Role, permission_names: list[str]) -> None:
    """Give `role` these permissions ("app_label.codename"), creating its group if needed.

    For data migrations (`apps` is the migration's registry): each app grants the permissions of its
    own models in its own migration, so a role's rights are always the result of migrations.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _created = group_model.objects.get_or_create(name=role.value)
    for name in permission_names:
        app_label, codename = name.split(".")
        group.permissions.add(permission_model.objects.get(content_type__app_label=app_label, codename=codename))
