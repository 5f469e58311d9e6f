"""Who may see which of the portal's own rows: its access policy (see portal.scoping for the idea).

Staff see the rows of their own municipality (the default `AccessPolicy`); staff administration
(`staff_policy`) is for the municipality's administrator only. A municipality's policy
pages are read by everyone when published; its editors (and platform superusers) also read the
unpublished ones, as a preview.
"""

from django.db.models import Model, QuerySet

from .models import Municipality, Page
from .roles import Role, has_role
from .scoping import AccessPolicy, as_queryset, belongs_to_user_municipality, visible_to
from .selectors import public_pages


class PortalPolicy(AccessPolicy):
    def may_preview(self, user, municipality: Municipality) -> bool:
        """Whether `user` edits `municipality`'s pages, and so also reads the unpublished ones."""
        return user.has_perm("portal.change_page") and belongs_to_user_municipality(user, municipality)

    def readable_pages(self, user, municipality: Municipality) -> QuerySet[Page]:
        """The municipality's pages `user` may read, in order: the published ones, or all for its editors."""
        if self.may_preview(user, municipality):
            return self.visible(user, municipality.pages.order_by("order", "pk"))
        return public_pages(municipality)


portal_policy = PortalPolicy()


class StaffPolicy(AccessPolicy):
    """Staff administration (portal.staff_views): a municipality's administrator sees and changes its staff,
    units and invitations; nobody else does through these pages (platform superusers use the Django admin)."""

    def may_administer_staff(self, user) -> bool:
        return has_role(user, Role.MUNICIPALITY_ADMIN)

    def visible(self, user, model_or_queryset: type[Model] | QuerySet) -> QuerySet:
        queryset = as_queryset(model_or_queryset)
        if not self.may_administer_staff(user):
            return queryset.none()
        return visible_to(user, queryset)


staff_policy = StaffPolicy()
