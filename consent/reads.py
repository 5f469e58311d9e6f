"""What the caseworker's pages show, read in a fixed number of queries however much there is.

Every function starts from citizens (or one of their rows) the caller got from consent.access.policy.
Which versions are current and how each stands on a day are consent.rules' answers.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.formats import format_short_date

from . import rules
from .models import Agreement, Citizen, Consent, Correction, Dialogue, FollowUp, InformationCategory

FOLLOW_UP_NOTICE_DAYS = 7
CONSENT_REVIEW_NOTICE_DAYS = 30
ASK_AGAIN_NOTICE_DAYS = 7


@dataclass
class HistoryEntry:
    at: datetime
    text: str
    by: str


@dataclass
class RelativeRow:
    relative: object
    consents: list = field(default_factory=list)  # the current, not revoked, versions about this relative


@dataclass
class Overview:
    citizen: Citizen
    relatives: list[RelativeRow]
    current_consents: list[Consent]
    dialogues: list[Dialogue]
    agreements: list[Agreement]
    due_agreements: list[Agreement]
    reviews_due: list[Consent]
    ask_again_due: bool
    history: list[HistoryEntry]
    grid: list = field(default_factory=list)  # consent.rules.disclosure_grid: relative × kind of information
    categories: list = field(default_factory=lambda: list(InformationCategory))


def citizen_overview(citizen: Citizen, today: date) -> Overview:
    relatives = list(citizen.relatives.select_related("staff_user"))
    consents = list(
        Consent.objects.filter(citizen=citizen)
        .select_related("relative", "recorded_by")
        .order_by("-recorded_at", "-pk")
    )
    for consent in consents:
        consent.status = rules.consent_state(consent, today)
    current = rules.current_decisions(consents)
    dialogues = list(citizen.dialogues.select_related("recorded_by"))
    agreements = list(citizen.agreements.select_related("relative", "created_by", "owner"))
    follow_ups = list(FollowUp.objects.filter(agreement__citizen=citizen).select_related("agreement", "recorded_by"))
    by_agreement: dict[int, list[FollowUp]] = {}
    for follow_up in follow_ups:
        by_agreement.setdefault(follow_up.agreement_id, []).append(follow_up)
    for agreement in agreements:
        agreement.follow_up_list = by_agreement.get(agreement.pk, [])
        agreement.overdue = agreement.ended_on is None and agreement.next_follow_up < today

    rows = {relative.pk: RelativeRow(relative) for relative in relatives}
    for consent in current:
        rows[consent.relative_id].consents.append(consent)

    history = [HistoryEntry(relative.created_at, _("Relative added: %s") % relative, "") for relative in relatives]
    events = {
        "recorded": _("Consent recorded: %(decision)s, %(relative)s"),
        "changed": _("Consent changed (new version): %(decision)s, %(relative)s"),
        "revoked": _("Consent revoked by %(who)s: %(relative)s"),
    }
    for consent in consents:
        kind = (
            "recorded"
            if not consent.supersedes_id
            else "revoked"
            if consent.status == rules.ConsentState.REVOKED
            else "changed"
        )
        text = events[kind] % {
            "decision": consent.get_decision_display().lower(),
            "relative": consent.relative.name,
            "who": consent.get_grantor_display().lower(),
        }
        if consent.reason:
            text = f"{text}. {consent.reason}"
        history.append(HistoryEntry(consent.recorded_at, text, consent.recorded_by.display_name))
    for dialogue in dialogues:
        history.append(
            HistoryEntry(
                dialogue.recorded_at,
                _("Dialogue with the citizen on %(date)s: %(answer)s")
                % {"date": format_short_date(dialogue.held_on), "answer": dialogue.get_involvement_display()},
                dialogue.recorded_by.display_name,
            )
        )
    for agreement in agreements:
        history.append(
            HistoryEntry(agreement.created_at, _("Agreement: %s") % agreement, agreement.created_by.display_name)
        )
    for follow_up in follow_ups:
        history.append(
            HistoryEntry(
                follow_up.recorded_at,
                _("Follow-up on “%(agreement)s”: %(outcome)s")
                % {"agreement": follow_up.agreement, "outcome": follow_up.get_outcome_display()},
                follow_up.recorded_by.display_name,
            )
        )
    history += correction_history(citizen)
    history.sort(key=lambda entry: entry.at, reverse=True)

    latest_dialogue = dialogues[0] if dialogues else None
    return Overview(
        citizen=citizen,
        relatives=list(rows.values()),
        current_consents=current,
        dialogues=dialogues,
        agreements=agreements,
        due_agreements=[
            agreement
            for agreement in agreements
            if agreement.ended_on is None and agreement.next_follow_up <= today + timedelta(FOLLOW_UP_NOTICE_DAYS)
        ],
        reviews_due=[
            consent
            for consent in current
            if consent.decision == Consent.Decision.PERMIT
            and consent.valid_until
            and consent.valid_until <= today + timedelta(CONSENT_REVIEW_NOTICE_DAYS)
        ],
        ask_again_due=bool(
            latest_dialogue
            and latest_dialogue.ask_again_on
            and latest_dialogue.ask_again_on <= today + timedelta(ASK_AGAIN_NOTICE_DAYS)
        ),
        history=history,
        grid=rules.disclosure_grid(relatives, consents, today),
    )


def correction_history(citizen: Citizen) -> list[HistoryEntry]:
    """Each correction of the citizen's records: the earlier value, the new one, why, by whom (one query)."""
    corrections = Correction.objects.filter(citizen=citizen).select_related("corrected_by")
    return [
        HistoryEntry(
            correction.corrected_at,
            _("Corrected (%(record)s), %(field)s: “%(old)s” → “%(new)s”. Why: %(reason)s")
            % {
                "record": correction.get_record_display().lower(),
                "field": correction.field_label,
                "old": correction.old_value,
                "new": correction.new_value,
                "reason": correction.reason,
            },
            correction.corrected_by.display_name,
        )
        for correction in corrections
    ]


