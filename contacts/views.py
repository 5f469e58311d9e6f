import json

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portal.models import Municipality
from portal.public_cache import NOT_CACHED, normalised, public_municipality_page
from portal.selectors import municipalities
from portal.views import crumb

from . import directory as reads
from .hsds import hsds_json, hsds_tabular_zip
from .models import Offer


def directory_crumbs(municipality: Municipality, *rest) -> list[dict]:
    return [
        crumb(_("Front page"), reverse("home")),
        crumb(municipality.name, municipality.get_absolute_url()),
        crumb(_("Find your way"), reverse("contacts:directory", args=[municipality.slug]) if rest else None),
        *rest,
    ]


@public_municipality_page(params=("q",))
def directory(request, municipality: Municipality):
    query = normalised(request.GET.get("q", ""))  # as the page cache reads it
    results = reads.search(municipality, query) if query else None
    # The whole directory only where the page shows it: without a search, or when it found nothing.
    needs = reads.needs_with_situations(municipality) if not results else []
    context = {
        "municipality": municipality,
        "needs": needs,
        "directory_has_situations": any(need.situations.all() for need in needs),
        "query": query,
        "results": results,
        "crumbs": directory_crumbs(municipality),
    }
    response = render(request, "contacts/directory.html", context)
    if query and not results:  # words that find nothing are not worth a place in the cache
        setattr(response, NOT_CACHED, True)
    return response


@public_municipality_page
def situation_detail(request, municipality: Municipality, pk: int):
    situation = get_object_or_404(reads.situations(municipality), pk=pk)
    context = {
        "municipality": municipality,
        "situation": situation,
        "links": reads.contacts_of(situation),
        "crumbs": directory_crumbs(municipality, crumb(situation.translated("text"))),
    }
    return render(request, "contacts/situation.html", context)


@public_municipality_page
def contact_detail(request, municipality: Municipality, pk: int):
    contact = get_object_or_404(reads.contact_points(municipality), pk=pk)
    context = {
        "municipality": municipality,
        "contact": contact,
        "situations": reads.situations_of(contact),
        "share_url": request.build_absolute_uri(contact.get_absolute_url()),
        "crumbs": directory_crumbs(municipality, crumb(contact.name)),
    }
    return render(request, "contacts/contact.html", context)


@public_municipality_page
def offers(request, municipality: Municipality):
    context = {
        "municipality": municipality,
        "offers": reads.offers(municipality),
        "kinds": Offer.Kind,
        "crumbs": directory_crumbs(municipality, crumb(_("For you as a relative"))),
    }
    return render(request, "contacts/offers.html", context)


# The open-data exports of the directory (contacts/hsds.py). Not through public_municipality_page: its
# cache keeps only the bytes and answers with a plain text/html HttpResponse, losing the content type and
# the Content-Disposition of these responses.


def _portal_base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _open_data(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"  # open data, no credentials: any site may read it
    return response


@require_safe
def hsds_json_export(request, municipality_slug: str):
    municipality = get_object_or_404(municipalities(), slug=municipality_slug)
    document = hsds_json(municipality, base_url=_portal_base_url(request))
    return _open_data(
        HttpResponse(
            json.dumps(document, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
    )


@require_safe
def hsds_zip_export(request, municipality_slug: str):
    municipality = get_object_or_404(municipalities(), slug=municipality_slug)
    response = HttpResponse(
        hsds_tabular_zip(municipality, base_url=_portal_base_url(request)), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="hsds-find-rundt-{municipality.slug}.zip"'
    return _open_data(response)
