from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from .access import portal_policy
from .models import Municipality, Page, Section
from .public_cache import public_municipality_page
from .selectors import municipalities


def home(request):
    listed = list(municipalities())
    if len(listed) == 1:
        return redirect(listed[0])
    return render(request, "portal/home.html", {"municipalities": listed})


@dataclass
class SectionBlock:
    """Consecutive sections shown together: a run of a model's steps, or of values, or a single section."""

    kind: str
    sections: list[Section] = field(default_factory=list)


def group_sections(sections: list[Section]) -> list[SectionBlock]:
    blocks: list[SectionBlock] = []
    for section in sections:
        grouped = section.kind in (Section.Kind.STEP, Section.Kind.VALUE)
        if grouped and blocks and blocks[-1].kind == section.kind:
            blocks[-1].sections.append(section)
        else:
            blocks.append(SectionBlock(section.kind if grouped else "single", [section]))
    return blocks


def crumb(label, url=None) -> dict:
    return {"label": label, "url": url}


@public_municipality_page
def municipality_home(request, municipality: Municipality):
    pages = list(portal_policy.readable_pages(request.user, municipality))
    context = {
        "municipality": municipality,
        "preview": portal_policy.may_preview(request.user, municipality),
        "crumbs": [crumb(_("Front page"), reverse("home")), crumb(municipality.name)],
        "pages": [page for page in pages if page.kind != Page.Kind.THEME],
        "themes": [page for page in pages if page.kind == Page.Kind.THEME],
    }
    return render(request, "portal/municipality.html", context)


@public_municipality_page
def policy_page(request, municipality: Municipality, page_slug: str):
    pages = list(portal_policy.readable_pages(request.user, municipality))
    position = next((index for index, page in enumerate(pages) if page.slug == page_slug), None)
    if position is None:
        raise Http404
    page = pages[position]
    context = {
        "municipality": municipality,
        "preview": portal_policy.may_preview(request.user, municipality),
        "crumbs": [
            crumb(_("Front page"), reverse("home")),
            crumb(municipality.name, municipality.get_absolute_url()),
            crumb(page.translated("title")),
        ],
        "page": page,
        "pages": pages,
        "blocks": group_sections(list(page.sections.all())),
        "previous_page": pages[position - 1] if position > 0 else None,
        "next_page": pages[position + 1] if position + 1 < len(pages) else None,
    }
    return render(request, "portal/policy_page.html", context)


def accessibility_statement(request):
    return render(request, "portal/accessibility.html")


@login_required
def staff_home(request):
    return render(request, "portal/staff_home.html")


@never_cache
def healthz(request):
    """For the load balancer: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure to reach the database means "not healthy"
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
