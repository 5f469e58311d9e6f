"""The portal's public reads: what any visitor may read, named, so that no view filters a model itself."""

from django.db.models import QuerySet

from .models import Municipality, Page, Section


def municipalities() -> QuerySet[Municipality]:
    """Every municipality in the portal, by name."""
    return Municipality.objects.order_by("name")


def public_pages(municipality: Municipality) -> QuerySet[Page]:
    """The municipality's published policy pages, in the editors' order (each knows its municipality).

    Ordered by the page's own columns: Page's default order begins with its municipality's name, a join that
    one municipality's pages do not need."""
    return municipality.pages.filter(is_published=True).order_by("order", "pk")


def page_sections(page: Page) -> QuerySet[Section]:
    """A page's sections in the editors' order (by their own columns, without joining the page and municipality
    that Section's default order names)."""
    return page.sections.order_by("order", "pk")
