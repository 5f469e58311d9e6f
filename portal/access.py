"""Who may see which of the portal's own rows: its access policy (see portal.scoping for the idea).

Staff see the rows of their own municipality (the default `AccessPolicy`); staff administration
(`staff_policy`) is for the municipality's administrator only. A municipality's policy
pages are read by everyone when published; its editors (and platform superusers) also read the
unpublished ones, as a preview.
"""

from django.contrib.auth import get_permission_codename
from django.db.models import Model, QuerySet

from .models import Municipality, Page, Section
from .roles import Role, has_role
from .scoping import AccessPolicy, as_queryset, belongs_to_user_municipality, visible_to
from .selectors import public_pages
from .translations import translatable_models, translatable_rows


class PortalPolicy(AccessPolicy):
    def may_preview(self, user, municipality: Municipality) -> bool:
        """Whether `user` edits `municipality`'s pages, and so also reads the unpublished ones."""
        return user.has_perm("portal.change_page") and belongs_to_user_municipality(user, municipality)

    def readable_pages(self, user, municipality: Municipality, *, with_sections: bool = True) -> list[Page]:
        """The municipality's pages `user` may read, in order: the published versions, or for its editors
        every page's draft (a preview). `sections_of(page)` gives a page's sections."""
        if self.may_preview(user, municipality):
            return list(self.visible(user, municipality.pages.order_by("order", "pk")))  # no join for the default order
        return public_pages(municipality, with_sections=with_sections)

    @staticmethod
    def sections_of_each(pages: list[Page]) -> list[list]:
        """The sections of each page from `readable_pages`, in one query for drafts (none for published ones)."""
        drafts = [page.pk for page in pages if getattr(page, "shown_sections", None) is None]
        by_page: dict[int, list] = {pk: [] for pk in drafts}
        if drafts:
            for section in Section.objects.filter(page_id__in=drafts).order_by("page_id", "order", "pk"):
                by_page[section.page_id].append(section)
        return [getattr(page, "shown_sections", None) or by_page.get(page.pk, []) for page in pages]

    @staticmethod
    def sections_of(page: Page) -> list:
        """The sections of a page from `readable_pages`: the published version's, or the draft's."""
        shown = getattr(page, "shown_sections", None)
        return shown if shown is not None else list(page.sections.all())


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


class TranslationPolicy(AccessPolicy):
    """Translations (portal.translation_views): a person translates, and approves, the kinds of content they may
    change (the Django permission `<app>.change_<model>` their roles give), in their own municipality only.
    Platform superusers, who belong to no municipality, translate through no municipality's pages."""

    def kinds(self, user) -> list[type[Model]]:
        """The translatable models `user` may translate (and approve), in the order of translatable_models()."""
        if not user.is_authenticated or not user.is_active or user.municipality_id is None:
            return []
        return [
            model
            for model in translatable_models()
            if user.has_perm(f"{model._meta.app_label}.{get_permission_codename('change', model._meta)}")
        ]

    def may_translate(self, user) -> bool:
        return bool(self.kinds(user))

    def may_translate_kind(self, user, model: type[Model]) -> bool:
        return model in self.kinds(user)

    def translatable(self, user, model: type[Model]) -> QuerySet:
        """The rows of `model` whose texts `user` may translate: their municipality's, if they may change them."""
        if not self.may_translate_kind(user, model):
            return model._default_manager.none()
        return visible_to(user, translatable_rows(model, user.municipality_id))


translation_policy = TranslationPolicy()
