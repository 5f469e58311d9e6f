import re
from dataclasses import dataclass, field

from allauth.account import views as account_views
from allauth.mfa.models import Authenticator
from allauth.mfa.webauthn import views as mfa_webauthn_views
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import personal_data as personal_data_register
from . import policy_links, services
from .access import portal_policy
from .branding import text_colour_on
from .forms import EmailSettingsForm
from .login import identity_provider_origins, is_last_login_factor
from .models import Municipality, Page, Section
from .pdf import PdfUnavailable, pdf_response, render_pdf
from .public_cache import CACHE_SECONDS, NOT_CACHED, normalised, public_municipality_page
from .roles import Role, has_role
from .selectors import municipalities
from .site_search import site_search as site_search_register
from .translations import prefetch_translations


def home(request):
    listed = list(municipalities())
    if len(listed) == 1:
        return redirect(listed[0])
    prefetch_translations(listed)
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
    pages = portal_policy.readable_pages(request.user, municipality, with_sections=False)
    context = {
        "municipality": municipality,
        "preview": portal_policy.may_preview(request.user, municipality),
        "crumbs": [crumb(_("Front page"), reverse("home")), crumb(municipality.name)],
        "pages": [page for page in pages if page.kind == Page.Kind.PAGE],
        "themes": [page for page in pages if page.kind == Page.Kind.THEME],
    }
    prefetch_translations([municipality, *pages])
    return render(request, "portal/municipality.html", context)


@public_municipality_page
def policy_page(request, municipality: Municipality, page_slug: str):
    pages = portal_policy.readable_pages(request.user, municipality)
    position = next((index for index, page in enumerate(pages) if page.slug == page_slug), None)
    if position is None:
        raise Http404
    page = pages[position]
    if page.kind == Page.Kind.STANDARD:  # not part of the policy: no policy menu, no previous and next
        pages, position = [page], 0
    else:
        pages = [other for other in pages if other.kind != Page.Kind.STANDARD]
        position = pages.index(page)
    sections = portal_policy.sections_of(page)
    policy_links.attach(sections, municipality)
    prefetch_translations([*pages, *sections])
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
        "blocks": group_sections(sections),
        "previous_page": pages[position - 1] if position > 0 else None,
        "next_page": pages[position + 1] if position + 1 < len(pages) else None,
    }
    return render(request, "portal/policy_page.html", context)


def _whole_policy_context(request, municipality: Municipality) -> dict:
    pages = [
        page for page in portal_policy.readable_pages(request.user, municipality) if page.kind != Page.Kind.STANDARD
    ]
    sections_of_each = portal_policy.sections_of_each(pages)
    prefetch_translations([municipality, *pages, *(section for sections in sections_of_each for section in sections)])
    return {
        "municipality": municipality,
        "preview": portal_policy.may_preview(request.user, municipality),
        "document_pages": [
            {"page": page, "blocks": group_sections(sections)}
            for page, sections in zip(pages, sections_of_each, strict=True)
        ],
    }


@public_municipality_page(params=("pdf",))  # "?pdf=unavailable" adds a notice: a page of its own
def whole_policy(request, municipality: Municipality):
    """Every page of the policy (as the reader may see it) on one page: to read through, print or save."""
    context = _whole_policy_context(request, municipality) | {
        "crumbs": [
            crumb(_("Front page"), reverse("home")),
            crumb(municipality.name, municipality.get_absolute_url()),
            crumb(_("The whole policy")),
        ],
        "pdf_unavailable": request.GET.get("pdf") == "unavailable",
    }
    return render(request, "portal/whole_policy.html", context)


def whole_policy_pdf(request, municipality_slug: str):
    """The whole policy as a tagged PDF (PDF/UA-1); the printable page where the PDF library is missing."""
    municipality = get_object_or_404(municipalities(), slug=municipality_slug)
    # The public version is made once per version of the content (every edit moves it), not once per download.
    public = not request.user.is_authenticated
    key = f"whole-policy-pdf:{municipality.slug}:{municipality.content_changed_at.isoformat()}:{get_language()}"
    pdf = cache.get(key) if public else None
    if pdf is None:
        html = render_to_string(
            "portal/whole_policy_document.html", _whole_policy_context(request, municipality), request
        )
        try:
            pdf = render_pdf(html)
        except PdfUnavailable:
            return redirect(reverse("whole-policy", args=[municipality.slug]) + "?pdf=unavailable")
        if public:
            cache.set(key, pdf, CACHE_SECONDS)
    response = pdf_response(pdf, filename=f"{municipality.slug}-paaroerendepolitik.pdf")
    if not request.user.is_authenticated:
        response["Cache-Control"] = "public, max-age=300"  # the public version; a preview is not kept
    return response


