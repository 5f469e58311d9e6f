"""The caseworker's daily tool. A view is form → consent.services → redirect; it shows the services'
typed exceptions (portal.errors) at the form's fields.

Every view fetches what it shows through consent.access.policy, which answers 404 for another unit's
or municipality's citizen, consent or agreement, and for staff who are the citizen's relative.
Nothing personal travels in a URL: searches are POSTed, URLs carry numeric ids only.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from portal.errors import RuleViolation, StaleVersion, show_on_form
from portal.formats import format_short_date
from portal.login import recent_login_required
from portal.pdf import PdfUnavailable, pdf_response, render_pdf
from portal.views import crumb

from . import access_request, reads, retention, rules, services
from .access import CITIZEN_OF, policy
from .forms import (
    AgreementForm,
    BreakGlassForm,
    CitizenSearchForm,
    CloseCourseForm,
    ConsentForm,
    CorrectAgreementForm,
    CorrectCitizenForm,
    CorrectDialogueForm,
    CorrectRelativeForm,
    DialogueForm,
    DisclosureForm,
    FhirExportForm,
    FollowUpForm,
    HelpChangeForm,
    ReassignForm,
    RegisterCitizenForm,
    RelativeForm,
    RelativeToldForm,
    RetentionForm,
    RevokeForm,
)
from .models import (
    Agreement,
    AuditEvent,
    Citizen,
    Consent,
    Dialogue,
    FollowUp,
    HelpChange,
    InformationCategory,
    Relative,
    RelativeTold,
)

CITIZENS_PER_PAGE = 50
EVENTS_PER_PAGE = 100

STALE_CONSENT = gettext_lazy(
    "Someone else changed this consent before you saved, so nothing was saved. The current version is "
    "shown below and what you wrote is kept in the form: check it, and save again if your change is still needed."
)
STALE_FOLLOW_UP = gettext_lazy(
    "Someone else recorded a follow-up on this agreement before you saved, so nothing was saved. The "
    "agreement as it is now is shown below and what you wrote is kept in the form: check it, and save again "
    "if your follow-up is still needed."
)
DUPLICATE_CPR = gettext_lazy("A citizen with this CPR number is already registered in your municipality.")


class BehindGlass(Exception):
    """The object is the data of a citizen the user may open only after stating a reason."""

    def __init__(self, citizen_id: int):
        super().__init__(citizen_id)
        self.citizen_id = citizen_id


def consent_view(view, *, may=None, reason="consent"):
    """Logged in (else the login page), and allowed to use consent data (else a 403 page that says why).

    An object behind glass (consent.access.policy.behind_glass) sends the administrator to the page
    where they state their reason first; nothing is shown or saved before that.
    """
    may = may or policy.may_use_consent

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not may(request.user):
            return render(request, "consent/forbidden.html", {"reason": reason}, status=403)
        try:
            return view(request, *args, **kwargs)
        except BehindGlass as glass:
            return redirect("consent:break-glass", glass.citizen_id)

    return login_required(never_cache(wrapped))


def log_view(view):
    """The log checks: for the municipality administrator and the data protection officer."""
    return consent_view(view, may=policy.may_read_audit_log, reason="log")


def sensitive_download(view):
    """Every download of a citizen's data or of the log passes here: the one place that asks for a recent
    login, or the password or code typed again (portal.login.recent_login_required)."""
    return recent_login_required(view)


def fetch(request, queryset, pk: int):
    """The object `pk` of `queryset` that the user may see; BehindGlass when they may open it by stating a
    reason; else 404, as for an object that does not exist."""
    try:
        return policy.visible(request.user, queryset).get(pk=pk)
    except queryset.model.DoesNotExist:
        behind = policy.behind_glass(request.user, queryset.model).filter(pk=pk)
        if queryset.model is Citizen:
            citizen_id = behind.values_list("pk", flat=True).first()
        else:
            citizen_id = behind.values_list(CITIZEN_OF[queryset.model], flat=True).first()
        if citizen_id is not None:
            raise BehindGlass(citizen_id) from None
        raise Http404 from None


def posted(request):
    """The submitted data, or None for a GET (an empty POST is still a submission, and fails validation)."""
    return request.POST if request.method == "POST" else None


def save_form(request, form: Form, save: Callable[[dict], object], done: str, *, check: Callable | None = None):
    """Hand a submitted, valid form's data to `save` (a service) and say `done`: what `save` returned.

    None when nothing was saved; the form then holds every message, its own and the service's
    RuleViolation at the fields. `check(data)` (a service's check that writes nothing) also runs on what
    parsed of an invalid form, so that one round shows the rules' messages with the form's own.
    """
    if request.method != "POST":
        return None
    if not form.is_valid():
        if check is not None:
            add_rule_messages(form, check)
        return None
    try:
        saved = save(form.cleaned_data)
    except RuleViolation as error:
        show_on_form(form, error)
        return None
    messages.success(request, done)
    return saved


def add_rule_messages(form: Form, check: Callable[[dict], None]) -> None:
    """The messages of `check` at the fields that have no message of their own yet."""
    try:
        check(form.cleaned_data)
    except RuleViolation as error:
        for field, errors in error.error_dict.items():
            if field in form.fields and field not in form.errors:
                form.add_error(field, errors)


def citizen_of(request, pk: int) -> Citizen:
    return fetch(request, Citizen.objects.select_related("municipality"), pk)


def today():
    return timezone.localdate()


def crumbs(*rest, citizen: Citizen | None = None) -> list[dict]:
    trail = [crumb(_("For staff"), reverse("staff-home")), crumb(_("Citizens"), reverse("consent:citizens"))]
    if citizen is not None:
        trail.append(crumb(citizen.name, citizen.get_absolute_url()))
    return [*trail, *rest]


def form_page(request, *, citizen, title, form, submit, intro="", template="consent/form.html", **context):
    """A form about `citizen`; when the citizen's course is closed, the page says so instead of the form."""
    if citizen is not None and citizen.is_closed:
        context["closed"] = True
    return render(
        request,
        template,
        {
            "citizen": citizen,
            "title": title,
            "intro": intro,
            "form": form,
            "submit": submit,
            "crumbs": crumbs(crumb(title), citizen=citizen),
            **context,
        },
    )


# --- Finding and registering citizens -------------------------------------------------------------


@consent_view
def citizens(request):
    form = CitizenSearchForm(posted(request))
    found = None
    if request.method == "POST" and form.is_valid():
        try:
            found = services.search_citizens(query=form.cleaned_data["query"], acting_user=request.user)
        except RuleViolation as error:
            show_on_form(form, error)
        else:
            if found.by_cpr:
                form = CitizenSearchForm()  # the full number is not shown again on the page
    page = None
    if found is None:
        everyone = policy.visible(request.user, Citizen).prefetch_related("units")
        page = Paginator(everyone, CITIZENS_PER_PAGE).get_page(request.GET.get("side"))
    context = {
        "form": form,
        "results": found.citizens if found else None,
        "too_many": bool(found and found.too_many),
        "page": page,
        "crumbs": [crumb(_("For staff"), reverse("staff-home")), crumb(_("Citizens"))],
    }
    return render(request, "consent/citizens.html", context)


@consent_view
def register(request):
    form = RegisterCitizenForm(posted(request), user=request.user)

    def save(data):
        return services.register_citizen(
            municipality=request.user.municipality,
            name=data["name"],
            cpr=data["cpr"],
            units=list(data["units"]),
            acting_user=request.user,
        )

    try:
        citizen = save_form(request, form, save, _("The citizen is registered."))
    except services.DuplicateCitizen as duplicate:
        form.add_error(duplicate.field, DUPLICATE_CPR)
    else:
        if citizen is not None:
            if not policy.visible(request.user, Citizen).filter(pk=citizen.pk).exists():
                return redirect("consent:citizens")  # registered in a unit that is not the administrator's own
            return redirect(citizen)
    return render(
        request,
        "consent/form.html",
        {
            "title": _("Register a citizen"),
            "intro": _("Register a citizen of your units to record dialogues, consents and agreements."),
            "form": form,
            "submit": _("Register"),
            "cancel_url": reverse("consent:citizens"),
            "notice": ""
            if form.fields["units"].queryset.exists()
            else _("You have no units yet, so you cannot register citizens. Ask your municipality's administrator."),
            "crumbs": crumbs(crumb(_("Register a citizen"))),
        },
    )


# --- The citizen's page -------------------------------------------------------------------------


@consent_view
def citizen_detail(request, pk: int):
    citizen = fetch(request, Citizen.objects.select_related("municipality").prefetch_related("units"), pk)
    overview = reads.citizen_overview(citizen, today())
    services.record_view(citizen=citizen, acting_user=request.user)
    context = {
        "citizen": citizen,
        "overview": overview,
        "today": today(),
        "disclosure_form": DisclosureForm(citizen=citizen, prefix="disclosure") if overview.relatives else None,
        "may_read_log": policy.may_read_audit_log(request.user),
        "help_changes": reads.help_changes(citizen),
        "crumbs": crumbs(crumb(citizen.name)),
    }
    if citizen.is_closed and not citizen.erased_at:
        context["erase_on"] = rules.erase_after(citizen.closed_on, retention.retention_years(citizen.municipality_id))
    return render(request, "consent/citizen.html", context)


@consent_view
def relative_new(request, pk: int):
    citizen = citizen_of(request, pk)
    form = RelativeForm(posted(request), user=request.user)

    def save(data):
        return services.add_relative(citizen=citizen, relative=Relative(**data), acting_user=request.user)

    relative = save_form(request, form, save, _("The relative is added."))
    if relative is None:
        return form_page(
            request,
            citizen=citizen,
            title=_("Add a relative or a person in the network"),
            intro=_("Relatives, friends, neighbours, and other professionals around the citizen."),
            form=form,
            submit=_("Add"),
        )
    if relative.staff_user_id == request.user.pk:
        messages.info(request, _("You are this citizen's relative, so you can no longer open their records."))
        return redirect("consent:citizens")
    return redirect(citizen)


@consent_view
def dialogue_new(request, pk: int):
    citizen = citizen_of(request, pk)
    form = DialogueForm(posted(request), initial={"held_on": today()})

    def save(data):
        return services.record_dialogue(citizen=citizen, dialogue=Dialogue(**data), acting_user=request.user)

    if save_form(request, form, save, _("The dialogue is recorded.")):
        return redirect(citizen)
    return form_page(
        request,
        citizen=citizen,
        title=_("Dialogue with the citizen"),
        intro=_(
            "Who are the citizen's relatives, how does the citizen want them involved, and what can each "
            "expect of the other (gensidighed)?"
        ),
        form=form,
        submit=_("Save the dialogue"),
    )


def no_relatives_notice(citizen: Citizen) -> dict:
    if citizen.relatives.exists():
        return {}
    return {
        "notice": _("No relatives are recorded for the citizen yet."),
        "notice_url": reverse("consent:relative-new", args=[citizen.pk]),
        "notice_link": _("Add a relative first."),
    }


# --- Consents -----------------------------------------------------------------------------------


@consent_view
def consent_new(request, pk: int):
    citizen = citizen_of(request, pk)
    initial = {"given_on": today(), "valid_from": today(), "grantor": Consent.Grantor.CITIZEN}
    preselected = request.GET.get("paaroerende", "")
    if preselected.isdigit():
        initial["relative"] = preselected  # matched with the options as text (int() fails on "²" or 5000 digits)
    form = ConsentForm(posted(request), citizen=citizen, initial=initial)

    def save(data):
        return services.record_consent(consent=Consent(citizen=citizen, **data), acting_user=request.user)

    def check(data):
        services.check_consent(consent=Consent(citizen=citizen, **data))

    if save_form(request, form, save, _("The consent is recorded."), check=check):
        return redirect(citizen)
    return form_page(
        request,
        citizen=citizen,
        title=_("Record a consent"),
        intro=_("What the citizen permits or refuses that staff tell one relative."),
        form=form,
        submit=_("Save the consent"),
        **no_relatives_notice(citizen),
    )


@dataclass(frozen=True)
class NewVersion:
    """What the change page and the revoke page do differently; `new_version_page` does the rest.

    Both record a new version that replaces the one in the URL, show the current version above the
    form, and tell the user when someone else replaced it first.
    """

    url_name: str
    template: str
    title: str  # with %(name)s, the relative's name
    intro: str
    submit: str
    done: str
    form: Callable[[dict | None, Consent], Form]
    save: Callable[[dict, Consent, object], Consent]
    check: Callable[[dict, Consent], None] | None = None


def new_version_page(request, pk: int, how: NewVersion):
    old = fetch(request, Consent.objects.select_related("citizen__municipality", "relative", "recorded_by"), pk)
    citizen, current = old.citizen, reads.current_version(old)
    if request.method != "POST" and current.pk != old.pk:
        messages.info(request, _("That version has been replaced. This is the current version."))
        return redirect(how.url_name, current.pk)
    form = how.form(posted(request), old)
    check = (lambda data: how.check(data, old)) if how.check else None
    stale = False
    try:
        if save_form(request, form, lambda data: how.save(data, old, request.user), how.done, check=check):
            return redirect(citizen)
    except StaleVersion:
        stale = True
        current = reads.current_version(old)
    return form_page(
        request,
        citizen=citizen,
        title=how.title % {"name": old.relative.name},
        intro=how.intro,
        form=form,
        submit=how.submit,
        template=how.template,
        consent=current,
        already_revoked=current.decision == Consent.Decision.REVOKED,
        stale_message=STALE_CONSENT if stale else None,
        action=reverse(how.url_name, args=[current.pk]),
    )


def change_form(data, old: Consent) -> ConsentForm:
    initial = {"given_on": today(), "valid_from": today()}
    if old.decision != Consent.Decision.REVOKED:
        initial.update(
            decision=old.decision,
            categories=old.categories,
            contact=old.contact,
            form=old.form,
            grantor=old.grantor,
            grantor_document=old.grantor_document,
        )
    return ConsentForm(data, citizen=old.citizen, change=True, initial=initial)


CHANGE = NewVersion(
    url_name="consent:consent-change",
    template="consent/consent_change.html",
    title=gettext_lazy("Change the consent for %(name)s"),
    intro=gettext_lazy("The change is saved as a new version; the version it replaces stays in the history."),
    submit=gettext_lazy("Save the new version"),
    done=gettext_lazy("The consent is changed. The earlier version is kept in the history."),
    form=change_form,
    save=lambda data, old, user: services.record_consent(consent=Consent(**data), supersedes=old, acting_user=user),
    check=lambda data, old: services.check_consent(consent=Consent(**data), supersedes=old),
)
REVOKE = NewVersion(
    url_name="consent:consent-revoke",
    template="consent/consent_revoke.html",
    title=gettext_lazy("Revoke the consent for %(name)s"),
    intro=gettext_lazy("A revocation takes effect at once. What was lawfully told before stays lawful."),
    submit=gettext_lazy("Revoke the consent"),
    done=gettext_lazy("The consent is revoked. It no longer allows telling the relative anything."),
    form=lambda data, old: RevokeForm(data),
    save=lambda data, old, user: services.revoke_consent(
        consent=old,
        reason=data["reason"],
        form=data["form"],
        acting_user=user,
        revoked_by=data["grantor"],
        document=data["grantor_document"],
    ),
)


@consent_view
def consent_change(request, pk: int):
    """Ændr (change): a new version that replaces this one; the old one stays in the history."""
    return new_version_page(request, pk, CHANGE)


@consent_view
def consent_revoke(request, pk: int):
    """Tilbagekald (revoke): a revocation is a new version too, in force at once."""
    return new_version_page(request, pk, REVOKE)


@consent_view
def disclosure(request, pk: int):
    """Må jeg oplyse…? May staff tell this relative this kind of information? Every answer is logged."""
    citizen = citizen_of(request, pk)
    form = DisclosureForm(posted(request), citizen=citizen, prefix="disclosure")
    answer = None
    if request.method == "POST" and form.is_valid():
        answer = services.check_disclosure(
            citizen=citizen,
            relative=form.cleaned_data["relative"],
            category=form.cleaned_data["category"],
            acting_user=request.user,
        )
    return form_page(
        request,
        citizen=citizen,
        **no_relatives_notice(citizen),
        title=_("May I tell…?"),
        intro=_("Choose the relative and what you want to tell. The answer comes from the recorded consents."),
        form=form,
        submit=_("Get the answer"),
        template="consent/disclosure.html",
        answer=answer,
        asked=form.cleaned_data if answer else None,
    )


# --- When the help changes -----------------------------------------------------------------------

TOLD_FOR = re.compile(r"[0-9]{1,18}")


@consent_view
def help_change_new(request, pk: int):
    """A change in the citizen's help (new or ended help, changed times, a care home, a hospital stay)."""
    citizen = citizen_of(request, pk)
    form = HelpChangeForm(posted(request), initial={"changes_on": today()})

    def save(data):
        return services.record_help_change(citizen=citizen, help_change=HelpChange(**data), acting_user=request.user)

    change = save_form(request, form, save, _("The change is recorded. Below: whom you may tell, and what."))
    if change:
        return redirect(change)
    return form_page(
        request,
        citizen=citizen,
        title=_("Record a change in the help"),
        intro=_(
            "The relatives whose consent covers it, and whom staff may contact, are told by the municipality "
            "itself. The next page lists them and drafts the message."
        ),
        form=form,
        submit=_("Save the change"),
    )


@consent_view
def help_change(request, pk: int):
    """Who may be told about a change, and who may not (with why); a draft for each; who was told, how and when."""
    change = fetch(request, HelpChange.objects.select_related("citizen__municipality", "recorded_by"), pk)
    citizen = change.citizen
    posted_forms, refused = {}, []
    if request.method == "POST" and not citizen.is_closed:
        relative_id = request.POST.get("told_for", "")
        if TOLD_FOR.fullmatch(relative_id):
            form = RelativeToldForm(request.POST, prefix=f"told-{relative_id}")

            def save(data):
                return services.record_relative_told(
                    help_change=change, relative_id=int(relative_id), acting_user=request.user, **data
                )

            if save_form(request, form, save, _("Recorded. The relative is on the list of those told.")):
                return redirect(change)
            posted_forms[int(relative_id)] = form
            refused = form.non_field_errors()
        else:
            refused = [_("Choose the relative you told, and use the button beside them.")]
    may, may_not = services.check_help_change(help_change=change, acting_user=request.user)
    told = list(change.told.select_related("relative", "recorded_by"))
    told_by_relative: dict[int, list] = {}
    for entry in told:
        told_by_relative.setdefault(entry.relative_id, []).append(entry)
    sender = request.user.display_name
    rows = []
    for recipient in may:
        relative = recipient.relative
        draft = rules.draft_message(
            change=change,
            relative=relative,
            citizen_name=citizen.name,
            sender=sender,
            municipality=citizen.municipality.name,
        )
        initial = {"told_on": today(), "message": draft}
        if relative.phone:
            initial["how"] = RelativeTold.How.PHONE
        form = posted_forms.get(relative.pk) or RelativeToldForm(prefix=f"told-{relative.pk}", initial=initial)
        rows.append({"recipient": recipient, "form": form, "told": told_by_relative.get(relative.pk, [])})
    title = _("Change in the help: %(what)s") % {"what": change.get_kind_display().lower()}
    context = {
        "citizen": citizen,
        "change": change,
        "category": InformationCategory(change.category).label.lower(),
        "sentence": rules.change_sentence(change, citizen.name),
        "rows": rows,
        "may_not": may_not,
        "told": told,
        "refused": refused,
        "has_relatives": bool(may or may_not),
        "title": title,
        "crumbs": crumbs(crumb(title), citizen=citizen),
    }
    return render(request, "consent/help_change.html", context)


# --- Agreements and follow-up -------------------------------------------------------------------


@consent_view
def agreement_new(request, pk: int):
    citizen = citizen_of(request, pk)
    form = AgreementForm(posted(request), citizen=citizen)

    def save(data):
        return services.record_agreement(citizen=citizen, agreement=Agreement(**data), acting_user=request.user)

    if save_form(request, form, save, _("The agreement is recorded.")):
        return redirect(citizen)
    return form_page(
        request,
        citizen=citizen,
        title=_("Record an agreement"),
        intro=_("What was agreed, who does it, and when to follow up."),
        form=form,
        submit=_("Save the agreement"),
    )


@consent_view
def follow_up(request, pk: int):
    agreement = fetch(request, Agreement.objects.select_related("citizen__municipality", "relative"), pk)
    citizen = agreement.citizen
    initial = {"held_on": today(), "version": agreement.version}
    if agreement.ended_on is None:
        initial["next_date"] = today() + timedelta(days=agreement.follow_up_every_days)
    form = FollowUpForm(posted(request), initial=initial)

    def save(data):
        fields = {name: value for name, value in data.items() if name != "version"}
        return services.record_follow_up(
            agreement=agreement, follow_up=FollowUp(**fields), loaded_version=data["version"], acting_user=request.user
        )

    stale = False
    if agreement.ended_on is None:
        try:
            if save_form(request, form, save, _("The follow-up is recorded.")):
                return redirect(citizen)
        except StaleVersion:
            stale = True
            agreement.refresh_from_db(fields=["version", "next_follow_up", "ended_on"])
            data = request.POST.copy()
            data["version"] = agreement.version  # saving again means: after seeing the other follow-up
            form = FollowUpForm(data, initial=initial)
    return form_page(
        request,
        citizen=citizen,
        title=_("Follow up on an agreement"),
        form=form,
        submit=_("Save the follow-up"),
        template="consent/follow_up.html",
        agreement=agreement,
        follow_ups=agreement.follow_ups.select_related("recorded_by"),
        stale_message=STALE_FOLLOW_UP if stale else None,
    )


STALE_OWNER = gettext_lazy(
    "Someone else gave this agreement to another caseworker after you opened the page, so nothing was saved. "
    "The responsible caseworker now is shown below, and your choice is kept: save again if it is still right."
)


@consent_view
def reassign(request, pk: int):
    """Give an agreement to another caseworker of the citizen's units: they are reminded of its follow-ups."""
    agreement = fetch(request, Agreement.objects.select_related("citizen__municipality", "relative", "owner"), pk)
    citizen = agreement.citizen
    form = ReassignForm(posted(request), citizen=citizen, initial={"seen_owner": agreement.owner_id or ""})

    def save(data):
        return services.reassign_agreement(
            agreement=agreement, owner=data["owner"], acting_user=request.user, seen_owner_id=data["seen_owner"]
        )

    stale = False
    chosen = form.cleaned_data.get("owner") if form.is_bound and form.is_valid() else None
    done = _("%(name)s is now responsible for the agreement.") % {"name": chosen.display_name if chosen else ""}
    try:
        saved = save_form(request, form, save, done)
    except StaleVersion:
        stale, saved = True, None
        agreement = Agreement.objects.select_related("citizen__municipality", "relative", "owner").get(pk=pk)
        data = request.POST.copy()
        data["seen_owner"] = agreement.owner_id or ""  # saving again means: after seeing who has it now
        form = ReassignForm(data, citizen=citizen)
    if saved is not None:
        return redirect(citizen)
    return form_page(
        request,
        citizen=citizen,
        title=_("Give the agreement to another caseworker"),
        intro=_(
            "The responsible caseworker is reminded of the agreement's follow-ups (the daily e-mail and the tasks)."
        ),
        form=form,
        submit=_("Give the agreement"),
        template="consent/reassign.html",
        agreement=agreement,
        stale_message=STALE_OWNER if stale else None,
    )


# --- Receipt, export, log, tasks ----------------------------------------------------------------


@consent_view
@sensitive_download
def receipt(request, pk: int):
    citizen = citizen_of(request, pk)
    services.record_view(citizen=citizen, acting_user=request.user, event=AuditEvent.Event.RECEIPT_VIEWED)
    context = {
        "citizen": citizen,
        "today": today(),
        "printed_by": request.user.display_name,
        "crumbs": crumbs(crumb(_("Receipt")), citizen=citizen),
        **reads.receipt(citizen, today()),
    }
    return render(request, "consent/receipt.html", context)


@consent_view
@sensitive_download
def fhir_export(request, pk: int):
    """The citizen's consents as HL7 FHIR R5 Consent resources in a Bundle of type "collection", identified
    by the CPR number the caseworker types (checked against the stored hash, never stored or logged)."""
    citizen = citizen_of(request, pk)
    form = FhirExportForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            bundle = services.export_fhir(citizen=citizen, cpr=form.cleaned_data["cpr"], acting_user=request.user)
        except RuleViolation as error:
            show_on_form(form, error)
        else:
            response = JsonResponse(bundle, json_dumps_params={"ensure_ascii": False, "indent": 2})
            response["Content-Disposition"] = f'attachment; filename="consents-{citizen.pk}.json"'
            response["Cache-Control"] = "no-store"
            return response
    if form.is_bound:  # the number typed is not sent back to the browser
        form.data = form.data.copy()
        form.data["cpr"] = ""
    return form_page(
        request,
        citizen=citizen,
        title=_("Export the consents (FHIR)"),
        intro=_(
            "The citizen's consents as HL7 FHIR R5 Consent resources, for the municipality's record system. "
            "The receiving system finds the citizen by the CPR number."
        ),
        form=form,
        submit=_("Export"),
    )


@consent_view
def break_glass(request, pk: int):
    """An administrator opens a citizen outside their own units: a stated reason first, logged and flagged."""
    if policy.visible(request.user, Citizen).filter(pk=pk).exists():
        return redirect("consent:citizen", pk)
    citizen = get_object_or_404(policy.behind_glass(request.user, Citizen).select_related("municipality"), pk=pk)
    form = BreakGlassForm(posted(request))

    def save(data):
        return services.break_glass(citizen=citizen, reason=data["reason"], acting_user=request.user)

    if save_form(request, form, save, _("Your reason is logged. You can open the citizen for the rest of the day.")):
        return redirect(citizen)
    return form_page(
        request,
        citizen=None,
        title=_("Open a citizen outside your units"),
        intro=_(
            "This citizen is in none of your units. An administrator may open them when the work requires it, "
            "after writing why. The reason and the access are shown in the log checks."
        ),
        form=form,
        submit=_("Open the citizen"),
        cancel_url=reverse("consent:citizens"),
    )


# --- The access request (GDPR art. 15) ----------------------------------------------------------------


def access_request_context(request, citizen: Citizen, document_format: str) -> dict:
    services.record_access_request(citizen=citizen, document_format=document_format, acting_user=request.user)
    return {
        "document": access_request.access_request(citizen, made_by=request.user, today=today()),
        "citizen": citizen,
        "crumbs": crumbs(crumb(_("Access request")), citizen=citizen),
    }


def access_request_citizen(request, pk: int) -> Citizen:
    return fetch(request, Citizen.objects.select_related("municipality", "created_by"), pk)


@consent_view
def access_request_page(request, pk: int):
    """Everything the portal holds about the citizen, as a page to read or print (with a print stylesheet)."""
    citizen = access_request_citizen(request, pk)
    return render(request, "consent/access_request.html", access_request_context(request, citizen, "html"))


@consent_view
@sensitive_download
def access_request_pdf(request, pk: int):
    """The same document as a tagged PDF; where the PDF cannot be made here, the printable page with a note."""
    citizen = access_request_citizen(request, pk)
    context = access_request_context(request, citizen, "pdf")
    html = render_to_string("consent/access_request_document.html", context, request=request)
    try:
        document = render_pdf(html)
    except PdfUnavailable:
        context["pdf_unavailable"] = True
        return render(request, "consent/access_request.html", context)
    return pdf_response(document, filename=access_request.file_name(citizen, "pdf"))


@consent_view
@sensitive_download
def access_request_json(request, pk: int):
    """The same content, machine-readable."""
    citizen = access_request_citizen(request, pk)
    context = access_request_context(request, citizen, "json")
    response = JsonResponse(
        access_request.as_json(context["document"]), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="{access_request.file_name(citizen, "json")}"'
    response["Cache-Control"] = "no-store"
    return response


@consent_view
def audit_log(request, pk: int):
    """The log of who has looked at a citizen's data, for the municipality administrator."""
    citizen = citizen_of(request, pk)
    if not policy.may_read_audit_log(request.user):
        return render(request, "consent/forbidden.html", {"reason": "log"}, status=403)
    services.record_view(citizen=citizen, acting_user=request.user, event=AuditEvent.Event.AUDIT_VIEWED)
    events = policy.visible(request.user, AuditEvent).filter(citizen=citizen).select_related("actor")
    context = {
        "citizen": citizen,
        "page": Paginator(events.order_by("-at", "-pk"), EVENTS_PER_PAGE).get_page(request.GET.get("side")),
        "crumbs": crumbs(crumb(_("Log")), citizen=citizen),
    }
    return render(request, "consent/audit_log.html", context)


@consent_view
def tasks(request):
    context = {
        "tasks": reads.tasks_for(policy.visible(request.user, Citizen), today()),
        "today": today(),
        "crumbs": [crumb(_("For staff"), reverse("staff-home")), crumb(_("Tasks"))],
    }
    return render(request, "consent/tasks.html", context)


# --- Corrections, closing, retention ------------------------------------------------------------


STALE_CORRECTION = gettext_lazy(
    "Someone else corrected these details after you opened the form, so nothing was saved. Their correction is "
    "shown below, and what you wrote is kept in the form: check it, and save again if your correction is still "
    "needed."
)


def correction_page(request, *, record, citizen, form_class, form_kwargs: dict, initial: dict, title: str, units=False):
    """Correct `record` from a form of `form_class` (its fields, a reason, and the correction token it was opened
    with): consent.services.correct_record keeps the history, and refuses the save when someone else corrected
    the record in between; then their correction is shown and what the user typed stays in the form."""
    form = form_class(posted(request), initial={**initial, "seen": services.correction_token(record)}, **form_kwargs)

    def save(data):
        changes = {name: value for name, value in data.items() if name not in ("reason", "units", "seen")}
        return services.correct_record(
            record=record,
            changes=changes,
            reason=data["reason"],
            acting_user=request.user,
            units=list(data["units"]) if units else None,
            seen=data["seen"],
        )

    stale = None
    try:
        if save_form(request, form, save, _("The correction is saved. The earlier value is kept in the history.")):
            return redirect(citizen)
    except services.StaleCorrection as refusal:
        stale = refusal.corrections
        data = request.POST.copy()
        data["seen"] = refusal.seen  # saving again means: after reading their correction
        form = form_class(data, initial=initial, **form_kwargs)
    return form_page(
        request,
        citizen=citizen,
        title=title,
        intro=_(
            "Correct what is wrong. The earlier value, your name, the time and the reason are kept in the history."
        ),
        form=form,
        submit=_("Save the correction"),
        stale_message=STALE_CORRECTION if stale else None,
        stale_corrections=stale,
    )


def initial_of(record, names) -> dict:
    return {name: getattr(record, name) for name in names}


@consent_view
def correct_relative(request, pk: int):
    relative = fetch(request, Relative.objects.select_related("citizen__municipality"), pk)
    initial = initial_of(relative, ("name", "relation", "kind", "phone", "email", "is_minor"))
    title = _("Correct the details of %(name)s") % {"name": relative.name}
    return correction_page(
        request,
        record=relative,
        citizen=relative.citizen,
        form_class=CorrectRelativeForm,
        form_kwargs={"user": request.user},
        initial=initial,
        title=title,
    )


@consent_view
def correct_dialogue(request, pk: int):
    dialogue = fetch(request, Dialogue.objects.select_related("citizen__municipality"), pk)
    initial = initial_of(dialogue, services.CORRECTABLE[Dialogue][1])
    title = _("Correct the dialogue of %(date)s") % {"date": format_short_date(dialogue.held_on)}
    return correction_page(
        request,
        record=dialogue,
        citizen=dialogue.citizen,
        form_class=CorrectDialogueForm,
        form_kwargs={},
        initial=initial,
        title=title,
    )


@consent_view
def correct_agreement(request, pk: int):
    agreement = fetch(request, Agreement.objects.select_related("citizen__municipality"), pk)
    initial = initial_of(agreement, ("description", "responsible", "relative", "follow_up_every_days"))
    return correction_page(
        request,
        record=agreement,
        citizen=agreement.citizen,
        form_class=CorrectAgreementForm,
        form_kwargs={"citizen": agreement.citizen},
        initial=initial,
        title=_("Correct an agreement"),
    )


@consent_view
def correct_citizen(request, pk: int):
    citizen = citizen_of(request, pk)
    initial = {"name": citizen.name, "units": list(citizen.units.all())}
    return correction_page(
        request,
        record=citizen,
        citizen=citizen,
        form_class=CorrectCitizenForm,
        form_kwargs={"user": request.user, "citizen": citizen},
        initial=initial,
        title=_("Correct the name or move to another unit"),
        units=True,
    )


@consent_view
def close_course(request, pk: int):
    """Afslut forløb: the record becomes read-only, and is erased after the retention period."""
    citizen = citizen_of(request, pk)
    form = CloseCourseForm(posted(request), initial={"closed_on": today()})

    def save(data):
        return services.close_course(
            citizen=citizen, closed_on=data["closed_on"], because=data["closed_because"], acting_user=request.user
        )

    if save_form(request, form, save, _("The course is closed. The record can no longer be changed.")):
        return redirect(citizen)
    years = retention.retention_years(citizen.municipality_id)
    return form_page(
        request,
        citizen=citizen,
        title=_("Close the citizen's course"),
        intro=_(
            "When the citizen has moved away, has died or no longer receives help. The record then becomes "
            "read-only, and %(years)d years after the closing date its personal data is erased."
        )
        % {"years": years},
        form=form,
        submit=_("Close the course"),
    )


@consent_view
def retention_setting(request):
    """The municipality's retention period for closed records: for the municipality administrator (DPO)."""
    if not policy.may_read_audit_log(request.user):
        return render(request, "consent/forbidden.html", {"reason": "retention"}, status=403)
    municipality = request.user.municipality
    form = RetentionForm(posted(request), initial={"years": retention.retention_years(municipality.pk)})

    def save(data):
        return services.set_retention(municipality=municipality, years=data["years"], acting_user=request.user)

    if save_form(request, form, save, _("The retention period is saved.")):
        return redirect("personal-data")
    return render(
        request,
        "consent/form.html",
        {
            "title": _("Retention period for closed records"),
            "intro": _(
                "How many years after a citizen's course is closed their personal data is erased. The portal's "
                "default is %(years)d years: patient records are kept at least 10 years after the last entry "
                "(autorisationsloven § 25, stk. 1), at least 5 years when only nurses and other health personnel "
                "keep them (journalføringsbekendtgørelsen § 15, stk. 2)."
            )
            % {"years": retention.default_years()},
            "form": form,
            "submit": _("Save"),
            "cancel_url": reverse("personal-data"),
            "crumbs": [
                crumb(_("For staff"), reverse("staff-home")),
                crumb(_("Personal data"), reverse("personal-data")),
                crumb(_("Retention period")),
            ],
        },
    )
