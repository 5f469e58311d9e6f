"""The portal's register of personal data: every store of personal data, why it is kept, for how long,
and the function that erases what has been kept long enough.

The core knows no feature app: each installed app's AppConfig may have a method
`personal_data_stores()` returning `PersonalDataStore`s (as `load_demo_data` is collected for
`manage.py demo`). `stores()` collects them in the order of INSTALLED_APPS; the DPO's page
(portal.views.personal_data) lists them, and `manage.py erase_expired_records` (daily) runs every
store's `erase`. The retention each store states is read from the same named setting its eraser uses.

To add a store (e.g. e-mails waiting to be sent): return one more PersonalDataStore from your app's
AppConfig.personal_data_stores(), with a setting for its retention and an eraser that deletes or
anonymises what is older, and returns how many rows it erased.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


@dataclass(frozen=True)
class PersonalDataStore:
    name: str  # what it is, for the DPO ("Borgernes sager")
    what: str  # which personal data it holds
    why: str  # purpose and legal basis
    setting: str  # the named setting the retention comes from ("" when a rule, not a setting, decides it)
    retention: Callable[[object], str]  # (municipality or None) → how long, in words, from the setting
    erase: Callable[[], int]  # erase what is kept long enough; how many rows
    source: str = ""  # where the retention period comes from (a rule, a recommendation)
    change_url: str = ""  # URL name of a page where the municipality changes it, if it can


def stores() -> list[PersonalDataStore]:
    collected = []
    for app_config in apps.get_app_configs():
        contribute = getattr(app_config, "personal_data_stores", None)
        if contribute is not None:
            collected.extend(contribute())
    return collected


def erase_all() -> list[tuple[PersonalDataStore, int]]:
    """Run every store's eraser; [(store, rows erased)]."""
    return [(store, store.erase()) for store in stores()]


def days(count: int) -> str:
    return ngettext("%(count)d day", "%(count)d days", count) % {"count": count}


# --- The core's own stores ---------------------------------------------------------------------------


def erase_old_logins() -> int:
    """django-axes' log of staff logins (address and browser) and of failed attempts, older than the setting."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    before = timezone.now() - timedelta(days=settings.PORTAL_LOGIN_LOG_RETENTION_DAYS)
    erased = 0
    for model in (AccessLog, AccessAttempt, AccessFailureLog):
        erased += model.objects.filter(attempt_time__lt=before).delete()[0]
    return erased


def erase_expired_sessions() -> int:
    from django.contrib.sessions.models import Session

    return Session.objects.filter(expire_date__lt=timezone.now()).delete()[0]


def erase_deactivated_staff_second_factors() -> int:
    """Deactivation removes a person's second factors (portal.staff_services.deactivate_staff); this catches
    any a deactivated person still has."""
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user__is_active=False).delete()[0]


def erase_deactivated_staff_provider_details() -> int:
    """The claims a deactivated person's identity provider last sent (SocialAccount.extra_data). The subject
    stays linked, so a person let back in is still found by it."""
    from allauth.socialaccount.models import SocialAccount

    return SocialAccount.objects.filter(user__is_active=False).exclude(extra_data={}).update(extra_data={})


def until_deactivated(municipality) -> str:
    return _("Until the staff member is deactivated")


def core_stores() -> list[PersonalDataStore]:
    return [
        PersonalDataStore(
            name=_("Staff logins"),
            what=_("Each staff login and failed login attempt: username, IP address, browser, time."),
            why=_(
                "Security of processing (GDPR art. 32): to find misuse of staff accounts and to lock out "
                "password guessing."
            ),
            setting="PORTAL_LOGIN_LOG_RETENTION_DAYS",
            retention=lambda municipality: days(settings.PORTAL_LOGIN_LOG_RETENTION_DAYS),
            erase=erase_old_logins,
            source=_(
                "Six months, as the former security order for public authorities' systems required for "
                "logs (bekendtgørelse nr. 528 af 15. juni 2000, § 19), still the usual practice."
            ),
        ),
        PersonalDataStore(
            name=_("Login sessions"),
            what=_("Which staff member is logged in in which browser."),
            why=_("To keep a staff member logged in during the working day."),
            setting="SESSION_COOKIE_AGE",
            retention=lambda municipality: (
                _("%(hours)d hours after the last request") % {"hours": settings.SESSION_COOKIE_AGE // 3600}
            ),
            erase=erase_expired_sessions,
        ),
        PersonalDataStore(
            name=_("Staff second factors"),
            what=_(
                "Each staff member's authenticator app secret (TOTP), the public keys and names of their security "
                "keys and passkeys (WebAuthn), their recovery codes, and when each was last used."
            ),
            why=_(
                "Security of processing (GDPR art. 32): a password login needs a second factor, since staff read "
                "citizens' data."
            ),
            setting="",
            retention=until_deactivated,
            erase=erase_deactivated_staff_second_factors,
            source=_(
                "Removed when the staff member is deactivated, or by the staff member when they remove a key; "
                "the daily erasure removes any a deactivated person still has."
            ),
        ),
        PersonalDataStore(
            name=_("Staff logins through the identity provider"),
            what=_(
                "The subject (user ID) the municipality's identity provider gives a staff member, and the details "
                "it sent at their last login (name, e-mail address, other claims); the staff member's e-mail "
                "address as the login system holds it."
            ),
            why=_(
                "To let a staff member log in through their municipality's identity provider and to find them "
                "again by the same subject when their e-mail address changes."
            ),
            setting="",
            retention=lambda municipality: _(
                "The details from the identity provider until the staff member is deactivated; the subject and "
                "e-mail address as long as the staff account exists, so a person let back in is recognised"
            ),
            erase=erase_deactivated_staff_provider_details,
            source=_(
                "Deactivation empties the details the identity provider sent; the daily erasure empties them for "
                "anyone deactivated. Staff accounts are kept, not deleted, as the history of who did what."
            ),
        ),
    ]
