"""The caseworker's daily tool. Views stay thin: form → consent.services → redirect.

Every view fetches what it shows through consent.access.policy, which answers 404 for another unit's
or municipality's citizen, consent or agreement, and for staff who are the citizen's relative.
Nothing personal travels in a URL: searches are POSTed, URLs carry numeric ids only.
"""

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import prefetch_related_objects
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from portal.views import crumb

from . import fhir, reads, services
from .access import policy
from .forms import (
    AgreementForm,
    CitizenSearchForm,
    ConsentForm,
    DialogueForm,
    DisclosureForm,
    FollowUpForm,
    RegisterCitizenForm,
    RelativeForm,
    RevokeForm,
    add_service_errors,
)
from .models import Agreement, AuditEvent, Citizen, Consent, Dialogue, Relative

MAX_SEARCH_RESULTS = 25
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


def consent_view(view):
    """Logged in (else the login page), and allowed to use consent data (else a 403 page that says why)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        prefetch_related_objects([request.user], "groups")  # the roles are asked about many times per request
        if not policy.may_use_consent(request.user):
            return render(request, "consent/forbidden.html", {"reason": "consent"}, status=403)
        return view(request, *args, **kwargs)

    return login_required(never_cache(wrapped))


def posted(request):
    """The submitted data, or None for a GET (an empty POST is still a submission, and fails validation)."""
    return request.POST if request.method == "POST" else None


def citizen_of(request, pk: int) -> Citizen:
    return get_object_or_404(policy.visible(request.user, Citizen).select_related("municipality"), pk=pk)


def today():
    return timezone.localdate()


def crumbs(*rest, citizen: Citizen | None = None) -> list[dict]:
    trail = [crumb(_("For staff"), reverse("staff-home")), crumb(_("Citizens"), reverse("consent:citizens"))]
    if citizen is not None:
        trail.append(crumb(citizen.name, citizen.get_absolute_url()))
    return [*trail, *rest]


def form_page(request, *, citizen, title, form, submit, intro="", template="consent/form.html", **context):
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
    visible = policy.visible(request.user, Citizen)
    form = CitizenSearchForm(posted(request))
    results = None
    if request.method == "POST" and form.is_valid():
        if form.cpr:
            found = services.find_by_cpr(municipality=request.user.municipality, cpr=form.cpr, citizens=visible)
            results = [found] if found else []
            form = CitizenSearchForm()  # the full number is not shown again on the page
        else:
            results = list(
                visible.filter(name__icontains=form.cleaned_data["query"]).prefetch_related("units")[
                    : MAX_SEARCH_RESULTS + 1
                ]
            )
        for citizen in results[:MAX_SEARCH_RESULTS]:
            services.record_view(citizen=citizen, acting_user=request.user, event=AuditEvent.Event.CITIZEN_FOUND)
    page = None
    if results is None:
        page = Paginator(visible.prefetch_related("units"), CITIZENS_PER_PAGE).get_page(request.GET.get("side"))
    context = {
        "form": form,
        "results": results[:MAX_SEARCH_RESULTS] if results is not None else None,
        "too_many": results is not None and len(results) > MAX_SEARCH_RESULTS,
        "page": page,
        "crumbs": [crumb(_("For staff"), reverse("staff-home")), crumb(_("Citizens"))],
    }
    return render(request, "consent/citizens.html", context)


@consent_view
def register(request):
    form = RegisterCitizenForm(posted(request), units=policy.units_for_registration(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            citizen = services.register_citizen(
                municipality=request.user.municipality,
                name=data["name"],
                cpr=data["cpr"],
                units=list(data["units"]),
                acting_user=request.user,
            )
        except ValidationError as error:
            if any(item.message == "duplicate" for item in getattr(error, "error_dict", {}).get("cpr", [])):
                form.add_error("cpr", DUPLICATE_CPR)
            else:
                add_service_errors(form, error, default_field="cpr")
        except IntegrityError:  # registered by someone else a moment ago
            form.add_error("cpr", DUPLICATE_CPR)
        else:
            messages.success(request, _("The citizen is registered."))
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
    citizen = get_object_or_404(
        policy.visible(request.user, Citizen).select_related("municipality").prefetch_related("units"), pk=pk
    )
    overview = reads.citizen_overview(citizen, today())
    services.record_view(citizen=citizen, acting_user=request.user)
    context = {
        "citizen": citizen,
        "overview": overview,
        "today": today(),
        "disclosure_form": DisclosureForm(citizen=citizen, prefix="disclosure") if overview.relatives else None,
        "may_read_log": policy.may_read_audit_log(request.user),
        "crumbs": crumbs(crumb(citizen.name)),
    }
    return render(request, "consent/citizen.html", context)


@consent_view
def relative_new(request, pk: int):
    citizen = citizen_of(request, pk)
    form = RelativeForm(posted(request), user=request.user, instance=Relative(citizen=citizen))
    if request.method == "POST" and form.is_valid():
        try:
            relative = services.add_relative(citizen=citizen, relative=form.instance, acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The relative is added."))
            if relative.staff_user_id == request.user.pk:
                messages.info(request, _("You are this citizen's relative, so you can no longer open their records."))
                return redirect("consent:citizens")
            return redirect(citizen)
    return form_page(
        request,
        citizen=citizen,
        title=_("Add a relative or a person in the network"),
        intro=_("Relatives, friends, neighbours, and other professionals around the citizen."),
        form=form,
        submit=_("Add"),
    )


@consent_view
def dialogue_new(request, pk: int):
    citizen = citizen_of(request, pk)
    form = DialogueForm(posted(request), instance=Dialogue(citizen=citizen))
    if request.method == "POST" and form.is_valid():
        try:
            services.record_dialogue(citizen=citizen, dialogue=form.instance, acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The dialogue is recorded."))
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
    form = ConsentForm(posted(request), citizen=citizen, instance=Consent(citizen=citizen), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_consent(consent=form.instance, acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The consent is recorded."))
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


def consent_and_citizen(request, pk: int) -> tuple[Consent, Citizen]:
    consent = get_object_or_404(
        policy.visible(request.user, Consent).select_related("citizen__municipality", "relative", "recorded_by"), pk=pk
    )
    return consent, consent.citizen


@consent_view
def consent_change(request, pk: int):
    """Ændr (change): a new version that replaces this one; the old one stays in the history."""
    old, citizen = consent_and_citizen(request, pk)
    current = reads.current_version(old)
    if request.method != "POST" and current.pk != old.pk:
        messages.info(request, _("That version has been replaced. This is the current version."))
        return redirect("consent:consent-change", current.pk)
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
    form = ConsentForm(posted(request), citizen=citizen, change=True, instance=Consent(), initial=initial)
    stale = False
    if request.method == "POST" and form.is_valid():
        try:
            services.record_consent(consent=form.instance, supersedes=old, acting_user=request.user)
        except services.StaleVersion:
            stale = True
            current = reads.current_version(old)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The consent is changed. The earlier version is kept in the history."))
            return redirect(citizen)
    return form_page(
        request,
        citizen=citizen,
        title=_("Change the consent for %(name)s") % {"name": old.relative.name},
        intro=_("The change is saved as a new version; the version it replaces stays in the history."),
        form=form,
        submit=_("Save the new version"),
        template="consent/consent_change.html",
        consent=current,
        stale_message=STALE_CONSENT if stale else None,
        action=reverse("consent:consent-change", args=[current.pk]),
    )


@consent_view
def consent_revoke(request, pk: int):
    old, citizen = consent_and_citizen(request, pk)
    current = reads.current_version(old)
    if request.method != "POST" and current.pk != old.pk:
        messages.info(request, _("That version has been replaced. This is the current version."))
        return redirect("consent:consent-revoke", current.pk)
    form = RevokeForm(posted(request))
    stale = False
    if request.method == "POST" and old.decision != Consent.Decision.REVOKED and form.is_valid():
        try:
            services.revoke_consent(
                consent=old,
                reason=form.cleaned_data["reason"],
                form=form.cleaned_data["form"],
                acting_user=request.user,
            )
        except services.StaleVersion:
            stale = True
            current = reads.current_version(old)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The consent is revoked. It no longer allows telling the relative anything."))
            return redirect(citizen)
    return form_page(
        request,
        citizen=citizen,
        title=_("Revoke the consent for %(name)s") % {"name": old.relative.name},
        intro=_("A revocation takes effect at once. What was lawfully told before stays lawful."),
        form=form,
        submit=_("Revoke the consent"),
        template="consent/consent_revoke.html",
        consent=current,
        already_revoked=current.decision == Consent.Decision.REVOKED,
        stale_message=STALE_CONSENT if stale else None,
        action=reverse("consent:consent-revoke", args=[current.pk]),
    )


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


# --- Agreements and follow-up -------------------------------------------------------------------


@consent_view
def agreement_new(request, pk: int):
    citizen = citizen_of(request, pk)
    form = AgreementForm(posted(request), citizen=citizen, instance=Agreement(citizen=citizen))
    if request.method == "POST" and form.is_valid():
        try:
            services.record_agreement(citizen=citizen, agreement=form.instance, acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The agreement is recorded."))
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
    agreement = get_object_or_404(
        policy.visible(request.user, Agreement).select_related("citizen__municipality", "relative"), pk=pk
    )
    citizen = agreement.citizen
    initial = {"held_on": today(), "version": agreement.version}
    if agreement.ended_on is None:
        initial["next_date"] = today() + timedelta(days=agreement.follow_up_every_days)
    form = FollowUpForm(posted(request), initial=initial)
    stale = False
    if request.method == "POST" and agreement.ended_on is None and form.is_valid():
        try:
            services.record_follow_up(
                agreement=agreement,
                follow_up=form.instance,
                loaded_version=form.cleaned_data["version"],
                acting_user=request.user,
            )
        except services.StaleVersion:
            stale = True
            agreement = Agreement.objects.select_related("relative").get(pk=agreement.pk)
            data = request.POST.copy()
            data["version"] = agreement.version
            form = FollowUpForm(data, initial=initial)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The follow-up is recorded."))
            return redirect(citizen)
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


# --- Receipt, export, log, tasks ----------------------------------------------------------------


@consent_view
def receipt(request, pk: int):
    citizen = citizen_of(request, pk)
    services.record_view(citizen=citizen, acting_user=request.user, event=AuditEvent.Event.RECEIPT_PRINTED)
    context = {
        "citizen": citizen,
        "today": today(),
        "printed_by": request.user.display_name,
        "crumbs": crumbs(crumb(_("Receipt")), citizen=citizen),
        **reads.receipt(citizen, today()),
    }
    return render(request, "consent/receipt.html", context)


@consent_view
def fhir_export(request, pk: int):
    """The citizen's consents as HL7 FHIR R5 Consent resources in a Bundle of type "collection"."""
    citizen = citizen_of(request, pk)
    bundle = fhir.consents_bundle(citizen)
    services.record_view(citizen=citizen, acting_user=request.user, event=AuditEvent.Event.FHIR_EXPORTED)
    response = JsonResponse(bundle, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="consents-{citizen.pk}.json"'
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
