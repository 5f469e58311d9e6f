"""Dates, whole numbers and percentages as each interface language writes them (CLDR's conventions).

Danish "31. oktober 2025" and "75 %", English "31 October 2025" and "75%", Turkish "31 Ekim 2025" and
"%75", Polish "31 października 2025" and "75%", Ukrainian "31 жовтня 2025" followed by the abbreviation for
"year", and "75%"; Arabic "31 أكتوبر 2025" and "75%" (the sign held left-to-right by marks). Arabic keeps the
digits 0-9 that Danish letters, phone numbers and the rest of the portal use (CLDR's Arabic with Latin
digits, "ar-u-nu-latn").

One function per rule, used by templates (`{% load local_formats %}`) and code alike. `language` is an
interface language code; None means the active one. Month names come from Django's own catalogues, in the
form each language uses inside a date (Polish and Ukrainian: the genitive, Django's "E").
Machine-readable output (CSV, Excel, the API) does not use these: it keeps its own fixed formats.
"""

import math
from datetime import date, datetime

from django.utils import timezone
from django.utils.dateformat import format as django_date_format
from django.utils.translation import get_language, get_language_info, override

from .translations import SOURCE_LANGUAGE

NBSP = "\u00a0"
LRM = "\u200e"
LRI, PDI = "\u2066", "\u2069"  # left-to-right isolate and its end

# Django date format strings (letters: j day, F month, E month in a date, Y year, H:i time). A backslash
# keeps a letter literal.
DATE_FORMATS = {
    "da": "j. F Y",
    "en": "j F Y",
    "ar": "j F Y",
    "tr": "j F Y",
    "pl": "j E Y",
    "uk": "j E Y \N{CYRILLIC SMALL LETTER ER}.",
}
# A day in digits (CLDR's short dates, with the whole year): 31.10.2025 (da, tr, pl, uk), 31/10/2025 (en, ar).
SHORT_DATE_FORMATS = {"da": "d.m.Y", "en": "d/m/Y", "ar": "d/m/Y", "tr": "d.m.Y", "pl": "d.m.Y", "uk": "d.m.Y"}
# The percent sign's place: {n} is the number.
PERCENT_PATTERNS = {
    "da": "{n}" + NBSP + "%",
    "en": "{n}%",
    "ar": "{n}" + LRM + "%" + LRM,
    "tr": "%{n}",
    "pl": "{n}%",
    "uk": "{n}%",
}
# Thousands: 12.345 (da, tr), 12,345 (en, ar), 12 345 (pl, uk, with a no-break space).
GROUP_SEPARATORS = {"da": ".", "en": ",", "ar": ",", "tr": ".", "pl": NBSP, "uk": NBSP}
# Polish and Ukrainian do not group a four-digit number (CLDR's minimumGroupingDigits 2): 1234, 12 345.
MINIMUM_GROUPING_DIGITS = {"pl": 2, "uk": 2}


def language_of(language: str | None = None) -> str:
    """A configured language's base code ("pl" for "pl-PL"); the active language when None; Danish otherwise."""
    code = (language or get_language() or SOURCE_LANGUAGE).split("-")[0].lower()
    return code if code in DATE_FORMATS else SOURCE_LANGUAGE


def format_date(value: date | datetime | None, language: str | None = None) -> str:
    """A day written out: "31. oktober 2025" (da), "31 October 2025" (en), "31 października 2025" (pl)."""
    if value is None:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    code = language_of(language)
    with override(code):
        return django_date_format(value, DATE_FORMATS[code])


def format_datetime(value: datetime | None, language: str | None = None) -> str:
    """A day written out and the time of day in local time: "31. oktober 2025 14:05"."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{format_date(value, language)} {value:%H:%M}"


def format_short_date(value: date | datetime | None, language: str | None = None) -> str:
    """A day in digits, for tables and staff pages: "31.10.2025" (da), "31/10/2025" (en)."""
    if value is None:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return django_date_format(value, SHORT_DATE_FORMATS[language_of(language)])


def format_short_datetime(value: datetime | None, language: str | None = None) -> str:
    """A day in digits and the time of day in local time: "31.10.2025 14:05"."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{format_short_date(value, language)} {value:%H:%M}"


def format_integer(value: int | None, language: str | None = None) -> str:
    """A whole number with the language's thousands separator: 12.345 (da), 12,345 (en), 12 345 (pl)."""
    if value is None:
        return ""
    code = language_of(language)
    digits = str(abs(int(value)))
    if len(digits) >= 4 + MINIMUM_GROUPING_DIGITS.get(code, 1) - 1:
        groups = []
        while len(digits) > 3:
            digits, group = digits[:-3], digits[-3:]
            groups.insert(0, group)
        digits = GROUP_SEPARATORS[code].join([digits, *groups])
    return ("-" if int(value) < 0 else "") + digits


def whole_percent(share: float) -> int:
    """A share (0.665) as a whole percentage, rounded half up (67; the 1e-9 absorbs the float's error)."""
    return math.floor(share * 100 + 0.5 + 1e-9)


def format_percent(value: float | int | None, language: str | None = None) -> str:
    """A whole percentage as the language writes it: "75 %" (da), "75%" (en), "%75" (tr).

    `value` is the percentage itself (75), not a share; `format_share` takes a share (0.75)."""
    if value is None:
        return ""
    code = language_of(language)
    return PERCENT_PATTERNS[code].format(n=format_integer(round(value), code))


def format_share(share: float | None, language: str | None = None) -> str:
    """A share (0.665) as a whole percentage rounded half up, as the language writes it: "67 %" (da)."""
    if share is None:
        return ""
    return format_percent(whole_percent(share), language)


def format_share_range(low: float, high: float, language: str | None = None) -> str:
    """An interval of shares with an en dash and the sign once: "58–73 %" (da), "58–73%" (en), "%58–73" (tr).

    In a right-to-left language the interval is isolated left to right (LRI … PDI): the bidirectional
    algorithm would otherwise draw "58–73%" as "73%–58"."""
    code = language_of(language)
    numbers = f"{format_integer(whole_percent(low), code)}\u2013{format_integer(whole_percent(high), code)}"
    text = PERCENT_PATTERNS[code].format(n=numbers)
    return f"{LRI}{text}{PDI}" if get_language_info(code)["bidi"] else text
