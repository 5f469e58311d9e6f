"""The log checks (logkontrol): the municipality's whole log, filtered, flagged, per member of staff, exported.

For the municipality administrator and the data protection officer (consent.access.policy.may_read_audit_log).
The filters travel as ids, codes and dates in the address (GET), so a page can be bookmarked and paged
without personal data in the URL. Reading and exporting the log are logged themselves.
"""

from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User
from portal.views import crumb

from . import log_checks, reads, services
from .access import policy
from .forms import LogFilterForm
from .models import AuditEvent, Consent
from .views import log_view, sensitive_download

EVENTS_PER_PAGE = 50
EXPORT_COLUMNS = ["Tidspunkt", "Brugernavn", "Navn", "Hændelse", "Borger", "Detaljer", "Markeringer"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filtered(request, *, person: User | None = None):
    """The form and the log's events as it filters them (the whole municipality's, newest first)."""
    form = LogFilterForm(request.GET or None, user=request.user)
    events = policy.log_rows(request.user, AuditEvent).select_related("actor", "citizen")
    events = log_checks.annotated(events)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if person is not None:
        events = events.filter(actor=person)
    elif data.get("person"):
        events = events.filter(actor=data["person"])
    if data.get("citizen"):
        events = events.filter(citizen=data["citizen"])
    if data.get("event"):
        events = events.filter(event=data["event"])
    events = log_checks.in_period(events, data.get("start"), data.get("end"))
    if data.get("unusual"):
        events = events.filter(log_checks.unusual_q(log_checks.thresholds()))
    return form, data, events.order_by("-at", "-pk")


def filter_ids(data: dict, person: User | None = None) -> dict:
    """The filters as ids and dates, for the audit event and the pages' links."""
    return {
        "person_id": person.pk if person else (data["person"].pk if data.get("person") else None),
        "citizen_id": data["citizen"].pk if data.get("citizen") else None,
        "event_kind": data.get("event") or None,
        "start": data["start"].isoformat() if data.get("start") else None,
        "end": data["end"].isoformat() if data.get("end") else None,
        "unusual": bool(data.get("unusual")),
    }


def page_of(request, form, data, events, *, person: User | None = None, template: str, title: str, **context):
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("side"))
    limit = log_checks.thresholds()
    services.record_log_check(acting_user=request.user, **filter_ids(data, person))
    query = request.GET.copy()
    query.pop("side", None)
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "entries": log_checks.entries(list(page.object_list), limit),
            "limit": limit,
            "query": query.urlencode(),
            "title": title,
            "person": person,
            "crumbs": [
                crumb(_("For staff"), reverse("staff-home")),
                crumb(_("Log checks"), reverse("consent:log-checks")),
                *([crumb(title)] if person else []),
            ],
            **context,
        },
    )


@log_view
def log_check_list(request):
    """One page over every citizen and member of staff, with filters and the unusual accesses flagged."""
    form, data, events = filtered(request)
    return page_of(
        request,
        form,
        data,
        events,
        template="consent/log_checks.html",
        title=_("Log checks"),
        allowing_nothing=reads.permissions_allowing_nothing(policy.log_rows(request.user, Consent)),
    )


@log_view
def log_check_staff(request, pk: int):
    """One member of staff's log: what they opened, day by day, with the same flags."""
    person = get_object_or_404(policy.log_rows(request.user, User.objects.filter(municipality__isnull=False)), pk=pk)
    form, data, events = filtered(request, person=person)
    return page_of(
        request,
        form,
        data,
        events,
        person=person,
        template="consent/log_checks.html",
        title=_("Log of %(name)s (%(username)s)") % {"name": person.display_name, "username": person.get_username()},
    )


def safe_cell(value: str) -> str:
    """A text a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def export_rows(events):
    """The export's rows, a page of entries at a time (each page: the events, then the relatives they name)."""
    limit = log_checks.thresholds()
    paginator = Paginator(events, 500)
    for number in paginator.page_range:
        for entry in log_checks.entries(list(paginator.page(number).object_list), limit):
            yield [
                timezone.localtime(entry.event.at).strftime("%d-%m-%Y %H:%M:%S"),
                entry.username,
                entry.name,
                entry.what,
                entry.citizen,
                entry.details,
                ", ".join(str(flag.label) for flag in entry.flags),
            ]


class _Echo:
    def write(self, value: str) -> str:
        return value


@log_view
@sensitive_download
def log_check_export(request, kind: str):
    """The filtered log as CSV (semicolons, UTF-8 with BOM, for Danish Excel) or XLSX (openpyxl, write-only)."""
    import csv

    _form, data, events = filtered(request)
    services.record_log_check(acting_user=request.user, exported=kind, **filter_ids(data))
    name = f"logkontrol-{timezone.localdate().isoformat()}.{kind}"
    if kind == "csv":
        writer = csv.writer(_Echo(), delimiter=";")

        def lines():
            yield "\ufeff" + writer.writerow(EXPORT_COLUMNS)
            for row in export_rows(events):
                yield writer.writerow([safe_cell(value) for value in row])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    else:
        from io import BytesIO

        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Logkontrol")
        sheet.append(EXPORT_COLUMNS)
        for row in export_rows(events):
            sheet.append([safe_cell(value) for value in row])
        buffer = BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
