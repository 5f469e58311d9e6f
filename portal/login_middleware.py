"""What every request of a logged-in staff member passes: the session's time limits, the second factor, no cache.

- SessionTimeoutMiddleware: logged out after PORTAL_SESSION_IDLE_SECONDS without a request and at the latest
  PORTAL_SESSION_MAX_SECONDS after logging in; the login page then says why (`?udloebet=inaktiv|8-timer`).
  The session's "last seen" is written at most every minute, so a page costs no extra query. A session whose
  person can no longer log in (deactivated on the staff pages) is deleted at its next request.
- SecondFactorRequiredMiddleware: a session in which the person proved only a password is sent to set up an
  authenticator app (TOTP), or a security key or passkey (WebAuthn), before any other page; a passkey login
  (the key checked a PIN or fingerprint) and a login through the municipality's identity provider count as two
  factors (the provider asks for its own).
- NoStoreForStaffMiddleware: no browser or proxy keeps a page shown to a logged-in person.
"""

import time
from urllib.parse import urlencode

from allauth.account.internal.flows.login import get_authentication_records, record_authentication
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import add_never_cache_headers

from .login import LOGIN_AT, LOGIN_FACTORS

SEEN_AT = "portal_seen_at"
TIMED_OUT_IDLE = "inaktiv"
TIMED_OUT_MAX = "8-timer"
# What a person whose session still needs a second factor may open: setting one up, and leaving.
ENROLMENT_URL_NAMES = frozenset(
    {
        "mfa_activate_totp",
        "mfa_add_webauthn",
        "mfa_reauthenticate_webauthn",
        "mfa_index",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
        "account_logout",
        "logout",
    }
)
TWO_FACTOR_METHODS = frozenset({"mfa", "socialaccount"})


@receiver(user_logged_in)
def start_session_clock(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[LOGIN_AT] = now
        request.session[SEEN_AT] = now


def _refresh_interval() -> int:
    return max(1, min(60, settings.PORTAL_SESSION_IDLE_SECONDS // 2))


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            expired = self.expired(request.session)
            if expired:
                logout(request)
                return redirect(f"{reverse('login')}?{urlencode({'udloebet': expired, 'next': request.path})}")
        elif SESSION_KEY in request.session:
            # Logged in, but the account no longer lets anyone in (inactive): Django shows an anonymous person
            # and would keep the session; it ends here, whichever login (password or identity provider) began it.
            request.session.flush()
        return self.get_response(request)

    @staticmethod
    def expired(session) -> str | None:
        now = int(time.time())
        login_at = session.get(LOGIN_AT, now)
        seen_at = session.get(SEEN_AT, login_at)
        if now - login_at >= settings.PORTAL_SESSION_MAX_SECONDS:
            return TIMED_OUT_MAX
        if now - seen_at >= settings.PORTAL_SESSION_IDLE_SECONDS:
            return TIMED_OUT_IDLE
        if now - seen_at >= _refresh_interval():
            session[SEEN_AT] = now
        return None


def has_second_factor(request) -> bool:
    records = get_authentication_records(request, request.user)
    if any(record.get("method") in TWO_FACTOR_METHODS for record in records):
        return True
    # Just set up in this session: the authenticator app's code was typed, or the key was touched, to add it.
    factor = Authenticator.objects.filter(user=request.user, type__in=LOGIN_FACTORS).order_by("pk").first()
    if factor is None:
        return False
    record_authentication(request, request.user, method="mfa", type=factor.type, id=factor.pk)
    return True


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and not self.exempt(request.path_info) and not has_second_factor(request):
            return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def exempt(path: str) -> bool:
        if path.startswith((settings.STATIC_URL, "/healthz")):
            return True
        try:
            return resolve(path).url_name in ENROLMENT_URL_NAMES
        except Resolver404:
            return True  # the 404 page shows nothing of a staff member's


def staff_path_prefixes() -> tuple[str, ...]:
    """Where the staff's pages are: /personale/ and /<code>/personale/ in every other language."""
    return ("/personale/", *(f"/{code}/personale/" for code, _name in settings.LANGUAGES))


class NoStoreForStaffMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.staff_prefixes = staff_path_prefixes()

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated or request.path_info.startswith(self.staff_prefixes):
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
        return response
