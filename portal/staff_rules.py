"""The rules of staff administration: who may use the Django admin, what an import may do, an invitation's state.

Plain functions, callable from services, views, commands and tests alike. The writes are in
`portal.staff_services`; who may administer whom is `portal.access.staff_policy`.
"""

import hashlib
import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from .models import Municipality, StaffInvitation, Unit, User
from .roles import Role
from .staff_import import ParsedImport


def admin_access(role_values: list[str]) -> bool:
    """Whether a person with these roles uses the Django admin (`is_staff`): when a role grants any
    permission on the admin's models (editors, managers, administrators do; caseworkers don't)."""
    return Group.objects.filter(name__in=role_values, permissions__isnull=False).exists()


def invitation_lifetime() -> timedelta:
    return timedelta(hours=settings.STAFF_INVITATION_HOURS)


def invitation_digest(token: str) -> str:
    """What the database keeps of an invitation's token: a keyed hash, so a copy of the database opens no account."""
    return hmac.new(settings.SECRET_KEY.encode(), b"staff-invitation:" + token.encode(), hashlib.sha256).hexdigest()


def invitation_state(invitation: StaffInvitation | None, *, now: datetime) -> str:
    """ "valid", "used", "expired" or "unknown"."""
    if invitation is None:
        return "unknown"
    if invitation.used_at is not None:
        return "used"
    if invitation.expires_at <= now or not invitation.user.is_active:
        return "expired"
    return "valid"


def staff_state(user: User) -> str:
    """A short fingerprint of a person's roles, units and active state, as a form loaded them: if it changed
    before the form was saved, someone else got there first."""
    roles = sorted(group.name for group in user.groups.all())
    units = sorted(str(unit.pk) for unit in user.units.all())
    text = f"{user.is_active}|{','.join(roles)}|{','.join(units)}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def awaiting_invitation(now: datetime) -> Exists:
    """True for a person invited by a link that still works, who has not yet chosen a password."""
    return Exists(
        StaffInvitation.objects.filter(
            user=OuterRef("pk"), used_at__isnull=True, expires_at__gt=now, user__password__startswith="!"
        )
    )


def filter_staff(people: QuerySet[User], *, role: str = "", unit: Unit | None = None, status: str = "") -> QuerySet:
    """The staff list's filters (portal.staff_forms.StaffFilterForm): a role, a unit, active / invited /
    deactivated. `people` must be annotated with `pending` (awaiting_invitation)."""
    if role:
        people = people.filter(groups__name=role)
    if unit is not None:
        people = people.filter(units=unit)
    if status == "aktive":
        people = people.filter(is_active=True, pending=False)
    elif status == "inviteret":
        people = people.filter(is_active=True, pending=True)
    elif status == "deaktiverede":
        people = people.filter(is_active=False)
    return people


def role_choices() -> list[tuple[str, str]]:
    return [(role.value, role.label) for role in Role]


def import_problems(parsed: ParsedImport, municipality: Municipality) -> None:
    """Add to the rows of `parsed` what the database tells: a unit that does not exist or is closed, an
    e-mail address that belongs to someone outside the municipality. Two queries."""
    units = {unit.name.lower(): unit for unit in Unit.objects.filter(municipality=municipality)}
    in_file = {row.name.lower() for row in parsed.units if row.name}
    for row in parsed.units:
        existing = units.get(row.name.lower())
        if existing is not None and not existing.is_open:
            row.errors.append(_("The unit “%(name)s” is closed; it cannot be imported again.") % {"name": row.name})
    emails = [row.email for row in parsed.staff if row.email]
    elsewhere = {
        address.lower()
        for pair in User.objects.filter(Q(email__in=emails) | Q(username__in=emails))
        .exclude(municipality=municipality)
        .values_list("email", "username")
        for address in pair
    }
    for row in parsed.staff:
        if row.email in elsewhere:
            row.errors.append(
                _("The e-mail address %(email)s cannot be used here. Ask the platform's administrator.")
                % {"email": row.email}
            )
        for name in row.units:
            unit = units.get(name.lower())
            if unit is None and name.lower() not in in_file:
                message = _("Unknown unit “%(name)s”. Create it first, or add it to the file.")
                row.errors.append(message % {"name": name})
            elif unit is not None and not unit.is_open:
                row.errors.append(_("The unit “%(name)s” is closed.") % {"name": name})
