"""The staff's pages of the relatives' contact requests (/personale/henvendelser/): the list, one request
(its reading logged), answering and closing it. Only for the role Pårørendekontakt (contacts.access).

The editors' import of a municipality's directory (/personale/find-rundt/import/): upload, preview, import.
The import itself runs in the task queue (contacts.tasks): confirming records it and shows its progress page
(/personale/find-rundt/import/<id>/), which updates itself until the import is done or has failed.

Like the staff import (portal.staff_views): the upload shows every row with its messages and what the
import would do; the rows go to the import step signed (nothing the browser can change), and the service
checks them again before it writes anything.
"""

import io
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal.errors import RuleViolation, show_on_form
from portal.upload_tables import ImportFileError
from portal.views import crumb

from . import services
from .access import directory_policy, may_handle_requests
from .directory_import import TEMPLATE_COLUMNS, parse_directory_upload
from .forms import CloseRequestForm, DirectoryImportConfirmForm, DirectoryImportUploadForm
from .models import ContactRequest, DirectoryImport


def answerer_required(view):
    """Logged in (else the login page) and with the role Pårørendekontakt (else 403); never cached."""

    @wraps(view)
    @login_required
    @never_cache
    def wrapper(request, *args, **kwargs):
        if not may_handle_requests(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _crumbs(*rest) -> list[dict]:
    return [
        crumb(_("For staff"), reverse("staff-home")),
        crumb(_("Relatives' requests"), reverse("contacts-staff:requests") if rest else None),
        *rest,
    ]


@answerer_required
@require_safe
def request_list(request):
    requests = services.list_contact_requests(acting_user=request.user)
    context = {
        "open_requests": [item for item in requests if item.status == ContactRequest.Status.OPEN],
        "closed_requests": [item for item in requests if item.status == ContactRequest.Status.CLOSED],
        "crumbs": _crumbs(),
    }
    return render(request, "contacts/staff/requests.html", context)


@answerer_required
@require_http_methods(["GET", "POST"])
def request_detail(request, pk: int):
    form = CloseRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.close_contact_request(acting_user=request.user, pk=pk, note=form.cleaned_data["note"])
        except ContactRequest.DoesNotExist:
            raise Http404 from None
        except RuleViolation as error:
            show_on_form(form, error)
        else:
            return redirect("contacts-staff:requests")
    try:
        contact_request = services.open_contact_request(acting_user=request.user, pk=pk)
    except ContactRequest.DoesNotExist:
        raise Http404 from None
    context = {"contact_request": contact_request, "form": form, "crumbs": _crumbs(crumb(contact_request.name))}
    return render(request, "contacts/staff/request.html", context)


PREVIEW_SECONDS = 30 * 60
ROWS_SHOWN = 200  # of a long file the preview lists the rows with errors and this many of the others


def directory_editor_view(view):
    """Logged in (else the login page), and an editor of a municipality's directory (else a 403 page)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not directory_policy.may_import(request.user):
            return render(request, "contacts/staff/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return login_required(never_cache(wrapped))


def _crumbs(*rest) -> list[dict]:
    return [crumb(_("For staff"), reverse("staff-home")), crumb(_("Import the directory"), None), *rest]


def _signing_salt(request) -> str:
    return f"contacts.directory_import:{request.user.pk}:{request.user.municipality_id}"


@directory_editor_view
def import_upload(request):
    posted = request.method == "POST"
    form = DirectoryImportUploadForm(request.POST if posted else None, request.FILES if posted else None)
    parsed = plan = None
    payload = ""
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            parsed = parse_directory_upload(upload.name, upload.read(), max_bytes=settings.DIRECTORY_IMPORT_MAX_BYTES)
        except ImportFileError as error:
            for message in error.messages:
                form.add_error("file", message)
        else:
            plan = services.plan_directory_import(municipality=request.user.municipality, parsed=parsed)
            if not parsed.has_errors:
                payload = signing.dumps(parsed.as_data(), salt=_signing_salt(request), compress=True)
    shown = []
    if parsed:
        with_errors = parsed.rows_with_errors
        shown = with_errors if with_errors else parsed.rows[:ROWS_SHOWN]
    return render(
        request,
        "contacts/staff/import.html",
        {
            "form": form,
            "parsed": parsed,
            "plan": plan,
            "rows_shown": shown,
            "rows_not_shown": len(parsed.rows) - len(shown) if parsed else 0,
            "confirm_form": DirectoryImportConfirmForm(initial={"payload": payload}) if payload else None,
            "max_mb": f"{settings.DIRECTORY_IMPORT_MAX_BYTES / (1024 * 1024):g}",
            "municipality": request.user.municipality,
            "crumbs": _crumbs(),
        },
    )


@require_POST
@directory_editor_view
def import_confirm(request):
    form = DirectoryImportConfirmForm(request.POST)
    try:
        if not form.is_valid():
            raise signing.BadSignature
        data = signing.loads(form.cleaned_data["payload"], salt=_signing_salt(request), max_age=PREVIEW_SECONDS)
    except signing.BadSignature:  # also SignatureExpired
        messages.error(
            request, _("The preview is too old or was changed, so nothing was imported. Upload the file again.")
        )
        return redirect("contacts-staff:import")
    try:
        order = services.order_directory_import(acting_user=request.user, data=data)
    except RuleViolation as error:
        messages.error(request, " ".join(error.messages))
        return redirect("contacts-staff:import")
    return redirect("contacts-staff:import-progress", pk=order.pk)


@require_safe
@directory_editor_view
def import_progress(request, pk: int):
    """An import's progress, then what it did or why it failed; the page updates itself while it waits or runs."""
    order = directory_policy.visible(request.user, DirectoryImport).filter(pk=pk).first()
    if order is None:
        raise Http404
    crumbs = [
        crumb(_("For staff"), reverse("staff-home")),
        crumb(_("Import the directory"), reverse("contacts-staff:import")),
        crumb(_("Importing the directory"), None),
    ]
    context = {"order": order, "result": _result_message(order), "crumbs": crumbs}
    return render(request, "contacts/staff/import_progress.html", context)


def _result_message(order: DirectoryImport) -> str:
    if order.status != DirectoryImport.Status.DONE:
        return ""
    if order.changed_nothing:
        return _("Everything in the file was already in the directory; nothing was changed.")
    return _(
        "Imported: %(created)s new contact points, %(changed)s changed, %(needs)s new needs, "
        "%(situations)s new situations."
    ) % {
        "created": order.contacts_created,
        "changed": order.contacts_changed,
        "needs": order.needs_created,
        "situations": order.situations_created,
    }


@directory_editor_view
def import_template(request):
    """The XLSX template: the columns on the first sheet, what each means on the second."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Kontakter"
    sheet.append([column for column, _name in TEMPLATE_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    guide = workbook.create_sheet("Vejledning")
    guide.append([_("Column"), _("What to write")])
    for column, explanation in _column_guide():
        guide.append([column, explanation])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="find-rundt-skabelon.xlsx"'
    return response


def _column_guide() -> list[tuple[str, str]]:
    return [
        ("id", _("Optional. The contact point's own key (e.g. from your own list). The same id updates it next time.")),
        ("behov", _("Required. The heading the situation is under, e.g. “Akutte behov”.")),
        ("situation", _("Required. The situation in the citizen's or relative's own words.")),
        ("spørg om", _("What to ask the contact point about in this situation.")),
        ("kontakt", _("Required. The contact point's name, e.g. “Visitationen”.")),
        ("beskrivelse", _("A short description of the contact point.")),
        ("telefon", _("8 digits, e.g. 36 39 28 80.")),
        ("e-mail", _("E.g. visitationen@kommune.dk.")),
        ("hjemmeside", _("E.g. https://kommune.dk/visitation.")),
        ("adresse", _("The address, if people come by.")),
        ("åbningstider", _("E.g. Mandag–torsdag 8–15, fredag 8–13.")),
        ("sidst tjekket", _("The date the details were last checked, e.g. 01-03-2025. Empty: the day of the import.")),
    ]
