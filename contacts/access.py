"""Who may change the directory outside the Django admin (the import): the municipality's editors, their own only."""

from portal.scoping import AccessPolicy

IMPORT_PERMISSIONS = ("contacts.add_contactpoint", "contacts.change_contactpoint", "contacts.add_situation")


class DirectoryPolicy(AccessPolicy):
    def may_import(self, user) -> bool:
        """An editor of a municipality (a platform superuser, who has none, loads fixtures instead)."""
        return bool(user.is_authenticated and user.municipality_id and user.has_perms(IMPORT_PERMISSIONS))


directory_policy = DirectoryPolicy()