def permissions_allowing_nothing(consents: QuerySet[Consent]) -> list[Consent]:
    """The current permissions among `consents` that "May I tell?" answers no for (consent.rules.
    permission_allows_nothing: relatives under 18), recorded before such permissions were refused at entry: the
    data check the log checks page shows the DPO. One query (narrowed to relatives under 18, then the rule)."""
    candidates = rules.current_only(consents.filter(decision=Consent.Decision.PERMIT, relative__is_minor=True))
    candidates = candidates.select_related("citizen", "relative", "recorded_by").order_by("recorded_at", "pk")
    return [consent for consent in candidates if rules.permission_allows_nothing(consent)]


def current_version(consent: Consent) -> Consent:
    """The current version of the chain `consent` belongs to (itself when nobody replaced it): one query."""
    replacing = Consent.objects.filter(relative_id=consent.relative_id, supersedes__isnull=False)
    return rules.current_version_of(consent, replacing.select_related("relative", "recorded_by"))


def receipt(citizen: Citizen, today: date) -> dict:
    consents = Consent.objects.filter(citizen=citizen).select_related("relative").order_by("relative__name", "pk")
    current = rules.current_decisions(consents)
    for consent in current:
        consent.status = rules.consent_state(consent, today)
    agreements = citizen.agreements.filter(ended_on__isnull=True).select_related("relative")
    return {"consents": current, "agreements": list(agreements)}


@dataclass
class Task:
    kind: str  # "follow_up", "consent_review", "ask_again"
    due: date
    citizen: Citizen
    text: str
    url: str
    overdue: bool
    owner_id: int | None = None  # a follow-up's responsible caseworker (Agreement.owner)


def tasks_for(citizens: QuerySet[Citizen], today: date) -> list[Task]:
    """Follow-ups, consent reviews and "ask again" dates due soon for these citizens: three queries."""
    agreements = Agreement.objects.filter(
        citizen__in=citizens,
        ended_on__isnull=True,
        next_follow_up__lte=today + timedelta(FOLLOW_UP_NOTICE_DAYS),
    ).select_related("citizen")
    reviews = rules.current_only(
        Consent.objects.filter(
            citizen__in=citizens,
            decision=Consent.Decision.PERMIT,
            valid_until__lte=today + timedelta(CONSENT_REVIEW_NOTICE_DAYS),
        )
    ).select_related("citizen", "relative")
    latest_dialogue = Dialogue.objects.filter(citizen=OuterRef("citizen")).order_by("-held_on", "-pk").values("pk")[:1]
    dialogues = Dialogue.objects.filter(
        citizen__in=citizens,
        pk=Subquery(latest_dialogue),
        ask_again_on__lte=today + timedelta(ASK_AGAIN_NOTICE_DAYS),
    ).select_related("citizen")

    tasks = [
        Task(
            "follow_up",
            agreement.next_follow_up,
            agreement.citizen,
            _("Follow up on the agreement “%s”") % agreement,
            reverse("consent:follow-up", args=[agreement.pk]),
            agreement.next_follow_up < today,
            agreement.owner_id,
        )
        for agreement in agreements
    ]
    tasks += [
        Task(
            "consent_review",
            consent.valid_until,
            consent.citizen,
            _("Review the consent for %(relative)s: it ends on %(date)s")
            % {"relative": consent.relative.name, "date": format_short_date(consent.valid_until)},
            consent.citizen.get_absolute_url(),
            consent.valid_until < today,
        )
        for consent in reviews
    ]
    tasks += [
        Task(
            "ask_again",
            dialogue.ask_again_on,
            dialogue.citizen,
            _("Ask the citizen again whether relatives may be involved (dialogue of %s)")
            % format_short_date(dialogue.held_on),
            dialogue.citizen.get_absolute_url(),
            dialogue.ask_again_on < today,
        )
        for dialogue in dialogues
    ]
    tasks.sort(key=lambda task: (task.due, task.citizen.name, task.kind))
    return tasks


def reminders_for(user, citizens: QuerySet[Citizen], today: date) -> list[Task]:
    """What a caseworker is reminded of: the tasks of `tasks_for` that are due or overdue today, follow-ups
    only of the agreements they own (or that nobody owns), consent reviews and "ask again" dates of all the
    citizens they see."""
    return [
        task
        for task in tasks_for(citizens, today)
        if task.due <= today and (task.kind != "follow_up" or task.owner_id in (None, user.pk))
    ]


def help_changes(citizen: Citizen) -> list:
    """The citizen's changes in the help, newest first, each with how many relatives were told (one query)."""
    return list(citizen.help_changes.annotate(relatives_told=Count("told__relative", distinct=True)))