def municipality_style(request, municipality_slug: str):
    """The municipality's accent colour as CSS (inline styles are not allowed by the Content Security Policy)."""
    municipality = get_object_or_404(municipalities(), slug=municipality_slug)
    colour = municipality.accent_colour
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour or ""):
        raise Http404
    css = f":root {{ --municipality-accent: {colour}; --municipality-on-accent: {text_colour_on(colour)}; }}\n"
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"  # the page links it with its content version
    return response


@public_municipality_page(params=("q",))
def site_search(request, municipality: Municipality):
    """One box for the municipality's whole public site; the results grouped by kind (portal.site_search)."""
    query = normalised(request.GET.get("q", ""))  # as the page cache reads it
    groups = site_search_register.search(municipality, query) if query else None
    context = {
        "municipality": municipality,
        "query": query,
        "groups": groups,
        "total": sum(len(group.hits) for group in groups or []),
        "crumbs": [
            crumb(_("Front page"), reverse("home")),
            crumb(municipality.name, municipality.get_absolute_url()),
            crumb(_("Search")),
        ],
    }
    response = render(request, "portal/site_search.html", context)
    if query and not groups:  # words that find nothing are not worth a place in the cache
        setattr(response, NOT_CACHED, True)
    return response


def accessibility_statement(request):
    return render(request, "portal/accessibility.html")


@login_required
def staff_home(request):
    return render(request, "portal/staff_home.html")


@login_required
@never_cache
def personal_data(request):
    """For the municipality's administrator and its data-protection officer: every kind of personal data the portal
    keeps, why, for how long, from the same settings the erasure job reads (portal.personal_data)."""
    readers = (Role.MUNICIPALITY_ADMIN, Role.DATA_PROTECTION_OFFICER)
    if not any(has_role(request.user, role) for role in readers) or request.user.municipality is None:
        return render(request, "portal/personal_data_forbidden.html", status=403)
    municipality = request.user.municipality
    rows = [
        {"store": store, "retention": store.retention(municipality), "change_url": store.change_url}
        for store in personal_data_register.stores()
    ]
    context = {
        "rows": rows,
        "municipality": municipality,
        "crumbs": [crumb(_("For staff"), reverse("staff-home")), crumb(_("Personal data"))],
    }
    return render(request, "portal/personal_data.html", context)


@never_cache
def healthz(request):
    """For the load balancer: 200 when the database and the cache answer, 503 naming the one that does not.

    Cheap (one `SELECT 1`, one cache write and read), and nothing personal: plain text, the same in any language.
    """
    failing = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        failing.append("database")
    try:
        cache.set("healthz", 1, 10)
        if cache.get("healthz") != 1:
            failing.append("cache")
    except Exception:
        failing.append("cache")
    if failing:
        body = "".join(f"{name} unavailable\n" for name in failing)
        return HttpResponse(body, status=503, content_type="text/plain; charset=utf-8")
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def email_settings(request):
    """Each person turns the portal's reminder e-mails on or off; without an address they get none."""
    initial = {"wants_reminder_emails": request.user.wants_reminder_emails}
    form = EmailSettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.set_reminder_emails(user=request.user, wanted=form.cleaned_data["wants_reminder_emails"])
        return redirect("email-settings")
    return render(request, "portal/email_settings.html", {"form": form})


def login(request):
    """allauth's login page. Its buttons for the municipalities' own logins are forms whose answer redirects to
    the identity provider, which the Content Security Policy's form-action must name (browsers check it)."""
    response = account_views.login(request)
    origins = identity_provider_origins()
    if origins:
        response._csp_update = {"form-action": origins}
    return response


@require_POST
def logout(request):
    """Logging out is a POST with the CSRF token (a link or an image could not log anyone out)."""
    return account_views.logout(request)


@login_required
def remove_security_key(request, pk: int):
    """allauth's removal of a security key or passkey, except the person's last second factor (allauth checks
    that for the authenticator app only): its page then says to add another first."""
    key = get_object_or_404(Authenticator, pk=pk, user=request.user, type=Authenticator.Type.WEBAUTHN)
    if is_last_login_factor(key):
        status = 400 if request.method == "POST" else 200
        return render(
            request,
            "mfa/webauthn/authenticator_confirm_delete.html",
            {"authenticator": key, "is_last": True},
            status=status,
        )
    return mfa_webauthn_views.remove_webauthn(request, pk=pk)


def admin_login(request):
    """The admin's own login page is not used: everyone logs in on /konto/log-ind/, with the second factor."""
    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("admin:index")
    return redirect(f"{reverse('login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def csrf_failure(request, reason=""):
    """The form was sent without its security token (often: the page was open too long, or cookies are off)."""
    return render(request, "403_csrf.html", status=403)
