"""Template helpers for the caseworker's pages."""

from django import template

from consent import rules
from consent.access import policy
from consent.models import InformationCategory

register = template.Library()


@register.filter
def may_use_consent(user) -> bool:
    """`{% if user|may_use_consent %}`: whether to show the links to the caseworker's pages."""
    return policy.may_use_consent(user)


@register.filter
def may_read_audit_log(user) -> bool:
    """`{% if user|may_read_audit_log %}`: the municipality administrator's links (log checks, personal data)."""
    return policy.may_read_audit_log(user)


@register.filter
def allows_nothing(consent) -> bool:
    """`{% if consent|allows_nothing %}`: a permission "May I tell?" answers no for (consent.rules)."""
    return rules.permission_allows_nothing(consent)


@register.filter
def category_labels(categories) -> str:
    """The labels of kinds of information in the active language (["helbred"] → "Health")."""
    labels = dict(InformationCategory.choices)
    return ", ".join(str(labels.get(category, category)) for category in categories or [])


@register.simple_tag
def tasks_due_count(user) -> int:
    """`{% tasks_due_count user as due %}`: how many of the user's tasks are due or overdue today (the staff
    start page shows it; the same count as the daily reminder e-mail)."""
    from django.utils import timezone

    from consent.models import Citizen
    from consent.reads import reminders_for

    if not policy.may_use_consent(user):
        return 0
    return len(reminders_for(user, policy.visible(user, Citizen), timezone.localdate()))
