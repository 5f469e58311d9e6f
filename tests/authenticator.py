"""The staff's second factor in tests: an authenticator app set up as the enrolment page does, its codes, and the
recovery codes. Codes come from pyotp, as a phone's authenticator app computes them. (allauth is imported where it is
used, so the two-server tests' site scripts and benches can compute codes without Django.)"""

import time

import pyotp

TOTP_PERIOD = 30


def enrol_totp(user) -> str:
    """Sets up an authenticator app (and recovery codes) for `user`, as the enrolment page does; the secret."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def totp_code(secret: str, steps_ago: int = 0) -> str:
    """The code the person's authenticator app shows now (or `steps_ago` 30-second steps before). A code read in the
    last two seconds of its step is not typed: a person would wait for the next one, and so does the test."""
    if steps_ago == 0 and TOTP_PERIOD - time.time() % TOTP_PERIOD < 2:
        time.sleep(TOTP_PERIOD - time.time() % TOTP_PERIOD + 0.05)
    return pyotp.TOTP(secret).at(time.time() - steps_ago * TOTP_PERIOD)


def recovery_codes(user) -> list[str]:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    instance = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    return RecoveryCodes(instance).get_unused_codes()
