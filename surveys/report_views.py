"""The yearly follow-up report: for managers as a page, a printable page and an accessible PDF (portal.pdf), with
an editable summary; and its public web version once published, linked from "Sådan går det"."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import RuleViolation, StaleVersion, show_on_form
from portal.models import Municipality
from portal.pdf import PdfUnavailable, pdf_response, render_pdf
from portal.public_cache import public_municipality_page
from portal.views import crumb

from . import rules, services
from .access import manager_required, survey_policy
from .dashboard_views import staff_crumbs
from .forms import ReportSummaryForm, ReportYearForm
from .report import public_report, staff_report
from .scoring import MIN_GROUP_SIZE


def report_crumbs(*rest) -> list[dict]:
    return staff_crumbs(crumb(_("Yearly report"), reverse("surveys:reports")), *rest)


def year_problems(year: int) -> dict:
    return rules.report_year_problems(year, today=timezone.localdate())


@manager_required
def reports(request):
    """Choose the year; a year in the future is refused at the field."""
    form = ReportYearForm(request.GET or None, initial={"year": timezone.localdate().year})
    if request.GET and form.is_valid():
        problems = year_problems(form.cleaned_data["year"])
        if not problems:
            return redirect("surveys:report", year=form.cleaned_data["year"])
        show_on_form(form, RuleViolation(problems))
    return render(
        request, "surveys/report/index.html", {"form": form, "crumbs": staff_crumbs(crumb(_("Yearly report")))}
    )


def _municipality(request) -> Municipality:
    if request.user.municipality_id is None:
        raise Http404
    return request.user.municipality


@manager_required
def report(request, year: int):
    problems = year_problems(year)
    if problems:
        form = ReportYearForm({"year": year})
        form.is_valid()
        show_on_form(form, RuleViolation(problems))
        context = {"form": form, "crumbs": staff_crumbs(crumb(_("Yearly report")))}
        return render(request, "surveys/report/index.html", context)
    municipality = _municipality(request)
    found = staff_report(survey_policy, request.user, municipality, year, timezone.localdate())
    saved = found.saved
    initial = {"summary": saved.summary, "is_published": saved.is_published, "version": saved.version} if saved else {}
    form = ReportSummaryForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_yearly_report(acting_user=request.user, year=year, summary=data["summary"],
                                        is_published=data["is_published"], version=data["version"],
                                        today=timezone.localdate())  # fmt: skip
        except StaleVersion:
            form.add_error(None, _("Someone else saved the summary while you were editing it. Your text is below: "
                                   "compare it with the report as it is now and save again."))  # fmt: skip
        else:
            return redirect("surveys:report", year=year)
    context = {
        "report": found,
        "form": form,
        "limit": MIN_GROUP_SIZE,
        "pdf_unavailable": "pdf" in request.GET,
        "crumbs": report_crumbs(crumb(str(year))),
    }
    return render(request, "surveys/report/report.html", context)


@manager_required
def report_pdf(request, year: int):
    """The report as a tagged PDF/UA-1; where PDFs cannot be made here, the printable page says so."""
    if year_problems(year):
        return redirect("surveys:report", year=year)
    municipality = _municipality(request)
    found = staff_report(survey_policy, request.user, municipality, year, timezone.localdate())
    html = render_to_string("surveys/report/document.html", {"report": found, "limit": MIN_GROUP_SIZE}, request)
    try:
        pdf = render_pdf(html)
    except PdfUnavailable:
        return redirect(reverse("surveys:report", args=[year]) + "?pdf=unavailable")
    return pdf_response(pdf, filename=f"{municipality.slug}-aarsrapport-{year}.pdf")


@public_municipality_page
def public(request, municipality: Municipality, year: int):
    found = public_report(municipality, year, timezone.localdate())
    if found is None:
        raise Http404
    context = {
        "municipality": municipality,
        "report": found,
        "public": True,
        "limit": MIN_GROUP_SIZE,
        "crumbs": [
            crumb(_("Front page"), reverse("home")),
            crumb(municipality.name, municipality.get_absolute_url()),
            crumb(_("How it is going"), reverse("surveys:how-it-goes", args=[municipality.slug])),
            crumb(str(year)),
        ],
    }
    return render(request, "surveys/report/public.html", context)
