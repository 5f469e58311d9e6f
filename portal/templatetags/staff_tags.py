"""The staff menu's question about staff administration (portal.access.staff_policy)."""

from django import template

from portal.access import staff_policy

register = template.Library()


@register.filter
def may_administer_staff(user) -> bool:
    return staff_policy.may_administer_staff(user)
