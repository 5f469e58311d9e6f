"""Telling a reader honestly what is not translated: a page in another language than Danish that shows Danish
text (a translation is missing), a draft translation or one of an earlier Danish text says so near the top.

The texts a page shows note their state while it is rendered (`portal.translations.note_shown`, from the
`tr` and `lang_attr` filters); base.html holds a placeholder at the top of the main content, which is filled
after rendering, from what was noted. Any page gets this without its view doing anything. The public page
cache fills it before it keeps a page, so a page served from the cache carries its notices.
"""

from django.template.loader import render_to_string

from .translations import notices, start_noting_shown, stop_noting_shown, take_shown

PLACEHOLDER = b"<!--translation-notices-->"


def fill_notices(response) -> None:
    """Put the notices of the texts shown since the last call in place of the response's placeholder."""
    states = take_shown()
    if getattr(response, "streaming", False) or not response.get("Content-Type", "").startswith("text/html"):
        return
    if PLACEHOLDER not in response.content:
        return
    said = notices(states)
    html = render_to_string("includes/translation_notices.html", {"notices": said}).strip() if said else ""
    response.content = response.content.replace(PLACEHOLDER, html.encode(), 1)
    if response.has_header("Content-Length"):  # set by a middleware before this ran
        response["Content-Length"] = str(len(response.content))


class TranslationNoticeMiddleware:
    """Notes the states of the texts each page shows and fills its notices (after LocaleMiddleware: the
    notices are in the reader's language)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = start_noting_shown()
        try:
            response = self.get_response(request)
            fill_notices(response)
        finally:
            stop_noting_shown(token)
        return response
