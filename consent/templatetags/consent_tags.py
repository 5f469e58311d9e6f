"""Template helpers for the caseworker's pages."""

from django import template

from consent.access import policy
from consent.models import InformationCategory

register = template.Library()


@register.filter
def may_use_consent(user) -> bool:
    """`{% if user|may_use_consent %}`: whether to show the links to the caseworker's pages."""
    return policy.may_use_consent(user)


@register.filter
def may_read_audit_log(user) -> bool:
    """`{% if user|may_read_audit_log %}`: whether to show the link to the log checks."""
    return policy.may_read_audit_log(user)


@register.filter
def category_labels(categories) -> str:
    """The labels of kinds of information in the active language (["helbred"] → "Health")."""
    labels = dict(InformationCategory.choices)
    return ", ".join(str(labels.get(category, category)) for category in categories or [])
