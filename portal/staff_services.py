"""Every write of staff administration: invitations, roles and units, deactivation, units, the import.

Keyword-only functions, each in one transaction that validates, writes and records what it did. They
raise portal.errors' exceptions (`RuleViolation` field → message, `StaleVersion`, `DuplicateError`).

What is recorded: staff changes are not citizen data, so they are not in the consent app's audit log.
Each write adds a row to Django's admin log (`django.contrib.admin.models.LogEntry`): who (the acting
administrator), when, which person or unit, and what changed ("Roles: … Units: …"). An auditor reads
it in the Django admin, on each person's and unit's "History" page, so "who granted whom access" is
answered there. The invitation e-mail is sent after the transaction commits.
"""

import logging
import secrets
import smtplib
from dataclasses import dataclass, field

from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .errors import DuplicateError, RuleViolation, StaleVersion
from .models import Area, Municipality, StaffInvitation, Unit, User
from .roles import Role
from .staff_import import ParsedImport
from .staff_rules import (
    admin_access,
    import_problems,
    invitation_digest,
    invitation_lifetime,
    invitation_state,
    staff_state,
)

logger = logging.getLogger(__name__)


class DuplicateStaff(DuplicateError):
    field = "email"


class DuplicateUnit(DuplicateError):
    field = "name"


class InvitationUnusable(Exception):
    """The invitation link is unknown, used or expired: `state` says which."""

    def __init__(self, state: str):
        super().__init__(state)
        self.state = state


# --- The admin log ----------------------------------------------------------------------------------


def _log(acting_user: User, obj: User | Unit, flag: int, message: str) -> None:
    LogEntry.objects.create(
        user=acting_user,
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action_flag=flag,
        change_message=message,
    )


def _names(items) -> str:
    return ", ".join(sorted(str(item) for item in items)) or "–"


# --- Checks -----------------------------------------------------------------------------------------


def _check_roles(roles: list[str]) -> list[str]:
    unknown = [role for role in roles if role not in Role.values]
    if unknown:
        raise RuleViolation({"roles": _("Choose roles from the list.")})
    return roles


def _check_units(municipality: Municipality, units: list[Unit]) -> list[Unit]:
    for unit in units:
        if unit.municipality_id != municipality.pk:
            raise RuleViolation({"units": _("Choose units from the list.")})
        if not unit.is_open:
            raise RuleViolation({"units": _("The unit “%(name)s” is closed.") % {"name": unit.name}})
    return units


def _set_roles(user: User, roles: list[str]) -> None:
    user.groups.set(Group.objects.filter(name__in=roles))


# --- Invitations ------------------------------------------------------------------------------------


def _new_invitation(user: User, *, acting_user: User | None, base_url: str) -> None:
    """A fresh link for `user` (earlier open links stop working), e-mailed after the commit."""
    now = timezone.now()
    user.invitations.filter(used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    token = secrets.token_urlsafe(32)
    invitation = StaffInvitation.objects.create(
        user=user,
        token_digest=invitation_digest(token),
        invited_by=acting_user,
        created_at=now,
        expires_at=now + invitation_lifetime(),
    )
    with translation.override(settings.LANGUAGE_CODE):
        link = base_url + reverse("staff:invitation", args=[token])
    message = invitation_email(user=user, link=link, invitation=invitation)
    transaction.on_commit(lambda: _send(message))


def invitation_email(*, user: User, link: str, invitation: StaffInvitation) -> EmailMessage:
    context = {"user": user, "municipality": user.municipality, "link": link, "expires_at": invitation.expires_at}
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("portal/staff/email/invitation_subject.txt", context).split())
        body = render_to_string("portal/staff/email/invitation.txt", context)
    return EmailMessage(subject=subject, body=body, to=[user.email])


def _send(message: EmailMessage) -> None:
    try:
        message.send()
    except (smtplib.SMTPException, OSError):
        # The administrator sees "not yet accepted" on the staff list and can send the invitation again.
        logger.warning("A staff invitation e-mail could not be sent")


@transaction.atomic
def invite_staff(
    *,
    municipality: Municipality,
    first_name: str,
    last_name: str,
    email: str,
    roles: list[str],
    units: list[Unit],
    acting_user: User,
    base_url: str,
) -> User:
    """A new member of staff with these roles and units, who gets an e-mail with a link to set their password."""
    email = email.strip().lower()
    _check_roles(roles)
    _check_units(municipality, units)
    if User.objects.filter(username__iexact=email).exists() or User.objects.filter(email__iexact=email).exists():
        raise DuplicateStaff
    try:
        with transaction.atomic():
            user = User(
                username=email,
                email=email,
                first_name=first_name,
                last_name=last_name,
                municipality=municipality,
                is_staff=admin_access(roles),
            )
            user.set_unusable_password()
            user.save()
    except IntegrityError:
        raise DuplicateStaff from None
    _set_roles(user, roles)
    user.units.set(units)
    _log(
        acting_user,
        user,
        ADDITION,
        _("Invited. Roles: %(roles)s. Units: %(units)s.") % {"roles": _names(roles), "units": _names(units)},
    )
    _new_invitation(user, acting_user=acting_user, base_url=base_url)
    return user


