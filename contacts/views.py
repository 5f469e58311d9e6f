from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.models import Municipality
from portal.public_cache import public_municipality_page
from portal.views import crumb

from .directory import needs_with_situations, search_index
from .models import ContactPoint, Offer, Situation, SituationContact

MAX_QUERY_LENGTH = 200


def directory_crumbs(municipality: Municipality, *rest) -> list[dict]:
    return [
        crumb(_("Front page"), reverse("home")),
        crumb(municipality.name, municipality.get_absolute_url()),
        crumb(_("Find your way"), reverse("contacts:directory", args=[municipality.slug]) if rest else None),
        *rest,
    ]


@public_municipality_page
def directory(request, municipality: Municipality):
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    needs = needs_with_situations(municipality)
    results = None
    if query:
        situations = {situation.pk: situation for need in needs for situation in need.situations.all()}
        results = [situations[key] for key, _score in search_index(municipality, needs).search(query)]
    context = {
        "municipality": municipality,
        "needs": needs,
        "query": query,
        "results": results,
        "crumbs": directory_crumbs(municipality),
    }
    return render(request, "contacts/directory.html", context)


@public_municipality_page
def situation_detail(request, municipality: Municipality, pk: int):
    situation = get_object_or_404(
        Situation.objects.select_related("need").filter(need__municipality=municipality), pk=pk
    )
    links = SituationContact.objects.filter(situation=situation).select_related("contact_point")
    context = {
        "municipality": municipality,
        "situation": situation,
        "links": links,
        "crumbs": directory_crumbs(municipality, crumb(situation.translated("text"))),
    }
    return render(request, "contacts/situation.html", context)


@public_municipality_page
def contact_detail(request, municipality: Municipality, pk: int):
    contact = get_object_or_404(ContactPoint.objects.filter(municipality=municipality), pk=pk)
    situations = Situation.objects.filter(contact_points=contact).order_by("need__order", "order", "pk")
    context = {
        "municipality": municipality,
        "contact": contact,
        "situations": situations,
        "share_url": request.build_absolute_uri(contact.get_absolute_url()),
        "crumbs": directory_crumbs(municipality, crumb(contact.name)),
    }
    return render(request, "contacts/contact.html", context)


@public_municipality_page
def offers(request, municipality: Municipality):
    context = {
        "municipality": municipality,
        "offers": Offer.objects.filter(municipality=municipality).select_related("contact_point"),
        "kinds": Offer.Kind,
        "crumbs": directory_crumbs(municipality, crumb(_("For you as a relative"))),
    }
    return render(request, "contacts/offers.html", context)
