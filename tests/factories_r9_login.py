"""Second factors and identity providers for the login tests: real allauth authenticators, real SocialApps."""

import factory
import pyotp
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.socialaccount.models import SocialApp


def enrol_totp(user) -> str:
    """Sets up an authenticator app (and recovery codes) for `user`, as the enrolment page does; the secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def totp_code(secret: str) -> str:
    """The code the person's authenticator app shows now."""
    return pyotp.TOTP(secret).now()


def recovery_codes(user) -> list[str]:
    instance = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    return RecoveryCodes(instance).get_unused_codes()


class IdentityProviderFactory(factory.django.DjangoModelFactory):
    """A municipality's identity provider: an allauth SocialApp of the openid_connect provider, id = the slug."""

    class Meta:
        model = SocialApp

    class Params:
        municipality = None
        issuer = "http://127.0.0.1:1"

    provider = "openid_connect"
    provider_id = factory.LazyAttribute(lambda app: app.municipality.slug)
    name = factory.LazyAttribute(lambda app: app.municipality.name)
    client_id = factory.Sequence(lambda n: f"client-{n}")
    secret = factory.Sequence(lambda n: f"secret-{n}")
    settings = factory.LazyAttribute(lambda app: {"server_url": app.issuer})
