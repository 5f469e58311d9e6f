import json

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from portal.errors import RuleViolation, show_on_form
from portal.models import Municipality
from portal.public_cache import NOT_CACHED, normalised, public_municipality_page
from portal.rate_limits import Limit, give_back, take
from portal.selectors import municipalities
from portal.translations import prefetch_translations
from portal.views import crumb

from . import directory as reads
from . import rules, services
from .access import takes_requests
from .forms import ContactRequestForm, SelfCheckForm
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
    offers_found = reads.search_offers(municipality, query) if query else []
    # The whole directory only where the page shows it: without a search, or when it found nothing.
    needs = reads.needs_with_situations(municipality, with_contacts=False) if not results else []
    shown = [*needs, *(situation for need in needs for situation in need.situations.all())]
    for situation in results or []:
        links = situation.ranked_contacts
        shown += [situation, *links, *(link.contact_point for link in links)]
    prefetch_translations([*shown, *offers_found, *(offer.contact_point for offer in offers_found)])
    context = {
        "municipality": municipality,
        "needs": needs,
        "directory_has_situations": any(need.situations.all() for need in needs),
        "query": query,
        "results": results,
        "offers_found": offers_found,
        "crumbs": directory_crumbs(municipality),
    }
    response = render(request, "contacts/directory.html", context)
    if query and not results and not offers_found:  # words that find nothing are not worth a place in the cache
        setattr(response, NOT_CACHED, True)
    return response


@public_municipality_page
def situation_detail(request, municipality: Municipality, pk: int):
    situation = get_object_or_404(reads.situations(municipality), pk=pk)
    links = list(reads.contacts_of(situation))
    prefetch_translations([situation, situation.need, *links, *(link.contact_point for link in links)])
    context = {
        "municipality": municipality,
        "situation": situation,
        "links": links,
        "crumbs": directory_crumbs(municipality, crumb(situation.translated("text"))),
    }
    return render(request, "contacts/situation.html", context)


@public_municipality_page
def contact_detail(request, municipality: Municipality, pk: int):
    contact = get_object_or_404(reads.contact_points(municipality), pk=pk)
    situations = list(reads.situations_of(contact))
    prefetch_translations([contact, *situations])
    context = {
        "municipality": municipality,
        "contact": contact,
        "situations": situations,
        "share_url": request.build_absolute_uri(contact.get_absolute_url()),
        "crumbs": directory_crumbs(municipality, crumb(contact.name)),
    }
    return render(request, "contacts/contact.html", context)


def _choice(request, name: str, choices) -> str:
    """A filter's value from the query string, or "" when it is not one of `choices`."""
    value = normalised(request.GET.get(name, ""))
    return value if value in choices.values else ""


@public_municipality_page(params=("type", "for"))
def offers(request, municipality: Municipality):
    kind = _choice(request, "type", Offer.Kind)
    for_whom = _choice(request, "for", Offer.ForWhom)
    found = list(reads.offers(municipality, kinds=[kind] if kind else (), for_whom=for_whom))
    prefetch_translations([*found, *(offer.contact_point for offer in found)])
    context = {
        "municipality": municipality,
        "offers": found,
        "kinds": Offer.Kind.choices,
        "for_whom_choices": Offer.ForWhom.choices,
        "kind": kind,
        "for_whom": for_whom,
        "filtered": bool(kind or for_whom),
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


# --- For the relative themself: "Hvordan har du det?" and "Ring mig op" / "Skriv til mig" ------------------
# Neither goes through the public page cache: their forms carry a CSRF token, and their answers are the
# relative's own. The self-check's answers are sent by POST (never in a URL), shown once and kept nowhere.


def _public_municipality(municipality_slug: str) -> Municipality:
    return get_object_or_404(municipalities(), slug=municipality_slug)


@require_http_methods(["GET", "POST"])
@never_cache
def self_check(request, municipality_slug: str):
    municipality = _public_municipality(municipality_slug)
    form = SelfCheckForm(request.POST or None)
    crumbs = directory_crumbs(
        municipality,
        crumb(_("For you as a relative"), reverse("contacts:offers", args=[municipality.slug])),
        crumb(_("How are you?")),
    )
    if request.method == "POST" and form.is_valid():
        advice = rules.advice(form.answers())
        found = reads.offers_for_advice(municipality, advice)
        coordinators = reads.coordinators(municipality, advice.coordinator_word)
        prefetch_translations([*found, *(offer.contact_point for offer in found), *coordinators])
        context = {
            "municipality": municipality,
            "advice": advice,
            "offers": found,
            "coordinators": coordinators,
            "emergency_numbers": rules.EMERGENCY_NUMBERS,
            "crumbs": crumbs,
        }
        return render(request, "contacts/self_check_result.html", context)
    return render(request, "contacts/self_check.html", {"municipality": municipality, "form": form, "crumbs": crumbs})


CONTACT_REQUESTS = Limit("contacts", "request", "CONTACT_REQUESTS_PER_HOUR", 5)
HONEYPOT = "hjemmeside"


@require_http_methods(["GET", "POST"])
@never_cache
def contact_request(request, municipality_slug: str):
    municipality = _public_municipality(municipality_slug)
    retention_days = settings.CONTACT_REQUEST_RETENTION_DAYS
    form = ContactRequestForm(request.POST or None, retention_days=retention_days, municipality_name=municipality.name)
    context = {
        "municipality": municipality,
        "form": form,
        "takes_requests": takes_requests(municipality),
        "retention_days": retention_days,
        "crumbs": directory_crumbs(
            municipality,
            crumb(_("For you as a relative"), reverse("contacts:offers", args=[municipality.slug])),
            crumb(_("Call me or write to me")),
        ),
    }
    if request.method == "POST" and context["takes_requests"]:
        if request.POST.get(HONEYPOT):  # a bot: it is told what a person is told, and nothing is kept
            return render(request, "contacts/contact_request_sent.html", context)
        if form.is_valid():
            receipt = take(CONTACT_REQUESTS, request)
            if receipt is None:
                context["too_many"] = True
                return render(request, "contacts/contact_request.html", context, status=429)
            try:
                sent = services.submit_contact_request(
                    municipality=municipality,
                    way=form.cleaned_data["way"],
                    name=form.cleaned_data["name"],
                    phone=form.cleaned_data["phone"],
                    email=form.cleaned_data["email"],
                    message=form.cleaned_data["message"],
                    consent=form.cleaned_data["consent"],
                )
            except RuleViolation as error:
                give_back(receipt)
                show_on_form(form, error)
            else:
                context["sent"] = sent
                return render(request, "contacts/contact_request_sent.html", context)
    return render(request, "contacts/contact_request.html", context)
