from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language


def portal(request):
    """The other language's URL of this page, for the language switch, and the portal's own links."""
    current = get_language() or settings.LANGUAGE_CODE
    other = "en" if current.startswith("da") else "da"
    return {
        "other_language": other,
        "other_language_url": translate_url(request.path, other),
        "portal_accessibility_statement_url": settings.PORTAL_ACCESSIBILITY_STATEMENT_URL,
        "idle_minutes": settings.PORTAL_SESSION_IDLE_SECONDS // 60,
    }
