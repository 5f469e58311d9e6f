"""The yearly follow-up report (issue 15): the year's targets against results with the dashboard's own figures,
the action plans' status and an editable summary; an accessible PDF; a public web version once published."""

import io
from datetime import date
from html import unescape

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone

from portal.errors import StaleVersion
from portal.roles import Role
from surveys import services
from surveys.results import survey_results
from tests.factories import StaffFactory
from tests.test_dashboard import counted_out
from tests.test_dashboard import setup as setup

TODAY = timezone.localdate()


def report_url(year: int) -> str:
    return reverse("surveys:report", args=[year])


def test_the_reports_figures_equal_the_dashboards(client, setup, manager):
    counted_out(setup)
    client.force_login(manager)
    response = client.get(report_url(2024))
    assert response.status_code == 200
    report = response.context["report"]
    dashboard = survey_results(setup["survey"])
    assert {section.panel.indicator.pk for section in report.sections} == {
        indicator.pk for indicator in setup["indicators"].values()
    }
    for section in report.sections:
        indicator, wave = section.panel.indicator, section.wave
        assert wave == setup["waves"]["w2"]
        assert section.panel.total.figure == dashboard.get(indicator, wave).figure
        assert section.panel.total.status == dashboard.get(indicator, wave).status
        for row in [*section.panel.areas, *section.panel.units]:
            same = dashboard.get(indicator, wave, row.group)
            assert (row.figure, row.hidden) == (same.figure, same.hidden)
    html = unescape(response.text)
    assert "59\u00a0%" in html and "43–73\u00a0%" in html and "Målet er ikke nået" in html
    assert "Ahornhuset" in html and "Hidden" not in html


def test_a_report_for_a_year_in_the_future_is_refused_in_danish(client, setup, manager):
    client.force_login(manager)
    future = TODAY.year + 1
    for response in [client.get(report_url(future)), client.get(reverse("surveys:reports"), {"year": future})]:
        assert response.status_code == 200
        assert f"{future} er ikke begyndt endnu" in unescape(response.text)
    assert client.get(reverse("surveys:report-pdf", args=[future])).status_code == 302


def test_a_report_for_a_year_without_data_says_so(client, setup, manager):
    counted_out(setup)
    client.force_login(manager)
    html = unescape(client.get(report_url(2019)).text)
    assert "Der er ingen resultater fra undersøgelsen i 2019" in html


def test_the_summary_is_saved_and_two_saves_at_once_lose_nothing(client, setup, manager, municipality):
    client.force_login(manager)
    response = client.post(report_url(2024), {"summary": "Vi er på vej."})
    assert response.status_code == 302
    assert "Vi er på vej." in client.get(report_url(2024)).text
    other = StaffFactory(municipality=municipality, roles=[Role.MANAGER])
    services.save_yearly_report(acting_user=other, year=2024, summary="Andet", is_published=False, version=1,
                                today=TODAY)  # fmt: skip
    with pytest.raises(StaleVersion):
        services.save_yearly_report(acting_user=manager, year=2024, summary="Mit", is_published=False, version=1,
                                    today=TODAY)  # fmt: skip
    stale = client.post(report_url(2024), {"summary": "Min lange tekst", "version": 1})
    html = unescape(stale.text)
    assert stale.status_code == 200 and "Min lange tekst" in html and "Nogen anden har gemt resuméet" in html


def test_the_report_pdf_is_tagged_with_language_and_title(client, setup, manager):
    counted_out(setup)
    client.force_login(manager)
    response = client.get(reverse("surveys:report-pdf", args=[2024]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    document = pypdf.PdfReader(io.BytesIO(response.content))
    catalog = document.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"] == pypdf.generic.BooleanObject(True)
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "da"
    assert document.metadata.title == "Årlig opfølgning 2024 – Testrup Kommune"
    text = "".join(page.extract_text() for page in document.pages)
    assert "Mødt med respekt" in text and "Ahornhuset" in text


def test_the_public_version_shows_only_published_figures_and_keeps_suppression(client, setup, manager, municipality):
    counted_out(setup)
    public = reverse("surveys:public-report", args=[municipality.slug, 2024])
    assert client.get(public).status_code == 404  # not published
    services.save_yearly_report(acting_user=manager, year=2024, summary="Offentligt resumé", is_published=True,
                                version=None, today=TODAY)  # fmt: skip
    html = unescape(client.get(public).text)
    assert "Offentligt resumé" in html and "Mødt med respekt" in html
    assert "Kender andre pårørende" not in html  # not a headline indicator
    assert "Egebo" not in html and "Dalhuset" not in html  # hidden groups: not even their names
    assert "Ahornhuset" in html
    assert public in client.get(reverse("surveys:how-it-goes", args=[municipality.slug])).text


def test_another_municipalitys_manager_sees_none_of_it(client, setup, manager, other_municipality):
    counted_out(setup)
    services.save_yearly_report(acting_user=manager, year=2024, summary="Hemmeligt", is_published=False,
                                version=None, today=TODAY)  # fmt: skip
    client.force_login(StaffFactory(municipality=other_municipality, roles=[Role.MANAGER]))
    html = unescape(client.get(report_url(2024)).text)
    assert "Hemmeligt" not in html and "Mødt med respekt" not in html and "Ahornhuset" not in html


@pytest.mark.parametrize("roles", [(Role.CASEWORKER,), (Role.EDITOR,), ()])
def test_staff_who_are_not_managers_are_refused(client, setup, municipality, roles):
    client.force_login(StaffFactory(municipality=municipality, roles=[*roles]))
    for url in [reverse("surveys:reports"), report_url(2024), reverse("surveys:report-pdf", args=[2024])]:
        assert client.get(url).status_code == 403


def test_the_report_page_runs_a_fixed_number_of_queries(client, setup, manager, django_assert_num_queries):
    client.force_login(manager)
    client.get(reverse("surveys:results"))
    services.create_action_plan(acting_user=manager, unit=setup["units"]["ahorn"], year=2024, title="x", today=TODAY)
    for _ in range(2):
        counted_out(setup)
        # session, user, groups, municipality; waves, indicators, units, answer counts; plans, actions; summary
        with django_assert_num_queries(11):
            assert client.get(report_url(date(2024, 1, 1).year)).status_code == 200
