"""The core's writes that a person makes on their own account."""

from django.db import transaction

from .models import User


def set_reminder_emails(*, user, wanted: bool) -> None:
    """Turn the portal's reminder and notice e-mails on or off for `user`."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(wants_reminder_emails=wanted)
    user.wants_reminder_emails = wanted
