"""Template helpers for the staff's link to the relatives' contact requests."""

from django import template

from contacts.access import may_handle_requests, request_policy
from contacts.models import ContactRequest

register = template.Library()


@register.filter
def may_answer_relatives(user) -> bool:
    """`{% if user|may_answer_relatives %}`: whether to show the link to the contact requests."""
    return may_handle_requests(user)


@register.simple_tag
def open_requests_count(user) -> int:
    return request_policy.visible(user, ContactRequest).filter(status=ContactRequest.Status.OPEN).count()
