"""Whole-page caching of a municipality's public pages (its policy, and the apps' public pages) for anonymous visitors.

An anonymous visitor's page carries nothing personal (no CSRF token, no name), so the rendered HTML
is shared. The cache is Django's default cache: per process, or Redis shared by all workers with REDIS_URL.

A cached page is found from the request alone, in one read of the cache (one round trip with Redis), before the
database is touched, so it is still served while the database restarts:
- its key holds the URL's municipality slug, the language, the path and only the query parameters the
  page declares (`public_municipality_page(params=("q",))` on the search page, its value normalised);
  any other query string is ignored, so made-up parameters cannot fill the cache with copies of a page;
- it is kept with the version of the municipality's content it was made from (`content_changed_at`, which every
  edit moves: portal.signals and the apps' signals), and served only while that is the current version. The
  current version is itself cached for VERSION_SECONDS, with the generation that every edit renews
  (`forget_versions`): with Redis an edit shows at once everywhere; with the per-process cache other workers show
  it within VERSION_SECONDS. When the database does not answer, the page kept is served whatever its version;
- a page with parameters (a search) is cached only when the view says it is worth it, and at most
  PARAMETER_PAGES of them per CACHE_SECONDS, so a stream of different search words cannot push the
  pages everyone reads out of the cache.

`PublicPageCacheMiddleware` serves the same cached pages earlier, before the URL is resolved and the middleware
below it runs, to a visitor without a session cookie: a cached page then costs about what Django's bare view costs.
It knows a path once this process has served it through the decorator (the path's municipality and parameters,
at most MAX_ROUTES paths), and it only reads the cache: a miss, a stale version or a visitor with a session goes
on to the view as before (after a miss, the decorator goes on from what the middleware read, not reading the
cache again).
"""

import hashlib
import time
from functools import wraps
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

from .selectors import municipalities
from .translation_notice import fill_notices

CACHE_SECONDS = 60 * 60
VERSION_SECONDS = 5
PARAMETER_PAGES = 100  # pages with a query parameter (searches) cached per CACHE_SECONDS
MAX_PARAMETER_LENGTH = 200
GENERATION_KEY = "public-page-generation"
PARAMETER_PAGES_KEY = "public-page-parameter-pages"
NOT_CACHED = "public_cache_skip"  # a view sets this attribute on a response that should not be kept
MAX_ROUTES = 10_000  # paths PublicPageCacheMiddleware knows (only paths a decorated view answered with 200)
# request.path -> (the municipality's slug, the page's parameters), as the decorator saw them in this process
_routes: dict[str, tuple[str, tuple[str, ...]]] = {}
MISSED = "public_page_missed"  # on a request: the CacheRead the middleware found no page with


def normalised(value: str) -> str:
    """A query parameter as the page reads it: spaces trimmed and collapsed, at most MAX_PARAMETER_LENGTH letters."""
    return " ".join(value.split())[:MAX_PARAMETER_LENGTH]


def forget_versions() -> None:
    """After an edit: every municipality's content version is read from the database again."""
    cache.set(GENERATION_KEY, time.time_ns(), None)


class CacheRead(NamedTuple):
    """What one read of the cache found for a request's page."""

    slug: str
    version_key: str
    page_key: str
    generation: int
    version: str | None  # the content's current version, if read from the database since the last edit
    page: tuple[str, bytes] | None  # the page kept: (the version it was made from, its HTML)

    def html(self, version: str | None) -> bytes | None:
        """The page kept, if it was made from `version`."""
        return self.page[1] if self.page is not None and self.page[0] == version else None


def _page_key(slug: str, request, params: tuple[str, ...]) -> str:
    page = request.path + "".join(f"&{name}={normalised(request.GET.get(name, ''))}" for name in params)
    # The hash keeps the key short and safe for any cache backend.
    return f"public-page:{slug}:{get_language()}:{hashlib.sha256(page.encode()).hexdigest()}"


