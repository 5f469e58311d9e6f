from django.conf import settings
from django.urls import Resolver404, resolve, translate_url
from django.utils.http import urlencode
from django.utils.translation import get_language, get_language_info

from .public_cache import normalised
from .translations import SOURCE_LANGUAGE

# The public searches whose words the switcher carries into the other language (never a staff page's search).
PUBLIC_SEARCHES = frozenset({"site-search", "contacts:directory"})


def _is_public_search(request) -> bool:
    try:
        return resolve(request.path_info).view_name in PUBLIC_SEARCHES
    except Resolver404:
        return False


def language_links(request) -> list[dict]:
    """This page in every configured language, for the language switcher and `<link rel="alternate">`.

    Each: its code, its name in its own language ("العربية", "Türkçe"), whether it is written right to left,
    the page's address in it (`translate_url`: the same page, under /<code>/ or at the root for Danish, with
    the search words of a search page), and whether it is the language shown now."""
    current = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    query = normalised(request.GET.get("q", "")) if _is_public_search(request) else ""
    suffix = "?" + urlencode({"q": query}) if query else ""
    links = []
    for code, _name in settings.LANGUAGES:
        info = get_language_info(code)
        links.append(
            {
                "code": code,
                "name": info["name_local"],
                "bidi": info["bidi"],
                "url": translate_url(request.path, code) + suffix,
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
