"""The portal's public reads: what any visitor may read, named, so that no view filters a model itself."""

from django.db.models import QuerySet, prefetch_related_objects

from .models import Municipality, Page


def municipalities() -> QuerySet[Municipality]:
    """Every municipality in the portal, by name."""
    return Municipality.objects.order_by("name")


def public_pages(municipality: Municipality) -> QuerySet[Page]:
    """The municipality's published policy pages, in the editors' order (each knows its municipality)."""
    return municipality.pages.filter(is_published=True)


def searchable_pages(municipality: Municipality) -> list[Page]:
    """The municipality's published pages with the text the public reads, each with its sections in
    `shown_sections` (two queries): what the site search may find (portal.site_search). Pages that already carry
    the sections the public reads keep them."""
    pages = list(public_pages(municipality))
    missing = [page for page in pages if not hasattr(page, "shown_sections")]
    prefetch_related_objects(missing, "sections")
    for page in missing:
        page.shown_sections = list(page.sections.all())
    return pages