@transaction.atomic
def reinvite_staff(*, user: User, acting_user: User, base_url: str) -> User:
    """A new invitation link (the old ones stop working); a deactivated person is active again, and sets a
    new password through it."""
    user = User.objects.select_for_update().get(pk=user.pk)
    was_active = user.is_active
    if not was_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    _log(acting_user, user, CHANGE, _("Invitation sent again.") if was_active else _("Activated again and invited."))
    _new_invitation(user, acting_user=acting_user, base_url=base_url)
    return user


@transaction.atomic
def accept_invitation(*, token: str, password: str, password_again: str) -> User:
    """Set the invited person's password through their link; the link then never works again."""
    invitation = (
        StaffInvitation.objects.select_for_update()
        .select_related("user")
        .filter(token_digest=invitation_digest(token))
        .first()
    )
    state = invitation_state(invitation, now=timezone.now())
    if state != "valid":
        raise InvitationUnusable(state)
    user = invitation.user
    if password != password_again:
        raise RuleViolation({"password_again": _("The two passwords are not the same.")})
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise RuleViolation({"password": error.messages}) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    _log(user, user, CHANGE, _("Chose a password through the invitation."))
    return user


# --- Roles, units, deactivation ---------------------------------------------------------------------


def check_roles_change(*, user: User, roles: list[str], acting_user: User) -> None:
    """RuleViolation when `acting_user` may not give `user` exactly these roles (for forms that check first)."""
    _check_roles(roles)
    if user.pk == acting_user.pk and Role.MUNICIPALITY_ADMIN.value not in roles:
        raise RuleViolation(
            {"roles": _("You cannot take away your own administrator role. Ask another administrator.")}
        )


def check_deactivation(*, user: User, acting_user: User) -> None:
    if user.pk == acting_user.pk:
        raise RuleViolation({None: _("You cannot deactivate yourself. Ask another administrator.")})


@transaction.atomic
def change_staff(*, user: User, roles: list[str], units: list[Unit], loaded_state: str, acting_user: User) -> User:
    """Give `user` exactly these roles and units. Raises StaleVersion when someone changed them after
    `loaded_state` (portal.staff_rules.staff_state) was read."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if staff_state(user) != loaded_state:
        raise StaleVersion
    check_roles_change(user=user, roles=roles, acting_user=acting_user)
    _check_units(user.municipality, units)
    old_roles = [group.name for group in user.groups.all()]
    old_units = list(user.units.all())
    _set_roles(user, roles)
    user.units.set(units)
    is_staff = admin_access(roles)
    if user.is_staff != is_staff and not user.is_superuser:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    changes = []
    if sorted(old_roles) != sorted(roles):
        changes.append(_("Roles: %(old)s → %(new)s.") % {"old": _names(old_roles), "new": _names(roles)})
    if {unit.pk for unit in old_units} != {unit.pk for unit in units}:
        changes.append(_("Units: %(old)s → %(new)s.") % {"old": _names(old_units), "new": _names(units)})
    if changes:
        _log(acting_user, user, CHANGE, " ".join(changes))
    return user


@transaction.atomic
def deactivate_staff(*, user: User, acting_user: User) -> User:
    """The person can no longer log in (password, passkey or identity provider), and every session they have
    ends at once, whichever session store is used: the password is made unusable, which changes the hash every
    session is checked against. Their second factors and the details their identity provider sent are removed.
    Their roles, units and history stay; `reinvite_staff` lets them back in with a new password."""
    check_deactivation(user=user, acting_user=acting_user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        return user
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password"])
    now = timezone.now()
    user.invitations.filter(used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    # Their app, keys, passkeys and recovery codes go too (the phone or key may stay behind in a drawer); let
    # back in, they set up a second factor afresh.
    removed, _by_model = Authenticator.objects.filter(user=user).delete()
    # What their identity provider last sent about them goes too; the subject stays, so they are recognised if let
    # back in (portal.personal_data lists both).
    SocialAccount.objects.filter(user=user).update(extra_data={})
    _log(
        acting_user, user, CHANGE, _("Deactivated.") if not removed else _("Deactivated; their second factors removed.")
    )
    return user


# --- Units ------------------------------------------------------------------------------------------


def check_unit(municipality: Municipality, name: str, area: str, *, exclude: int | None = None) -> str:
    """The unit's name as it will be saved, or RuleViolation / DuplicateUnit (for forms that check first)."""
    name = " ".join(name.split())
    if not name:
        raise RuleViolation({"name": _("Write the unit's name.")})
    if area not in Area.values:
        raise RuleViolation({"area": _("Choose the unit's area.")})
    # Compared in Python: SQLite's case-insensitive match knows no "Å"/"å".
    taken = Unit.objects.filter(municipality=municipality).exclude(pk=exclude).values_list("name", flat=True)
    if name.casefold() in {other.casefold() for other in taken}:
        raise DuplicateUnit
    return name


