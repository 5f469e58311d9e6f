from django.conf import settings
from django.urls import NoReverseMatch, Resolver404, resolve, reverse, translate_url
from django.utils.http import urlencode
from django.utils.translation import get_language, get_language_info, override

from .public_cache import normalised
from .translations import SOURCE_LANGUAGE

# The public searches whose words the switcher carries into the other language (never a staff page's search).
PUBLIC_SEARCHES = frozenset({"site-search", "contacts:directory"})


def _resolved(request):
    """The page's URL pattern: the one Django resolved for the request, or None (a 404 page)."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match
    try:
        return resolve(request.path_info)
    except Resolver404:
        return None


def _page_in(code: str, match, path: str) -> str:
    """`translate_url(path, code)` from the resolved pattern: one reverse, not a resolve and a reverse per language."""
    if match is None:
        return path
    with override(code):
        try:
            return reverse(match.view_name, args=match.args, kwargs=match.kwargs)
        except NoReverseMatch:
            return translate_url(path, code)


def language_links(request) -> list[dict]:
    """This page in every configured language, for the language switcher and `<link rel="alternate">`.

    Each: its code, its name in its own language ("العربية", "Türkçe"), whether it is written right to left,
    the page's address in it (`translate_url`: the same page, under /<code>/ or at the root for Danish, with
    the search words of a search page), and whether it is the language shown now."""
    current = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    match = _resolved(request)
    query = normalised(request.GET.get("q", "")) if match is not None and match.view_name in PUBLIC_SEARCHES else ""
    suffix = "?" + urlencode({"q": query}) if query else ""
    links = []
    for code, _name in settings.LANGUAGES:
        info = get_language_info(code)
        links.append(
            {
                "code": code,
                "name": info["name_local"],
                "bidi": info["bidi"],
                "url": _page_in(code, match, request.path) + suffix,
                "current": code == current,
            }
        )
    return links


def portal(request):
    """The page in the other languages, for the language switcher, and the portal's own links."""
    languages = language_links(request)
    return {
        "language_links": languages,
        "default_language_url": next(link["url"] for link in languages if link["code"] == SOURCE_LANGUAGE),
        # The alternates' absolute addresses start from the configured address, never the request's Host header.
        "portal_base_url": settings.PORTAL_BASE_URL.rstrip("/"),
        "portal_accessibility_statement_url": settings.PORTAL_ACCESSIBILITY_STATEMENT_URL,
        "idle_minutes": settings.PORTAL_SESSION_IDLE_SECONDS // 60,
    }
