"""E-mail to staff from the scheduled jobs (reminders, notices): who gets one, and sending it.

Every person can turn these e-mails off (`User.wants_reminder_emails`, on the page "E-mails from the
portal"); a person with no e-mail address gets none (the page says so). The apps' jobs decide what to say
(consent.tasks, contacts.tasks, surveys.tasks); the e-mails hold counts and links to the staff pages, never a
citizen's name or other personal data, which the pages show after login.
"""

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import translation

from .models import User
from .roles import Role

logger = logging.getLogger(__name__)


def recipients(role: Role, *, municipality=None) -> QuerySet[User]:
    """The active staff with `role` who have an e-mail address and want the portal's e-mails."""
    users = User.objects.filter(
        is_active=True, wants_reminder_emails=True, groups__name=role.value, municipality__isnull=False
    ).exclude(email="")
    if municipality is not None:
        users = users.filter(municipality=municipality)
    return users.select_related("municipality").distinct().order_by("pk")


def send_to_staff(user: User, *, template: str, context: dict, base_url: str = "") -> bool:
    """E-mail `user` the message `template` (`<template>_subject.txt` and `<template>.txt`), in Danish."""
    context = {**context, "user": user, "base_url": (base_url or settings.PORTAL_BASE_URL).rstrip("/")}
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    try:
        return bool(EmailMessage(subject=subject, body=body, to=[user.email]).send())
    except (smtplib.SMTPException, OSError):
        logger.warning("A reminder e-mail (%s) to user %s could not be sent", template, user.pk)
        return False