def _read(request, slug: str, params: tuple[str, ...]) -> CacheRead:
    version_key, page_key = f"public-page-version:{slug}", _page_key(slug, request, params)
    found = cache.get_many([GENERATION_KEY, version_key, page_key])
    generation = found.get(GENERATION_KEY) or 0
    stored = found.get(version_key)  # (the generation it was read in, the version)
    version = stored[1] if stored is not None and stored[0] == generation else None
    return CacheRead(slug, version_key, page_key, generation, version, found.get(page_key))


def _current_version(read: CacheRead):
    """The content's current version, and the municipality if it had to be read from the database for it."""
    if read.version is not None:
        return read.version, None
    municipality = get_object_or_404(municipalities(), slug=read.slug)
    version = municipality.content_changed_at.isoformat()
    cache.set(read.version_key, (read.generation, version), VERSION_SECONDS)
    return version, municipality


def _may_add_parameter_page() -> bool:
    cache.add(PARAMETER_PAGES_KEY, 0, CACHE_SECONDS)
    try:
        return cache.incr(PARAMETER_PAGES_KEY) <= PARAMETER_PAGES
    except ValueError:  # expired between add and incr
        return False


def _remember_route(request, slug: str, params: tuple[str, ...]) -> None:
    if request.path not in _routes and len(_routes) < MAX_ROUTES:
        _routes[request.path] = (slug, params)


def public_municipality_page(view=None, *, params: tuple[str, ...] = ()):
    """Serve anonymous visitors the municipality's page from the cache; the view gets the municipality of the URL.

    `params`: the query parameters the page reads (each normalised with `normalised`); all others are ignored.
    """
    if view is None:
        return lambda view: public_municipality_page(view, params=params)

    @wraps(view)
    def wrapper(request, municipality_slug: str, **kwargs):
        # (request.user reads the database only for a visitor with a session cookie)
        cacheable = request.method == "GET" and not request.user.is_authenticated
        if not cacheable:
            return view(request, get_object_or_404(municipalities(), slug=municipality_slug), **kwargs)
        read = getattr(request, MISSED, None)
        if read is None or read.slug != municipality_slug:
            read = _read(request, municipality_slug, params)
        try:
            version, municipality = _current_version(read)
        except DatabaseError:
            if read.page is None:
                raise
            return HttpResponse(read.page[1])  # the last page made, whatever its version: better than none
        html = read.html(version)
        if html is not None:
            _remember_route(request, municipality_slug, params)
            return HttpResponse(html)
        if municipality is None:
            municipality = get_object_or_404(municipalities(), slug=municipality_slug)
        response = view(request, municipality, **kwargs)
        fill_notices(response)  # what the page says is not translated is kept with it
        has_params = any(request.GET.get(name, "").strip() for name in params)
        if (
            response.status_code == 200
            and not getattr(response, NOT_CACHED, False)
            and (not has_params or _may_add_parameter_page())
        ):
            cache.set(read.page_key, (version, response.content), CACHE_SECONDS)
            _remember_route(request, municipality_slug, params)
        return response

    return wrapper


def renew_after_commit() -> None:
    """Renew the versions now (this process) and again when the edit's transaction commits (other readers)."""
    forget_versions()
    transaction.on_commit(forget_versions)


class PublicPageCacheMiddleware:
    """A cached public page for a visitor without a session cookie, before URL resolution and the inner middleware.

    What it serves is what `public_municipality_page` would serve for the request (same keys, same version), so it
    sits below LocaleMiddleware (the language of the key) and the middleware that set headers on every response.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        route = _routes.get(request.path)
        if route is not None and request.method == "GET" and settings.SESSION_COOKIE_NAME not in request.COOKIES:
            slug, params = route
            read = _read(request, slug, params)
            html = read.html(read.version) if read.version is not None else None
            if html is not None:
                response = HttpResponse(html)
                # What the page shows depends on the session (none here): as the session middleware marks it.
                patch_vary_headers(response, ("Cookie",))
                return response
            setattr(request, MISSED, read)  # not read again by the view
        return self.get_response(request)
