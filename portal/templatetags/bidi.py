"""Text that must keep its own direction inside a page of another one (Arabic is written right to left).

`{{ contact.name|isolate }}`: a name or text someone typed, in `<bdi>`, so that its letters, or a direction
control character in it (U+202E, right-to-left override), cannot reorder the sentence around it.
`{{ contact.phone_display|ltr }}`: a phone number, CPR number, e-mail or web address, kept left to right
inside right-to-left text ("33 12 34 56" would otherwise read "56 34 12 33"). Both escape the value.
Only for text between tags: an attribute (alt, aria-label, title) takes the plain value.
"""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def isolate(value) -> str:
    if value is None or value == "":
        return ""
    return format_html("<bdi>{}</bdi>", value)


@register.filter
def ltr(value) -> str:
    if value is None or value == "":
        return ""
    return format_html('<bdi dir="ltr">{}</bdi>', value)
