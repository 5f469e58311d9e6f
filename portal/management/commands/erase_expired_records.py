"""`manage.py erase_expired_records`: run every store's eraser (portal.personal_data); meant to run daily."""

from django.core.management.base import BaseCommand

from portal.personal_data import erase_all


class Command(BaseCommand):
    help = "Erase personal data kept longer than its retention period (every store of portal.personal_data)."

    def handle(self, *args, **options):
        for store, erased in erase_all():
            self.stdout.write(f"{store.setting}: {erased}")
