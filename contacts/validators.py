"""Danish phone numbers and e-mail addresses as the municipalities write them."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _

PHONE_PATTERN = re.compile(r"^(?:\+45|0045)?([0-9]{8})$")


def normalize_phone(value: str) -> str:
    """'36 39 28 80', '+45 36392880' → '36392880'; raises ValidationError for anything but 8 Danish digits."""
    compact = re.sub(r"[\s.\-()]", "", value or "")
    match = PHONE_PATTERN.match(compact)
    if not match:
        raise ValidationError(_("Write a Danish phone number with 8 digits, e.g. 36 39 28 80."), code="invalid_phone")
    return match.group(1)


def validate_phone(value: str) -> None:
    normalize_phone(value)


def format_phone(digits: str) -> str:
    """'36392880' → '36 39 28 80', the way Danish numbers are read aloud."""
    return " ".join(digits[i : i + 2] for i in range(0, len(digits), 2)) if digits else ""


class InternationalEmailValidator(EmailValidator):
    """Django's e-mail check, but letters such as æ, ø and å are allowed before the @ (RFC 6531),
    as in Hvidovre's voksenrådgivningen@hvidovre.dk."""

    message = _("Write a whole e-mail address, e.g. visitationen@kommune.dk.")
    user_regex = re.compile(r"^[\w!#$%&'*+/=?^`{|}~-]+(\.[\w!#$%&'*+/=?^`{|}~-]+)*\Z", re.IGNORECASE)


validate_email = InternationalEmailValidator()
