"""Who takes the relatives' contact requests: staff of the municipality with the role Pårørendekontakt
(`portal.roles.Role.RELATIVES_CONTACT`), which the municipality's administrator gives to whoever should answer
them, on the staff pages. They see their own municipality's requests only; a platform superuser sees none.

Who may change the directory outside the Django admin (the import): the municipality's editors, their own only.
"""

from django.db.models import QuerySet

from portal.models import User
from portal.roles import Role, has_role
from portal.scoping import AccessPolicy, as_queryset, visible_to


def may_handle_requests(user) -> bool:
    return has_role(user, Role.RELATIVES_CONTACT)


def takes_requests(municipality) -> bool:
    """Whether anyone active in the municipality answers relatives' requests: if nobody does, none is collected."""
    return User.objects.filter(
        municipality=municipality, is_active=True, groups__name=Role.RELATIVES_CONTACT.value
    ).exists()


class ContactRequestPolicy(AccessPolicy):
    def visible(self, user, model_or_queryset) -> QuerySet:
        queryset = as_queryset(model_or_queryset)
        if not may_handle_requests(user):
            return queryset.none()
        return visible_to(user, queryset)


request_policy = ContactRequestPolicy()


IMPORT_PERMISSIONS = ("contacts.add_contactpoint", "contacts.change_contactpoint", "contacts.add_situation")


class DirectoryPolicy(AccessPolicy):
    def may_import(self, user) -> bool:
        """An editor of a municipality (a platform superuser, who has none, loads fixtures instead)."""
        return bool(user.is_authenticated and user.municipality_id and user.has_perms(IMPORT_PERMISSIONS))

    def visible(self, user, model_or_queryset) -> QuerySet:
        """The imports (contacts.models.DirectoryImport) of the editor's own municipality; none for anyone else."""
        queryset = as_queryset(model_or_queryset)
        if not self.may_import(user):
            return queryset.none()
        return visible_to(user, queryset)


directory_policy = DirectoryPolicy()
