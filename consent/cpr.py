"""Danish CPR numbers: validated, never stored in clear, shown masked.

The portal is not the municipality's record system, so it keeps only what it needs: a keyed hash
to find a citizen by CPR number, and the date-of-birth part to show ("010190-xxxx").
"""

import hashlib
import hmac
import re
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CPR_PATTERN = re.compile(r"^([0-9]{2})([0-9]{2})([0-9]{2})-?([0-9]{4})$")


def century(year_2: int, seventh_digit: int) -> int:
    """The century of a CPR number's birth year, from its 7th digit (the CPR office's table)."""
    if seventh_digit <= 3:
        return 1900
    if seventh_digit in (4, 9):
        return 2000 if year_2 <= 36 else 1900
    return 2000 if year_2 <= 57 else 1800  # 5 to 8


def parse_cpr(value: str) -> tuple[str, date]:
    """'010190-1234' or '0101901234' → ('0101901234', date of birth); ValidationError when it cannot be one."""
    match = CPR_PATTERN.match((value or "").strip().replace(" ", ""))
    if not match:
        raise ValidationError(_("A CPR number has 10 digits, e.g. 010190-1234."), code="cpr_format")
    day, month, year_2, serial = match.groups()
    try:
        born = date(century(int(year_2), int(serial[0])) + int(year_2), int(month), int(day))
    except ValueError:
        raise ValidationError(
            _("The first six digits of a CPR number are a date of birth (ddmmyy)."), code="cpr_date"
        ) from None
    return f"{day}{month}{year_2}{serial}", born


def cpr_digest(digits: str) -> str:
    """A keyed hash of the 10 digits: finds a citizen without storing the number."""
    key = (getattr(settings, "CPR_HASH_KEY", "") or settings.SECRET_KEY).encode()
    return hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()


def mask(digits_or_birth: str) -> str:
    return f"{digits_or_birth[:6]}-xxxx"
