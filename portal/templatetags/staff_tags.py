"""The staff menu's questions about staff administration and translations (portal.access)."""

from django import template

from portal.access import staff_policy, translation_policy

register = template.Library()


@register.filter
def may_administer_staff(user) -> bool:
    return staff_policy.may_administer_staff(user)


@register.filter
def may_translate(user) -> bool:
    """Whether the staff menu links to the translations (portal.access.translation_policy)."""
    return translation_policy.may_translate(user)
