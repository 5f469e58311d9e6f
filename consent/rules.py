"""May staff tell this relative this kind of information? Plain rules, testable without HTTP.

The answer comes from the consents recorded for the relative (all versions, so that the reason for a
"no" can be told: revoked, expired, not yet valid). Of the versions, only the newest of each chain
counts. A current refusal covering the kind of information overrides any permission (the citizen's
"no" wins), a current permission covering it allows, anything else is a "no" with its reason.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

from .models import Consent, InformationCategory, Relative

# Sundhedsloven § 44: a consent to disclose health information to private persons lapses after at
# most one year. The portal applies the cap to every consent about a relative.
CONSENT_MAX_DAYS = 365


def default_valid_until(valid_from: date) -> date:
    return valid_from + timedelta(days=CONSENT_MAX_DAYS)


@dataclass(frozen=True)
class Answer:
    allowed: bool
    code: str
    reason: str
    consent: Consent | None = None


def current_versions(consents: Iterable[Consent]) -> list[Consent]:
    """The newest version of each chain: those no other version supersedes."""
    consents = list(consents)
    replaced = {consent.supersedes_id for consent in consents if consent.supersedes_id}
    return [consent for consent in consents if consent.pk not in replaced]


def may_disclose(*, relative: Relative, category: str, on: date, consents: Iterable[Consent]) -> Answer:
    """The answer to "may I tell `relative` about `category` on `on`?" from the relative's consents."""
    category_label = InformationCategory(category).label
    if relative.is_minor:
        return Answer(
            False,
            "minor",
            _(
                "No. The relative is under 18, and relatives under 18 have other rights and duties than "
                "other relatives. Talk with the citizen and your manager before you tell them anything."
            ),
        )
    current = [consent for consent in current_versions(consents) if consent.relative_id == relative.pk]
    in_force = [
        consent for consent in current if consent.decision != Consent.Decision.REVOKED and consent.in_force_on(on)
    ]

    refusal = next((c for c in in_force if c.decision == Consent.Decision.REFUSE and c.covers(category)), None)
    if refusal:
        return Answer(
            False,
            "refused",
            _("No. The citizen has refused that you tell %(name)s about %(category)s.")
            % {"name": relative.name, "category": category_label.lower()},
            refusal,
        )
    permission = next((c for c in in_force if c.decision == Consent.Decision.PERMIT and c.covers(category)), None)
    if permission:
        return Answer(
            True,
            "permitted",
            _(
                "Yes. You may tell %(name)s about %(category)s: consent given %(form)s on %(given)s, "
                "valid until %(until)s."
            )
            % {
                "name": relative.name,
                "category": category_label.lower(),
                "form": permission.get_form_display().lower(),
                "given": permission.given_on.strftime("%d.%m.%Y"),
                "until": permission.valid_until.strftime("%d.%m.%Y") if permission.valid_until else "–",
            },
            permission,
        )
    if any(c.decision == Consent.Decision.PERMIT for c in in_force):
        return Answer(
            False,
            "outside_scope",
            _("No. The consent for %(name)s does not cover %(category)s.")
            % {"name": relative.name, "category": category_label.lower()},
        )
    revoked = next((c for c in current if c.decision == Consent.Decision.REVOKED), None)
    if revoked:
        return Answer(
            False,
            "revoked",
            _("No. The consent for %(name)s was revoked on %(date)s.")
            % {"name": relative.name, "date": revoked.valid_from.strftime("%d.%m.%Y")},
            revoked,
        )
    future = next((c for c in current if c.valid_from > on), None)
    if future:
        return Answer(
            False,
            "not_yet_valid",
            _("No. The consent for %(name)s is valid only from %(date)s.")
            % {"name": relative.name, "date": future.valid_from.strftime("%d.%m.%Y")},
            future,
        )
    expired = next((c for c in current if c.valid_until and c.valid_until < on), None)
    if expired:
        return Answer(
            False,
            "expired",
            _("No. The consent for %(name)s expired on %(date)s. Ask the citizen again.")
            % {"name": relative.name, "date": expired.valid_until.strftime("%d.%m.%Y")},
            expired,
        )
    return Answer(
        False,
        "no_consent",
        _("No. There is no consent for %(name)s. Information about the citizen is confidential.")
        % {"name": relative.name},
    )


def validate_consent(consent: Consent) -> dict[str, list[str]]:
    """The rules a new consent version must meet, as {field: [messages]} (empty when it is fine)."""
    errors: dict[str, list] = {}

    def add(field: str, message) -> None:
        errors.setdefault(field, []).append(message)

    if consent.decision != Consent.Decision.REVOKED:
        if not consent.categories:
            add("categories", _("Choose at least one kind of information."))
        unknown = set(consent.categories) - set(InformationCategory.values)
        if unknown:
            add("categories", _("Choose among the listed kinds of information."))
        if consent.form == Consent.Form.ORAL and not consent.oral_note.strip():
            add("oral_note", _("An oral consent needs a note of the conversation."))
        if consent.decision == Consent.Decision.PERMIT and not consent.contact:
            add("contact", _("Choose whether staff may contact the relative or the citizen does it."))
    elif not consent.reason.strip():
        add("reason", _("Write why the consent is revoked."))
    if consent.grantor != Consent.Grantor.CITIZEN and not consent.grantor_document.strip():
        add("grantor_document", _("Write the reference of the guardianship or power of attorney."))
    if consent.given_on and consent.valid_from and consent.valid_from < consent.given_on:
        add("valid_from", _("A consent cannot be valid before it was given."))
    if consent.valid_from and consent.valid_until:
        if consent.valid_until < consent.valid_from:
            add("valid_until", _("The end date cannot be before the start date."))
        elif consent.decision == Consent.Decision.PERMIT and consent.valid_until > default_valid_until(
            consent.valid_from
        ):
            add(
                "valid_until",
                _(
                    "A consent to tell a relative lapses after at most one year (sundhedsloven § 44): "
                    "%(date)s at the latest."
                )
                % {"date": default_valid_until(consent.valid_from).strftime("%d.%m.%Y")},
            )
    return errors
