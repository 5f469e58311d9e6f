"""Print the current authenticator code of a demo account, so that the demo can be tried without a phone.

    manage.py demo_totp <username>

Only for the accounts `manage.py demo` makes, and only with DJANGO_DEBUG=true: a real account's second
factor is the person's own phone.
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.management.commands.demo import demo_usernames


class Command(BaseCommand):
    help = "Print the current authenticator app code of a demo account (DJANGO_DEBUG=true only)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if not settings.DEBUG:
            raise CommandError("demo_totp works only with DJANGO_DEBUG=true, for the demo accounts.")
        if username not in demo_usernames():
            raise CommandError(f"{username!r} is not a demo account.")
        totp = Authenticator.objects.filter(user__username=username, type=Authenticator.Type.TOTP).first()
        if totp is None:
            raise CommandError(f"{username!r} has no authenticator app: run manage.py demo again.")
        secret = decrypt(totp.data["secret"])
        counter = next(iter(yield_hotp_counters_from_time()))
        self.stdout.write(format_hotp_value(hotp_value(secret, counter)))
