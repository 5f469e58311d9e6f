"""The municipality administrator's staff pages, under /personale/administration/: staff, units, import.

A view is form → portal.staff_services → redirect. Every object is fetched through
portal.access.staff_policy, so another municipality's person or unit answers 404 exactly like one that
does not exist. The invitation link (/personale/invitation/<token>/) is for the invited person, who is
not logged in; its token is kept out of the logs (portal.log_redaction).
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from . import staff_services as services
from .access import staff_policy
from .errors import RuleViolation, StaleVersion, show_on_form
from .log_redaction import sensitive_url_kwargs
from .models import StaffInvitation, Unit, User
from .staff_forms import (
    AcceptInvitationForm,
    ChangeStaffForm,
    ImportConfirmForm,
    ImportUploadForm,
    InviteForm,
    StaffFilterForm,
    UnitForm,
)
from .staff_import import ImportFileError, ParsedImport, parse_upload
from .staff_rules import (
    awaiting_invitation,
    filter_staff,
    import_problems,
    invitation_digest,
    invitation_state,
    staff_state,
)
from .views import crumb

PREVIEW_SECONDS = 15 * 60
STAFF_PER_PAGE = 50
STALE_STAFF = gettext_lazy(
    "Someone else changed this person's roles or units after you opened the page, so nothing was saved. "
    "The page now shows their roles and units as they are: check them, and save again if your change is still needed."
)


def staff_admin_view(view):
    """Logged in (else the login page), and the municipality's administrator (else a 403 page that says why)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        prefetch_related_objects([request.user], "groups")
        if not staff_policy.may_administer_staff(request.user):
            return render(request, "portal/staff/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return login_required(never_cache(wrapped))


def posted(request):
    """The submitted data, or None for a GET (an empty POST is still a submission, and fails validation)."""
    return request.POST if request.method == "POST" else None


def base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def crumbs(*rest) -> list[dict]:
    return [
        crumb(_("For staff"), reverse("staff-home")),
        crumb(_("Staff and units"), reverse("staff:list") if rest else None),
        *rest,
    ]


def open_units(request):
    return staff_policy.visible(request.user, Unit).filter(closed_on__isnull=True)


def person_of(request, pk: int) -> User:
    return get_object_or_404(staff_policy.visible(request.user, User), pk=pk)


def unit_of(request, pk: int) -> Unit:
    return get_object_or_404(staff_policy.visible(request.user, Unit), pk=pk)


# --- Staff ------------------------------------------------------------------------------------------


@staff_admin_view
def staff_list(request):
    form = StaffFilterForm(request.GET, units=open_units(request))
    chosen = form.cleaned_data if form.is_valid() else {}
    people = (
        staff_policy.visible(request.user, User)
        .annotate(pending=awaiting_invitation(timezone.now()))
        .order_by("-is_active", "first_name", "last_name", "username", "pk")
        .prefetch_related("groups", "units")
    )
    people = filter_staff(people, role=chosen.get("role", ""), unit=chosen.get("unit"), status=chosen.get("status", ""))
    page = Paginator(people, STAFF_PER_PAGE).get_page(request.GET.get("side"))
    filters = request.GET.copy()
    filters.pop("side", None)
    return render(
        request,
        "portal/staff/list.html",
        {
            "page": page,
            "form": form,
            "filtered": any(chosen.values()),
            "filter_query": filters.urlencode(),
            "crumbs": crumbs(),
        },
    )


@staff_admin_view
def invite(request):
    form = InviteForm(posted(request), units=open_units(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.invite_staff(
                municipality=request.user.municipality,
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                roles=data["roles"],
                units=list(data["units"]),
                acting_user=request.user,
                base_url=base_url(request),
            )
        except RuleViolation as error:
            show_on_form(form, error)
        except services.DuplicateStaff:
            form.add_error("email", _("Someone with this e-mail address already has an account."))
        else:
            message = _("%(name)s is invited. The e-mail with the link is on its way.")
            messages.success(request, message % {"name": person.display_name})
            return redirect("staff:person", pk=person.pk)
    return render(
        request,
        "portal/staff/form.html",
        {
            "title": _("Invite a member of staff"),
            "intro": _(
                "The person gets an e-mail with a link that works once, for %(hours)s hours. Through it they choose "
                "their own password; at their first login they set up their second factor."
            )
            % {"hours": settings.STAFF_INVITATION_HOURS},
            "form": form,
            "submit": _("Send invitation"),
            "cancel_url": reverse("staff:list"),
            "crumbs": crumbs(crumb(_("Invite"))),
        },
    )


@staff_admin_view
def person(request, pk: int):
    person = person_of(request, pk)
    prefetch_related_objects([person], "groups", "units")
    stale = False
    if request.method == "POST":
        form = ChangeStaffForm(request.POST, units=open_units(request))
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.change_staff(
                    user=person,
                    roles=data["roles"],
                    units=list(data["units"]),
                    loaded_state=data["loaded_state"],
                    acting_user=request.user,
                )
            except RuleViolation as error:
                show_on_form(form, error)
            except StaleVersion:
                stale = True
                person = person_of(request, pk)
                prefetch_related_objects([person], "groups", "units")
                data = request.POST.copy()
                data["loaded_state"] = staff_state(person)  # what they wrote stays; saving again is now allowed
                form = ChangeStaffForm(data, units=open_units(request))
            else:
                messages.success(request, _("The roles and units are saved."))
                return redirect("staff:person", pk=person.pk)
    else:
        form = ChangeStaffForm(
            initial={
                "loaded_state": staff_state(person),
                "roles": [group.name for group in person.groups.all()],
                "units": [unit.pk for unit in person.units.all()],
            },
            units=open_units(request),
        )
    return render(
        request,
        "portal/staff/person.html",
        {
            "person": person,
            "form": form,
            "stale_message": STALE_STAFF if stale else "",
            "crumbs": crumbs(crumb(person.display_name)),
        },
    )


@require_POST
@staff_admin_view
def deactivate(request, pk: int):
    person = person_of(request, pk)
    try:
        services.deactivate_staff(user=person, acting_user=request.user)
    except RuleViolation as error:
        messages.error(request, " ".join(error.messages))
    else:
        message = _("%(name)s is deactivated and logged out everywhere. Their history stays.")
        messages.success(request, message % {"name": person.display_name})
    return redirect("staff:person", pk=person.pk)


@require_POST
@staff_admin_view
def reinvite(request, pk: int):
    person = person_of(request, pk)
    services.reinvite_staff(user=person, acting_user=request.user, base_url=base_url(request))
    messages.success(request, _("A new invitation is on its way to %(email)s.") % {"email": person.email})
    return redirect("staff:person", pk=person.pk)


# --- Units ------------------------------------------------------------------------------------------


@staff_admin_view
def units(request):
    form = UnitForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.create_unit(
                municipality=request.user.municipality,
                name=form.cleaned_data["name"],
                area=form.cleaned_data["area"],
                acting_user=request.user,
            )
        except RuleViolation as error:
            show_on_form(form, error)
        except services.DuplicateUnit:
            form.add_error("name", _("The municipality already has a unit with this name."))
        else:
            messages.success(request, _("The unit “%(name)s” is created.") % {"name": unit.name})
            return redirect("staff:units")
    all_units = staff_policy.visible(request.user, Unit).order_by("closed_on", "name")
    return render(
        request,
        "portal/staff/units.html",
        {"units": all_units, "form": form, "crumbs": crumbs(crumb(_("Units")))},
    )


@staff_admin_view
def unit(request, pk: int):
    unit = unit_of(request, pk)
    form = UnitForm(posted(request), initial={"name": unit.name, "area": unit.area})
    if request.method == "POST" and form.is_valid():
        try:
            services.rename_unit(
                unit=unit, name=form.cleaned_data["name"], area=form.cleaned_data["area"], acting_user=request.user
            )
        except RuleViolation as error:
            show_on_form(form, error)
        except services.DuplicateUnit:
            form.add_error("name", _("The municipality already has a unit with this name."))
        else:
            messages.success(request, _("The unit is saved."))
            return redirect("staff:units")
    return render(
        request,
        "portal/staff/unit.html",
        {
            "unit": unit,
            "form": form,
            "staff_count": unit.staff.count(),
            "crumbs": crumbs(crumb(_("Units"), reverse("staff:units")), crumb(unit.name)),
        },
    )


@require_POST
@staff_admin_view
def close_unit(request, pk: int):
    unit = unit_of(request, pk)
    services.close_unit(unit=unit, acting_user=request.user)
    messages.success(request, _("The unit “%(name)s” is closed. Its citizens' history stays.") % {"name": unit.name})
    return redirect("staff:units")


# --- Import -----------------------------------------------------------------------------------------


def _signing_salt(request) -> str:
    return f"portal.staff_import:{request.user.pk}"


@staff_admin_view
def import_upload(request):
    form = ImportUploadForm(posted(request), request.FILES if request.method == "POST" else None)
    parsed = None
    file_errors: list[str] = []
    payload = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            parsed = parse_upload(upload.name, upload.read(), max_bytes=settings.STAFF_IMPORT_MAX_BYTES)
        except ImportFileError as error:
            file_errors = error.messages
            for message in file_errors:
                form.add_error("file", message)
        else:
            import_problems(parsed, request.user.municipality)
            if not parsed.has_errors:
                payload = signing.dumps(parsed.as_data(), salt=_signing_salt(request), compress=True)
    return render(
        request,
        "portal/staff/import.html",
        {
            "form": form,
            "parsed": parsed,
            "confirm_form": ImportConfirmForm(initial={"payload": payload}) if payload else None,
            "max_mb": f"{settings.STAFF_IMPORT_MAX_BYTES / (1024 * 1024):g}",
            "crumbs": crumbs(crumb(_("Import"))),
        },
    )


@require_POST
@staff_admin_view
def import_confirm(request):
    form = ImportConfirmForm(request.POST)
    try:
        if not form.is_valid():
            raise signing.BadSignature
        data = signing.loads(form.cleaned_data["payload"], salt=_signing_salt(request), max_age=PREVIEW_SECONDS)
    except signing.BadSignature:  # also SignatureExpired
        message = _("The preview is too old or was changed, so nothing was imported. Upload the file again.")
        messages.error(request, message)
        return redirect("staff:import")
    try:
        result = services.import_units_and_staff(
            municipality=request.user.municipality,
            parsed=ParsedImport.from_data(data),
            acting_user=request.user,
            base_url=base_url(request),
        )
    except RuleViolation as error:
        messages.error(request, " ".join(error.messages))
        return redirect("staff:import")
    if result.changed_nothing:
        messages.success(request, _("Everything in the file was already there; nothing was changed."))
    else:
        messages.success(
            request,
            _(
                "Imported: %(units_created)s new units, %(units_changed)s units changed, %(invited)s people "
                "invited, %(changed)s people's roles or units changed."
            )
            % {
                "units_created": len(result.units_created),
                "units_changed": len(result.units_changed),
                "invited": len(result.staff_invited),
                "changed": len(result.staff_changed),
            },
        )
    return redirect("staff:list")


# --- The invitation link ----------------------------------------------------------------------------


@sensitive_url_kwargs("token")
@sensitive_post_parameters("password", "password_again")
@never_cache
def accept_invitation(request, token: str):
    invitation = (
        StaffInvitation.objects.select_related("user", "user__municipality")
        .filter(token_digest=invitation_digest(token))
        .first()
    )
    state = invitation_state(invitation, now=timezone.now())
    if state != "valid":
        return _invitation_unusable(request, state)
    form = AcceptInvitationForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.accept_invitation(
                token=token, password=form.cleaned_data["password"], password_again=form.cleaned_data["password_again"]
            )
        except services.InvitationUnusable as unusable:
            return _invitation_unusable(request, unusable.state)
        except RuleViolation as error:
            show_on_form(form, error)
        else:
            messages.success(
                request,
                _("Your password is saved. Log in with your e-mail address %(email)s and the new password.")
                % {"email": invitation.user.username},
            )
            return redirect("login")
    return render(request, "portal/staff/accept_invitation.html", {"form": form, "person": invitation.user})


def _invitation_unusable(request, state: str):
    return render(
        request, "portal/staff/invitation_unusable.html", {"state": state}, status=404 if state == "unknown" else 410
    )
