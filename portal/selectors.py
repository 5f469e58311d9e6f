"""The portal's public reads: what any visitor may read, named, so that no view filters a model itself."""

from django.db.models import QuerySet

from .models import Municipality, Page


def municipalities() -> QuerySet[Municipality]:
    """Every municipality in the portal, by name."""
    return Municipality.objects.order_by("name")


def public_pages(municipality: Municipality, *, with_sections: bool = True) -> list[Page]:
    """The municipality's published pages as the public sees them (their published versions, not the drafts),
    in the editors' order; each has its sections in `shown_sections` (empty without `with_sections`). One query."""
    pages = municipality.pages.filter(published_version__isnull=False).select_related("published_version")
    if not with_sections:
        pages = pages.defer("published_version__sections")
    shown = []
    for page in pages.order_by("order", "pk"):
        version = page.published_version
        if not with_sections:
            version.sections = []
        shown.append(version.as_page(page, municipality))
    return shown


def searchable_pages(municipality: Municipality) -> list[Page]:
    """What the site search may find (portal.site_search): the published pages with the sections the public reads."""
    return public_pages(municipality)
