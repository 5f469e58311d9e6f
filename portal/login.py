"""How staff get in: django-allauth's adapters, set to the portal's rules.

- Nobody signs up: staff accounts are made by the municipality's administrator (or the platform's).
- A login through a municipality's identity provider (an allauth SocialApp of the `openid_connect` provider
  whose provider_id is the municipality's slug) lets in only an ACTIVE staff account of THAT municipality,
  found by the subject the provider vouched for before, or else by an e-mail address the provider says it
  has verified. Roles and units always come from the portal. Anything else is refused with a page that says
  so, and logged (the municipality's slug and the reason, never the person's e-mail address).
- Password logins need a second factor (see portal.login_middleware.SecondFactorRequiredMiddleware); the
  identity provider carries the second factor of its own logins.
"""

import logging
import time
from typing import ClassVar
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.decorators import reauthentication_required
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from .models import Municipality

LOGIN_AT = "portal_login_at"  # when this session's login happened (portal.login_middleware starts the clock)

logger = logging.getLogger(__name__)

OIDC_PROVIDER = "openid_connect"
USERNAME_MAX_LENGTH = 150  # the User model's username


def axes_username(request, credentials) -> str | None:
    """The username django-axes records for a failed login: what was typed, cut to fit, without NUL bytes."""
    if credentials is not None and "username" in credentials:
        typed = credentials.get("username")
    else:
        typed = request.POST.get("login", request.POST.get("username")) if request is not None else None
    if typed is None:
        return None
    return str(typed).replace("\x00", "")[:USERNAME_MAX_LENGTH]


def identity_provider_of(municipality: Municipality) -> SocialApp | None:
    """The municipality's identity provider, if the platform administrator has set one."""
    return SocialApp.objects.filter(provider=OIDC_PROVIDER, provider_id=municipality.slug).first()


def identity_provider_origins() -> list[str]:
    """The origins (scheme://host:port) of the identity providers' issuers, for the login page's CSP."""
    urls = SocialApp.objects.filter(provider=OIDC_PROVIDER).values_list("settings", flat=True)
    origins = set()
    for app_settings in urls:
        parts = urlsplit((app_settings or {}).get("server_url", ""))
        if parts.scheme in ("https", "http") and parts.netloc:
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


def discovered_issuer(issuer: str) -> str:
    """The issuer that `issuer`'s OpenID Connect discovery document names."""
    with DefaultSocialAccountAdapter().get_requests_session() as session:
        response = session.get(f"{issuer.rstrip('/')}/.well-known/openid-configuration", timeout=10)
        response.raise_for_status()
        return response.json()["issuer"]


class AccountAdapter(DefaultAccountAdapter):
    error_messages: ClassVar = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": _("The username or password is wrong. Both are case-sensitive."),
    }

    def is_open_for_signup(self, request) -> bool:
        return False

    def is_reauthentication_required(self, app: str = "") -> bool:
        """Setting up the second factor or downloading personal data needs a recent login (within
        ACCOUNT_REAUTHENTICATION_TIMEOUT) or a re-entered password or code; allauth counts only the latter."""
        request = context.request
        login_at = request.session.get(LOGIN_AT) if request is not None and hasattr(request, "session") else None
        return not (login_at is not None and time.time() - login_at < settings.ACCOUNT_REAUTHENTICATION_TIMEOUT)


# What logs a person in as a second factor (recovery codes only stand in for one of these).
LOGIN_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def is_last_login_factor(authenticator: Authenticator) -> bool:
    """True if removing `authenticator` would leave its owner no authenticator app, security key or passkey."""
    if authenticator.type not in LOGIN_FACTORS:
        return False
    others = Authenticator.objects.filter(user_id=authenticator.user_id, type__in=LOGIN_FACTORS)
    return not others.exclude(pk=authenticator.pk).exists()


class MFAAdapter(DefaultMFAAdapter):
    error_messages: ClassVar = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "This is your last way to confirm your login. Add another (an authenticator app, a security key or "
            "a passkey) before you remove this one."
        ),
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Staff always keep a second factor: the last app, security key or passkey cannot be removed."""
        return not is_last_login_factor(authenticator)

    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        """WebAuthn's relying party: PORTAL_WEBAUTHN_RP_ID, or the host the browser asked for."""
        rp_id = settings.PORTAL_WEBAUTHN_RP_ID or context.request.get_host().partition(":")[0]
        return {"id": rp_id, "name": settings.MFA_TOTP_ISSUER}


def recent_login_required(view):
    """For downloads of personal data (FHIR, receipts, exports): a login or re-entered password / code within
    the last ACCOUNT_REAUTHENTICATION_TIMEOUT seconds, else allauth asks for the password or code again."""
    return reauthentication_required(view, app="portal.personal_data")


class LoginRefused(Exception):
    """A login through an identity provider that the portal does not let in; `reason` goes to the log."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False

    def pre_social_login(self, request, sociallogin) -> None:
        app = sociallogin.provider.app
        try:
            user = self.staff_member_for(sociallogin, app)
        except LoginRefused as refusal:
            logger.warning("identity provider login refused: provider=%s reason=%s", app.provider_id, refusal.reason)
            raise ImmediateHttpResponse(
                render(request, "socialaccount/login_refused.html", {"app": app}, status=403)
            ) from None
        if not sociallogin.is_existing:
            sociallogin.connect(request, user)  # keeps the subject, so a changed e-mail address still finds them
        logger.info("identity provider login: provider=%s user=%s", app.provider_id, user.pk)

    def staff_member_for(self, sociallogin, app: SocialApp):
        """The active staff account of the app's municipality that this login belongs to, or LoginRefused."""
        if app.provider != OIDC_PROVIDER or sociallogin.state.get("process", "login") != "login":
            raise LoginRefused("not a login")
        municipality = Municipality.objects.filter(slug=app.provider_id).first()
        if municipality is None:
            raise LoginRefused("no municipality has this provider")
        user = sociallogin.user if sociallogin.is_existing else self._user_by_verified_email(sociallogin, municipality)
        if not user.is_active or user.municipality_id != municipality.pk:
            raise LoginRefused("the account is not an active staff account of the provider's municipality")
        return user

    def _user_by_verified_email(self, sociallogin, municipality: Municipality):
        verified = [address.email for address in sociallogin.email_addresses if address.verified]
        if not verified:
            raise LoginRefused("no verified e-mail address")
        users = list(
            get_user_model().objects.filter(municipality=municipality, is_active=True, email__iexact=verified[0])[:2]
        )
        if len(users) != 1:
            raise LoginRefused("no single active staff account has the verified e-mail address")
        return users[0]

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None) -> None:
        logger.warning(
            "identity provider login failed: provider=%s error=%s exception=%s",
            getattr(getattr(provider, "app", None), "provider_id", provider),
            error,
            type(exception).__name__ if exception else None,
        )