@transaction.atomic
def create_unit(*, municipality: Municipality, name: str, area: str, acting_user: User) -> Unit:
    name = check_unit(municipality, name, area)
    try:
        with transaction.atomic():
            unit = Unit.objects.create(municipality=municipality, name=name, area=area)
    except IntegrityError:
        raise DuplicateUnit from None
    _log(acting_user, unit, ADDITION, _("Created (%(area)s).") % {"area": Area(area).label})
    return unit


@transaction.atomic
def rename_unit(*, unit: Unit, name: str, area: str, acting_user: User) -> Unit:
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if not unit.is_open:
        raise RuleViolation({None: _("A closed unit cannot be changed.")})
    name = check_unit(unit.municipality, name, area, exclude=unit.pk)
    old_name, old_area = unit.name, unit.area
    if (old_name, old_area) == (name, area):
        return unit
    unit.name, unit.area = name, area
    try:
        with transaction.atomic():
            unit.save(update_fields=["name", "area"])
    except IntegrityError:
        raise DuplicateUnit from None
    _log(
        acting_user,
        unit,
        CHANGE,
        _("Changed from “%(old)s” (%(old_area)s) to “%(new)s” (%(new_area)s).")
        % {"old": old_name, "old_area": Area(old_area).label, "new": name, "new_area": Area(area).label},
    )
    return unit


@transaction.atomic
def close_unit(*, unit: Unit, acting_user: User) -> Unit:
    """The unit takes no new citizens and its staff lose it; its citizens and history stay."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if not unit.is_open:
        return unit
    staff = list(unit.staff.all())
    unit.closed_on = timezone.localdate()
    unit.save(update_fields=["closed_on"])
    unit.staff.clear()
    _log(acting_user, unit, CHANGE, _("Closed. Staff who lost it: %(staff)s.") % {"staff": _names(staff)})
    for person in staff:
        _log(acting_user, person, CHANGE, _("Lost the unit “%(unit)s”, which was closed.") % {"unit": unit.name})
    return unit


# --- Import -----------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    units_created: list[str] = field(default_factory=list)
    units_changed: list[str] = field(default_factory=list)
    staff_invited: list[str] = field(default_factory=list)
    staff_changed: list[str] = field(default_factory=list)

    @property
    def changed_nothing(self) -> bool:
        return not (self.units_created or self.units_changed or self.staff_invited or self.staff_changed)


@transaction.atomic
def import_units_and_staff(
    *, municipality: Municipality, parsed: ParsedImport, acting_user: User, base_url: str
) -> ImportResult:
    """Create or update every unit and person of the file, or nothing at all when any row is wrong.

    Units are matched by name, staff by e-mail address: importing the same file twice changes nothing the
    second time. A person in the file gets exactly the file's roles and units; new people are invited.
    """
    import_problems(parsed, municipality)
    if parsed.has_errors:
        message = _("The file has errors, so nothing was imported. Correct them and upload it again.")
        raise RuleViolation({None: message})
    result = ImportResult()
    units = {unit.name.lower(): unit for unit in Unit.objects.select_for_update().filter(municipality=municipality)}
    for row in parsed.units:
        unit = units.get(row.name.lower())
        if unit is None:
            unit = Unit.objects.create(municipality=municipality, name=row.name, area=row.area)
            _log(acting_user, unit, ADDITION, _("Created by import (%(area)s).") % {"area": Area(row.area).label})
            units[row.name.lower()] = unit
            result.units_created.append(unit.name)
        elif unit.area != row.area:
            old_area = unit.area
            unit.area = row.area
            unit.save(update_fields=["area"])
            _log(
                acting_user,
                unit,
                CHANGE,
                _("Area changed by import: %(old)s → %(new)s.")
                % {"old": Area(old_area).label, "new": Area(row.area).label},
            )
            result.units_changed.append(unit.name)
    existing = {
        user.email.lower(): user
        for user in User.objects.select_for_update()
        .filter(municipality=municipality, email__in=[row.email for row in parsed.staff])
        .prefetch_related("groups", "units")
    }
    for row in parsed.staff:
        wanted_units = [units[name.lower()] for name in row.units]
        user = existing.get(row.email)
        if user is None:
            invite_staff(
                municipality=municipality,
                first_name=row.first_name,
                last_name=row.last_name,
                email=row.email,
                roles=row.roles,
                units=wanted_units,
                acting_user=acting_user,
                base_url=base_url,
            )
            result.staff_invited.append(row.email)
            continue
        same_roles = sorted(group.name for group in user.groups.all()) == sorted(row.roles)
        same_units = {unit.pk for unit in user.units.all()} == {unit.pk for unit in wanted_units}
        if not (same_roles and same_units):
            change_staff(
                user=user, roles=row.roles, units=wanted_units, loaded_state=staff_state(user), acting_user=acting_user
            )
            result.staff_changed.append(row.email)
    return result
