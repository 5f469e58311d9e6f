"""Who may see which of the portal's own rows: its access policy (see portal.scoping for the idea).

Staff see the rows of their own municipality (the default `AccessPolicy`). A municipality's policy
pages are read by everyone when published; its editors (and platform superusers) also read the
unpublished ones, as a preview.
"""

from django.db.models import QuerySet

from .models import Municipality, Page
from .scoping import AccessPolicy, belongs_to_user_municipality
from .selectors import public_pages


class PortalPolicy(AccessPolicy):
    def may_preview(self, user, municipality: Municipality) -> bool:
        """Whether `user` edits `municipality`'s pages, and so also reads the unpublished ones."""
        return user.has_perm("portal.change_page") and belongs_to_user_municipality(user, municipality)

    def readable_pages(self, user, municipality: Municipality) -> QuerySet[Page]:
        """The municipality's pages `user` may read, in order: the published ones, or all for its editors."""
        if self.may_preview(user, municipality):
            return self.visible(user, municipality.pages.all())
        return public_pages(municipality)


portal_policy = PortalPolicy()
