"""The client's address, for login throttling (django-axes, via AXES_CLIENT_IP_CALLABLE) and the survey's
per-client limits: the one place that reads it.

Behind DJANGO_PROXY_COUNT reverse proxies (PROXY_COUNT) that each append the address they received the
request from to X-Forwarded-For (nginx's `$proxy_add_x_forwarded_for`, HAProxy's `option forwardfor`), the
client is the PROXY_COUNT-th entry from the right: what the outermost proxy saw. Entries further left were
written by the client and are ignored, so a forged X-Forwarded-For changes nothing. (django-ipware's
proxy_count reads the header the other way round, and a forged first entry won there, so it is not used.)
Without proxies, or when the header has fewer entries than there are proxies, it is REMOTE_ADDR (None when a
request has none, as a login made by code has not).
"""

from django.conf import settings


def client_address(request) -> str | None:
    proxies = int(getattr(settings, "PROXY_COUNT", 0) or 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
