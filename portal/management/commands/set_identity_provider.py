"""Set a municipality's identity provider (OpenID Connect) from a script.

    manage.py set_identity_provider <slug> --issuer URL --client-id ID --client-secret-env VARNAME

The client secret is read from the environment variable VARNAME, so that it stays out of the shell's history
and the process list. The issuer's discovery document (<issuer>/.well-known/openid-configuration) is fetched
and must name the same issuer. Running it again replaces the municipality's settings.
"""

import os

from allauth.socialaccount.models import SocialApp
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.login import OIDC_PROVIDER, discovered_issuer
from portal.models import Municipality


class Command(BaseCommand):
    help = "Set the OpenID Connect identity provider through which a municipality's staff log in."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the municipality's address in the portal, e.g. haderslev")
        parser.add_argument("--issuer", required=True, help="the provider's issuer URL (discovery is read from it)")
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--client-secret-env", required=True, help="the environment variable holding the secret")

    def handle(self, *args, slug, issuer, client_id, client_secret_env, **options):
        municipality = Municipality.objects.filter(slug=slug).first()
        if municipality is None:
            raise CommandError(f"No municipality has the address {slug!r}.")
        secret = os.environ.get(client_secret_env, "")
        if not secret:
            raise CommandError(f"The environment variable {client_secret_env} is empty or not set.")
        issuer = issuer.rstrip("/")
        try:
            found = discovered_issuer(issuer)
        except Exception as error:  # any failure to read discovery means the issuer cannot be used
            raise CommandError(f"Could not read {issuer}/.well-known/openid-configuration: {error}") from None
        if found.rstrip("/") != issuer:
            raise CommandError(f"The discovery document names the issuer {found!r}, not {issuer!r}.")
        with transaction.atomic():
            _app, created = SocialApp.objects.update_or_create(
                provider=OIDC_PROVIDER,
                provider_id=municipality.slug,
                defaults={
                    "name": municipality.name,
                    "client_id": client_id,
                    "secret": secret,
                    "settings": {"server_url": issuer},
                },
            )
        verb = "Set" if created else "Changed"
        self.stdout.write(f"{verb} the identity provider of {municipality.name}: {issuer} (client {client_id}).")
        self.stdout.write(
            f"Register this redirect URI at the provider: https://<host>/konto/oidc/{slug}/login/callback/"
        )
