"""Whole-page caching of a municipality's public pages (its policy, and the apps' public pages) for anonymous visitors.

An anonymous visitor's page carries nothing personal (no CSRF token, no name), so the rendered HTML
is shared. The key holds the municipality's `content_changed_at`, which every edit of its content
moves (portal.signals and the apps' own signals), so an edit is visible at once without anyone
clearing a cache; the one query that reads it is the municipality lookup the page needs anyway.
The cache is Django's default cache: per process, or Redis shared by all workers with REDIS_URL.
"""

import hashlib
from functools import wraps

from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language

from .selectors import municipalities

CACHE_SECONDS = 60 * 60


def public_municipality_page(view):
    """Look up the municipality of the URL and serve anonymous visitors from the page cache."""

    @wraps(view)
    def wrapper(request, municipality_slug: str, **kwargs):
        municipality = get_object_or_404(municipalities(), slug=municipality_slug)
        if request.method != "GET" or request.user.is_authenticated:
            return view(request, municipality, **kwargs)
        # Only the search word makes a page of its own (the directory's results); any other query
        # string is ignored, so made-up parameters cannot fill the cache with copies of a page.
        page = f"{request.path}?q={request.GET.get('q', '')}"
        key = ":".join(
            [
                "public-page",
                str(municipality.pk),
                municipality.content_changed_at.isoformat(),
                get_language(),
                hashlib.sha256(page.encode()).hexdigest(),  # short, and safe for any cache backend
            ]
        )
        html = cache.get(key)
        if html is not None:
            return HttpResponse(html)
        response = view(request, municipality, **kwargs)
        if response.status_code == 200:
            cache.set(key, response.content, CACHE_SECONDS)
        return response

    return wrapper
