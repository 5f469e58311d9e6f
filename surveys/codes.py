"""Invitation codes: random, easy to type from a printed letter, and stored only as a keyed hash.

A code is 10 characters from an alphabet without look-alikes (no 0/O/Q/D, 1/I/L, 2/Z, 5/S, 8/B),
shown in groups as "ACEF-GHJK-MN"; 23^10 ≈ 4·10^13 possible codes. Whoever types it may use lower case,
spaces or no hyphens. The database keeps HMAC-SHA256(code) keyed with SURVEY_CODE_KEY (or
SECRET_KEY), so a copy of the database does not give the codes away.
"""

import hashlib
import hmac
import re
import secrets

from django.conf import settings

ALPHABET = "ACEFGHJKMNPRTUVWXY34679"
LENGTH = 10
GROUPS = (4, 4, 2)
_SEPARATORS = re.compile(r"[\s\-\u2013_.]+")  # spaces, hyphens, en dashes, underscores, full stops


def _key() -> bytes:
    return (getattr(settings, "SURVEY_CODE_KEY", "") or settings.SECRET_KEY).encode()


def new_code() -> str:
    """A fresh random code, without separators."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(typed: str) -> str | None:
    """The code as stored (upper case, no separators), or None when it cannot be a code at all."""
    code = _SEPARATORS.sub("", typed or "").upper()
    if len(code) != LENGTH or any(character not in ALPHABET for character in code):
        return None
    return code


def grouped(code: str) -> str:
    """ "ACEFGHJKMN" as "ACEF-GHJK-MN", for letters, e-mails and links."""
    parts, start = [], 0
    for size in GROUPS:
        parts.append(code[start : start + size])
        start += size
    return "-".join(parts)


def digest(code: str) -> str:
    """What the database keeps of a (normalized) code: 64 hex digits."""
    return hmac.new(_key(), b"survey-code:" + code.encode(), hashlib.sha256).hexdigest()
