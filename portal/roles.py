"""The staff roles. Each is a Django group (created by a migration) whose permissions grow as apps arrive."""

from django.contrib.auth.backends import ModelBackend
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
    # Answers the relatives' "Ring mig op" / "Skriv til mig" (contacts.access); its group is made by contacts' 0006.
    RELATIVES_CONTACT = "Pårørendekontakt", _("Contact for relatives")


def has_role(user, role: Role) -> bool:
    """Whether `user` holds `role` in their municipality (platform superusers hold no role by being one)."""
    if not user.is_authenticated or not user.is_active or user.municipality_id is None:
        return False
    return role.value in role_names(user)


def role_names(user) -> set[str]:
    """The names of `user`'s groups. Read once per user object, and a request loads its user afresh."""
    if "groups" not in getattr(user, "_prefetched_objects_cache", {}):
        load_roles(user)
    return {group.name for group in user.groups.all()}


def load_roles(user) -> None:
    """Read `user`'s groups and their permissions in one query, and keep both on the user object.

    The groups go where prefetch_related would put them (so `user.groups.add/set/remove` forget them);
    the permissions where ModelBackend keeps a user's group permissions, so RolesBackend asks no more.
    """
    from django.contrib.auth.models import Group

    rows = Group.objects.filter(user=user).values_list(
        "pk", "name", "permissions__content_type__app_label", "permissions__codename"
    )
    groups, permissions = {}, set()
    for pk, name, app_label, codename in rows:
        groups.setdefault(pk, Group(pk=pk, name=name))
        if codename is not None:
            permissions.add(f"{app_label}.{codename}")
    queryset = user.groups.all()
    queryset._result_cache = sorted(groups.values(), key=lambda group: group.name)
    queryset._prefetch_done = True
    if not hasattr(user, "_prefetched_objects_cache"):
        user._prefetched_objects_cache = {}
    user._prefetched_objects_cache["groups"] = queryset
    if user.is_active and not user.is_superuser:
        user._group_perm_cache = permissions


class RolesBackend(ModelBackend):
    """Django's ModelBackend, with a user's group permissions read in the query that reads their roles."""

    def get_group_permissions(self, user_obj, obj=None):
        own_groups = user_obj.is_active and not user_obj.is_anonymous and not user_obj.is_superuser and obj is None
        if own_groups and not hasattr(user_obj, "_group_perm_cache"):
            load_roles(user_obj)
        return super().get_group_permissions(user_obj, obj)


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
