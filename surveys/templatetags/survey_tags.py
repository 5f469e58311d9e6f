"""Template helpers for the relatives' survey."""

from django import template

from surveys import access

register = template.Library()


@register.filter
def may_run_surveys(user) -> bool:
    """`{% if user|may_run_surveys %}`: whether to show the link to the managers' survey pages."""
    return access.may_run_surveys(user)
