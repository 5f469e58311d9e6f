"""Dates and figures in the reader's language (portal.formats): `{{ day|long_date }}`, `{{ 0.75|share }}`."""

from django import template

from portal import formats

register = template.Library()


@register.filter
def long_date(value) -> str:
    """`{{ wave.closes_on|long_date }}`: "31. oktober 2025" in Danish, "31 October 2025" in English."""
    return formats.format_date(value)


@register.filter
def long_datetime(value) -> str:
    """`{{ person.last_login|long_datetime }}`: "31. oktober 2025 14:05"."""
    return formats.format_datetime(value)


@register.filter
def short_date(value) -> str:
    """`{{ consent.given_on|short_date }}`: "31.10.2025" in Danish, "31/10/2025" in English."""
    return formats.format_short_date(value)


@register.filter
def short_datetime(value) -> str:
    """`{{ event.at|short_datetime }}`: "31.10.2025 14:05"."""
    return formats.format_short_datetime(value)


@register.filter
def share(value) -> str:
    """`{{ 0.75|share }}`: "75 %" in Danish, "75%" in English, "%75" in Turkish."""
    return formats.format_share(value)


@register.filter
def integer(value) -> str:
    """`{{ 12345|integer }}`: "12.345" in Danish, "12,345" in English."""
    return formats.format_integer(value)
