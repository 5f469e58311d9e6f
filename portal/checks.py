"""System checks of the production configuration (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def proxy_count_matches_the_trusted_proxy_header(app_configs=None, **kwargs) -> list[Error]:
    """Behind a reverse proxy every request comes from the proxy's address: unless DJANGO_PROXY_COUNT says how
    many proxies stand in front, the login throttling and the survey's per-client limits count every client
    as one (five wrong passwords from a stranger would lock the real caseworker out)."""
    proxies = int(getattr(settings, "PROXY_COUNT", 0) or 0)
    trusts_proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None) is not None
    if trusts_proxy_header and proxies == 0:
        return [
            Error(
                "X-Forwarded-Proto is trusted (the portal runs behind a reverse proxy), but DJANGO_PROXY_COUNT is 0, "
                "so every client would have the proxy's address and share one login lockout and one survey limit.",
                hint="Set DJANGO_PROXY_COUNT to the number of reverse proxies in front of gunicorn (usually 1).",
                id="portal.E001",
            )
        ]
    if proxies > 0 and not trusts_proxy_header:
        return [
            Error(
                "DJANGO_PROXY_COUNT is set, but no proxy header is trusted (SECURE_PROXY_SSL_HEADER).",
                hint="Run behind the reverse proxy with DJANGO_DEBUG off, or set DJANGO_PROXY_COUNT=0.",
                id="portal.E002",
            )
        ]
    return []
