"""Filters that show a policy's texts as written: paragraphs, list items, and the language they are in."""

import re

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language

from portal.models import TranslatedText
from portal.translations import note_shown

register = template.Library()


@register.filter
def tr(obj, field: str) -> TranslatedText:
    """`{{ page|tr:"title" }}`: the text in the reader's language where it is translated, else the Danish
    (portal.models.TranslatedFieldsMixin.translated); the page's notices say which (portal.translation_notice)."""
    text = obj.translated(field)
    note_shown(text)
    return text


@register.filter
def lang_attr(text) -> str:
    """` lang="da"` on an element whose text is Danish while the page is in another language (WCAG 3.1.2)."""
    note_shown(text)
    lang = getattr(text, "lang", None)
    if lang and not (get_language() or "da").startswith(lang):
        return format_html(' lang="{}"', lang)
    return ""


@register.filter
def paragraphs(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"\n\s*\n", text or "") if part.strip()]


@register.filter
def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# A web address as policies print it, "hvidovre.dk/politikker" (no scheme), not part of an e-mail address.
PRINTED_ADDRESS = re.compile(r"(?<![@\w.])((?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.dk(?:/[\w-]+)*/?)(?![\w@])")


@register.filter
def with_links(text: str) -> str:
    """The text, escaped, with each printed web address ("hvidovre.dk/politikker") a link to it."""
    parts = PRINTED_ADDRESS.split(text or "")  # text, address, text, address, …, text
    return format_html_join(
        "",
        "{}{}",
        (
            (part, format_html('<a href="https://{}">{}</a>', parts[i + 1], parts[i + 1]) if i + 1 < len(parts) else "")
            for i, part in enumerate(parts)
            if i % 2 == 0
        ),
    )
