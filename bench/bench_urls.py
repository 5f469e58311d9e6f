"""The portal's URLs plus /bench/bare, a view that does nothing, as the benchmark's baseline.

The portal's patterns are spliced in rather than include()d: LocaleMiddleware only notices
i18n_patterns at the top level of ROOT_URLCONF, and the policy pages must resolve as in production.
"""

from django.http import HttpResponse
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns


def bare_view(request):
    return HttpResponse("bare\n", content_type="text/plain")


urlpatterns = [path("bench/bare", bare_view), *portal_urlpatterns]
