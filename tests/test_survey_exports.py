"""From results to action (issue 15): the verdict line per target, exports a Danish manager opens with a
double-click, the raw-answers export that gives away no small group, and free text masked and warned about."""

import csv
import io
import itertools
import random
from datetime import date, timedelta
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from portal.models import Area
from portal.roles import Role
from portal.translation_services import save_translation
from surveys import services
from surveys.models import DONT_KNOW, Answer, Question, Scale, SurveyResponse, YesNo
from surveys.results import NO_UNIT, GroupKind, survey_results
from surveys.rules import CPR_MASK, EMAIL_MASK, mask_personal_data
from surveys.scoring import MIN_GROUP_SIZE, NoPath, TargetStatus, verdict
from surveys.suppression import units_named_in_answers
from tests.factories import (
    IndicatorFactory,
    MunicipalityFactory,
    QuestionFactory,
    StaffFactory,
    SurveyFactory,
    UnitFactory,
    WaveFactory,
)
from tests.scenarios import FREE_TEXT_MARK, add_answers, scale
from tests.test_dashboard import counted_out, rank_of
from tests.test_dashboard import setup as setup

TODAY = timezone.localdate()


def da(message: str, **values) -> str:
    with translation.override("da"):
        text = gettext(message)
    return text % values if values else text


def reader_of_free_text(municipality):
    user = StaffFactory(municipality=municipality, roles=[Role.MANAGER])
    user.user_permissions.add(Permission.objects.get(codename="view_answer_text"))
    return user


def content_of(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")  # UTF-8 with a byte-order mark: Excel reads the Danish letters
    return text[1:]


def danish_csv(response) -> list[dict]:
    """Read back as Danish Excel does: `;` between the columns."""
    return list(csv.DictReader(io.StringIO(content_of(response)), delimiter=";"))


def danish_number(cell: str) -> float:
    assert "." not in cell, cell
    return float(cell.replace(",", "."))


# --- the verdict ------------------------------------------------------------------------------------

DEADLINE = date(2024, 12, 31)


@pytest.mark.parametrize("status", list(TargetStatus))
def test_the_verdict_names_each_target_status_and_the_deadline(status):
    found = verdict(status=status, on_track=True, has_baseline=True, deadline=DEADLINE, today=date(2024, 6, 1))
    assert found.status == status and found.deadline == DEADLINE and not found.deadline_passed
    if status == TargetStatus.MET:
        assert found.on_track is None and found.no_path is None  # met: no path to explain
    else:
        assert found.on_track is True and found.no_path is None


def test_the_verdict_says_when_the_deadline_has_passed():
    after = verdict(status=TargetStatus.NOT_MET, on_track=False, has_baseline=True, deadline=DEADLINE,
                    today=date(2025, 1, 1))  # fmt: skip
    assert after.deadline_passed and after.on_track is None and after.no_path == NoPath.DEADLINE_PASSED
    on_the_day = verdict(status=TargetStatus.NOT_MET, on_track=False, has_baseline=True, deadline=DEADLINE,
                         today=DEADLINE)  # fmt: skip
    assert not on_the_day.deadline_passed and on_the_day.on_track is False


def test_the_verdict_explains_why_on_track_cannot_be_told():
    def why(**changes):
        arguments = {"status": TargetStatus.UNDECIDED, "on_track": None, "has_baseline": True,
                     "deadline": DEADLINE, "today": date(2024, 1, 1)} | changes  # fmt: skip
        return verdict(**arguments).no_path

    assert why(deadline=None) == NoPath.NO_DEADLINE
    assert why(has_baseline=False) == NoPath.NO_BASELINE
    assert why(status=None) == NoPath.NO_FIGURE
    assert why(on_track=True) is None


def test_the_dashboard_opens_on_the_latest_wave_with_answers_and_its_verdict(client, setup, manager):
    counted_out(setup)  # Runde 2 has answers; Runde 3 is open and has none
    client.force_login(manager)
    html = unescape(client.get(reverse("surveys:dashboard", args=[setup["survey"].pk])).text)
    assert f'option value="{setup["waves"]["w2"].pk}" selected' in html
    verdicts = html[html.index('id="verdicts-heading"') : html.index('class="results-indicator"')]
    respect = setup["indicators"]["respect"]
    line = verdicts[verdicts.index(f'id="verdict-{respect.pk}"') :].split("</li>")[0]
    assert da("Target not met") in line and "59\u00a0%" in line
    assert da("Deadline %(date)s", date="31. december 2026") in line
    assert da("Behind the path to the target") in line
    network = setup["indicators"]["network"]
    line = verdicts[verdicts.index(f'id="verdict-{network.pk}"') :].split("</li>")[0]
    assert da("“On track” cannot be told: the target has no deadline to draw the path to.") in line
    assert f'id="verdict-{setup["indicators"]["very_high"].pk}"' not in verdicts  # no target, no verdict


def test_the_verdict_line_says_fristen_er_overskredet(client, setup, manager):
    counted_out(setup)
    respect = setup["indicators"]["respect"]
    respect.deadline = date(2024, 12, 31)
    respect.save()
    client.force_login(manager)
    html = unescape(client.get(reverse("surveys:dashboard", args=[setup["survey"].pk])).text)
    line = html[html.index(f'id="verdict-{respect.pk}"') :].split("</li>")[0]
    assert "fristen er overskredet" in line
    assert da("The deadline has passed, so only whether the target is met counts now.") in line


# --- CPR numbers and e-mail addresses are never stored ----------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["010203-1234", "0102031234", "010203 1234", "010203 - 1234", "310599‐4321", "mor@example.dk",
     "Ane.B+pårørende@kommune.example.dk"],
)  # fmt: skip
def test_cpr_numbers_and_e_mail_addresses_are_masked(typed):
    masked = mask_personal_data(f"Min mor ({typed}) var glad.")
    assert typed not in masked and (CPR_MASK in masked or EMAIL_MASK in masked)
    assert masked.startswith("Min mor (") and masked.endswith(") var glad.")


@pytest.mark.parametrize(
    "kept", ["Ring på 12345678", "Vi har ventet 3 år", "år 2024-2025", "kl. 10.30", "en @ i teksten"]
)
def test_ordinary_text_is_kept(kept):
    assert mask_personal_data(kept) == kept


def test_a_cpr_number_typed_into_an_answer_is_masked_before_it_is_stored(db, municipality):
    survey = SurveyFactory(municipality=municipality)
    comment = QuestionFactory(survey=survey, kind=Question.Kind.TEXT, text="Vil du fortælle mere?", order=1)
    wave = WaveFactory(
        survey=survey, name="Åben", opens_on=TODAY - timedelta(days=1), closes_on=TODAY + timedelta(days=5)
    )
    wave.open_link_key = "7c1d3f8e-3f45-4a7e-9a50-4b0f4b2c9d11"
    wave.save()
    services.submit_response(open_link_key=wave.open_link_key,
                             answers={comment.pk: "Far har CPR 010203-1234, skriv til far@example.dk"},
                             today=TODAY)  # fmt: skip
    stored = Answer.objects.get(question=comment).text
    assert "010203" not in stored and "far@example.dk" not in stored
    assert stored == f"Far har CPR {CPR_MASK}, skriv til {EMAIL_MASK}"


def test_the_survey_form_asks_relatives_not_to_write_names_or_cpr(client, db, municipality):
    survey = SurveyFactory(municipality=municipality)
    QuestionFactory(survey=survey, kind=Question.Kind.TEXT, text="Vil du fortælle mere?", order=1)
    wave = WaveFactory(
        survey=survey, name="Åben", opens_on=TODAY - timedelta(days=1), closes_on=TODAY + timedelta(days=5)
    )
    wave.open_link_key = "7c1d3f8e-3f45-4a7e-9a50-4b0f4b2c9d12"
    wave.save()
    html = unescape(client.get(reverse("surveys:open-link", args=[wave.open_link_key])).text)
    assert "Skriv venligst ikke navne, CPR-numre" in html


# --- the figures: CSV for Danish Excel, XLSX with numbers and percent formats ------------------------


def dashboard_figures(survey) -> dict[tuple, tuple]:
    results = survey_results(survey)
    found = {}
    for indicator in results.indicators:
        for wave in results.waves:
            for group in results.groups:
                result = results.get(indicator, wave, group)
                if result and (result.shown or result.hidden):
                    figure = result.figure
                    found[(indicator.name, wave.name, group.label)] = (
                        (figure.positive, figure.n, figure.dont_know, figure.share) if figure else None,
                        result.status_label,
                        result.hidden_label,
                    )
    return found


def test_the_csv_opens_in_danish_excel_with_danish_headers_and_decimal_commas(client, setup, manager):
    counted_out(setup)
    client.force_login(manager)
    response = client.get(reverse("surveys:figures-csv", args=[setup["survey"].pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = danish_csv(response)
    assert list(rows[0])[:6] == ["Indikator", "Runde", "Runden åbnede", "Runden lukkede", "Gruppetype", "Gruppe"]
    found = {
        (row["Indikator"], row["Runde"], row["Gruppe"]): (
            (
                int(row["Positive svar"]),
                int(row["Svar (n)"]),
                int(row["Ved ikke"]),
                danish_number(row["Andel positive (%)"]),
            )
            if row["Svar (n)"]
            else None,
            row["Status for målet"],
            row["Skjult"],
        )
        for row in rows
    }
    expected = {
        key: ((*figure[:3], round(figure[3] * 100, 2)) if figure else None, status, hidden)
        for key, (figure, status, hidden) in dashboard_figures(setup["survey"]).items()
    }
    assert found == expected
    assert {row["Status for målet"] for row in rows} >= {"Målet er ikke nået"}  # words, not `not_met`
    assert not any(value in {"met", "not_met", "undecided", "unit", "area"} for row in rows for value in row.values())


def test_the_xlsx_holds_numbers_with_percent_formats_and_danish_words(client, setup, manager):
    from openpyxl import load_workbook

    counted_out(setup)
    client.force_login(manager)
    response = client.get(reverse("surveys:figures-xlsx", args=[setup["survey"].pk]))
    assert response["Content-Disposition"].startswith('attachment; filename="')
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.title == "Resultater"
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header[:2] == ["Indikator", "Runde"]
    rows = [dict(zip(header, row, strict=True)) for row in rows]
    found = {
        (row["Indikator"], row["Runde"], row["Gruppe"]): (
            (row["Positive svar"], row["Svar (n)"], row["Ved ikke"], row["Andel positive"])
            if row["Svar (n)"] is not None
            else None,
            row["Status for målet"] or "",
            row["Skjult"] or "",
        )
        for row in rows
    }
    expected = {
        key: ((*figure[:3], round(figure[3], 4)) if figure else None, status, hidden)
        for key, (figure, status, hidden) in dashboard_figures(setup["survey"]).items()
    }
    assert found == expected
    share = header.index("Andel positive") + 1
    shown = next(index for index, row in enumerate(rows, 2) if row["Andel positive"] is not None)
    cell = sheet.cell(row=shown, column=share)
    assert isinstance(cell.value, float) and cell.number_format == "0.0%"
    assert isinstance(rows[0]["Runden åbnede"], date)


def test_the_exports_are_in_english_when_the_interface_is(client, setup, manager):
    counted_out(setup)
    client.force_login(manager)
    with translation.override("en"):
        url = reverse("surveys:figures-csv", args=[setup["survey"].pk])
    assert url.startswith("/en/")
    rows = list(csv.DictReader(io.StringIO(content_of(client.get(url)))))  # `,` and a decimal point
    assert "Indicator" in rows[0] and "Share positive (%)" in rows[0]
    assert "Target not met" in {row["Target status"] for row in rows}
    assert any("." in row["Share positive (%)"] for row in rows)


# --- the raw answers: no small group, alone or with the dashboard -------------------------------------


def test_the_raw_answers_name_no_small_or_hidden_unit(client, setup, manager):
    counted_out(setup)  # Egebo is small, Dalhuset hidden with it
    w2 = setup["waves"]["w2"]
    client.force_login(manager)
    rows = danish_csv(client.get(reverse("surveys:answers-csv", args=[setup["survey"].pk]) + f"?wave={w2.pk}"))
    units = {row["Enhed"] for row in rows}
    assert units == {"Ahornhuset", "Bøgehuset", "Cedergården", "Øvrige enheder"}
    assert set(rows[0]) == {"Besvarelse", "Runde", "Enhed", "Spørgsmål nr.", "Spørgsmål", "Svar"}  # no free text
    assert "I høj grad" in {row["Svar"] for row in rows}  # words, not `i_hoej_grad`
    assert FREE_TEXT_MARK not in str(rows)
    text_questions = Answer.objects.filter(response__wave=w2, question__kind=Question.Kind.TEXT).count()
    assert len(rows) == Answer.objects.filter(response__wave=w2).count() - text_questions


def test_units_named_in_answers_merge_until_other_units_is_large_enough():
    assert units_named_in_answers({"a": 9, "b": 6, "c": 2}, set()) == {"a"}  # b joins c: 8 responses
    assert units_named_in_answers({"a": 9, "b": 6, None: 0}, set()) == {"a", "b"}
    assert units_named_in_answers({"a": 9, "b": 6, "c": 7}, {"b"}) == {"a", "c"}
    assert units_named_in_answers({"a": 9, "b": 3}, set()) == set()  # the wave's units are small: none named


def random_municipality(rng: random.Random, seed: int):
    """A municipality of 1-2 areas of 1-3 units, answers drawn at random: two indicators and a free-text
    question; some answers through an open link (no unit)."""
    municipality = MunicipalityFactory(
        town=f"Tilfældig {seed}", slug=f"tilfaeldig-{seed}", kommunekode=f"{100 + seed:04d}"
    )
    survey = SurveyFactory(municipality=municipality)
    respect = QuestionFactory(survey=survey, text="Respekt?", order=1)
    network = QuestionFactory(survey=survey, kind=Question.Kind.YES_NO, text="Netværk?", order=2)
    comment = QuestionFactory(survey=survey, kind=Question.Kind.TEXT, text="Mere?", order=3)
    IndicatorFactory(question=respect, name="Respekt", target=0.75)
    IndicatorFactory(question=network, name="Netværk", target=0.5)
    wave = WaveFactory(survey=survey, name="Runde", opens_on=date(2025, 3, 1), closes_on=date(2025, 4, 1))
    units = [
        UnitFactory(municipality=municipality, name=f"{area.label[:3]}{i}", area=area)
        for area in rng.sample([Area.ELDERLY, Area.DISABILITY], rng.randint(1, 2))
        for i in range(rng.randint(1, 3))
    ]
    sizes = [0, 1, 2, 3, 4, 5, 6, 7, 9, 13]
    for unit in [*units, None]:
        count = rng.choice(sizes) if unit is not None or rng.random() < 0.5 else 0
        for _ in range(count):
            response = SurveyResponse.objects.create(wave=wave, unit=unit, submitted_on=wave.opens_on)
            answers = [
                Answer(response=response, question=respect, value=rng.choice([*Scale.values, ""])),
                Answer(response=response, question=network, value=rng.choice([*YesNo.values, ""])),
            ]
            if rng.random() < 0.6:
                answers.append(Answer(response=response, question=comment, text="tekst"))
            Answer.objects.bulk_create(answers)
    return municipality, survey, wave, units, {"respect": respect, "network": network}


def in_span(known: list[list[int]], vector: list[int]) -> bool:
    return rank_of([*known, vector]) == (rank_of(known) if known else 0)


def test_the_recovery_attack_on_the_raw_answers_finds_no_small_group(client, db):
    """Random municipalities: an attacker holds the dashboard's shown figures and the raw-answers export.
    With linear algebra on what each names (a unit, an area, the total, “Other units”), no set of units
    below the limit can be worked out, and the export adds nothing to what the dashboard's figures give."""
    rng = random.Random(20261201)
    attacked = hidden_seen = 0
    for seed in range(30):
        municipality, survey, wave, units, _questions = random_municipality(rng, seed)
        client.force_login(StaffFactory(municipality=municipality, roles=[Role.MANAGER]))
        rows = danish_csv(client.get(reverse("surveys:answers-csv", args=[survey.pk]) + f"?wave={wave.pk}"))
        leaves = [*units, None]  # None: answers not tied to a unit

        def vector(members, leaves=leaves) -> list[int]:
            return [1 if leaf in members else 0 for leaf in leaves]

        by_name = {unit.name: unit for unit in units}

        def export_sets(question_text, rows=rows, by_name=by_name, leaves=leaves, vector=vector) -> list[list[int]]:
            """What the export lets a reader add up for one question: each named unit, and “Other units”."""
            labels = {row["Enhed"] for row in rows if question_text in (None, row["Spørgsmål"])}
            named = {by_name[label] for label in labels if label != "Øvrige enheder"}
            found = [vector({unit}) for unit in named]
            if "Øvrige enheder" in labels:
                found.append(vector([leaf for leaf in leaves if leaf not in named]))
            return found

        results = survey_results(survey)
        for indicator in results.indicators:
            question = indicator.question
            dashboard_sets = []
            for group in results.groups:
                result = results.get(indicator, wave, group)
                if result is None or not result.shown:
                    hidden_seen += bool(result and result.hidden)
                    continue
                if group.kind == GroupKind.TOTAL:
                    dashboard_sets.append(vector(leaves))
                elif group.kind == GroupKind.AREA:
                    dashboard_sets.append(vector([unit for unit in units if unit.area == group.key]))
                elif group == NO_UNIT:
                    dashboard_sets.append(vector([None]))
                else:
                    dashboard_sets.append(vector([unit for unit in units if str(unit.pk) == group.key]))
            # The export adds nothing to the dashboard's figures ...
            exported = export_sets(question.text)
            both = dashboard_sets + exported
            assert rank_of(both) == (rank_of(dashboard_sets) if dashboard_sets else 0) or not exported, seed
            # ... and nothing anybody can work out from both is a group below the limit.
            n = {
                leaf: Answer.objects.filter(response__wave=wave, response__unit=leaf, question=question)
                .exclude(value__in=["", DONT_KNOW])
                .count()
                for leaf in leaves
            }
            for size in range(1, len(leaves) + 1):
                for chosen in itertools.combinations(leaves, size):
                    total = sum(n[leaf] for leaf in chosen)
                    if 0 < total < MIN_GROUP_SIZE and both:
                        attacked += 1
                        assert not in_span(both, vector(chosen)), (seed, question.text, chosen)
        # Questions no indicator measures (e.g. the free text, with the same units named): the export alone
        # names no group below the limit, counted in responses.
        responses = {leaf: SurveyResponse.objects.filter(wave=wave, unit=leaf).count() for leaf in leaves}
        export_sets = export_sets(None)
        for size in range(1, len(leaves) + 1):
            for chosen in itertools.combinations(leaves, size):
                if 0 < sum(responses[leaf] for leaf in chosen) < MIN_GROUP_SIZE and export_sets:
                    assert not in_span(export_sets, vector(chosen)), (seed, chosen)
    assert attacked > 100 and hidden_seen > 10  # the random municipalities had small groups to attack


# --- free text: only for those allowed, after a warning -----------------------------------------------


def test_free_text_needs_the_permission_and_a_ticked_warning(client, setup, municipality):
    counted_out(setup)
    w2 = setup["waves"]["w2"]
    url = reverse("surveys:answers-with-text", args=[setup["survey"].pk]) + f"?wave={w2.pk}"
    client.force_login(StaffFactory(municipality=municipality, roles=[Role.MANAGER]))
    assert client.get(url).status_code == 403
    assert "svar-med-fritekst" not in client.get(reverse("surveys:dashboard", args=[setup["survey"].pk])).text
    client.force_login(reader_of_free_text(municipality))
    assert "svar-med-fritekst" in client.get(reverse("surveys:dashboard", args=[setup["survey"].pk])).text
    page = unescape(client.get(url).text)
    assert da("Free text may identify someone") in page
    refused = client.post(url, {})
    assert refused.status_code == 200 and da("Tick the box to confirm that you have read the warning.") in unescape(
        refused.text
    )
    rows = danish_csv(client.post(url, {"understood": "on"}))
    assert "Fritekst" in rows[0]
    assert (
        sum(row["Fritekst"] == FREE_TEXT_MARK for row in rows)
        == Answer.objects.filter(response__wave=w2, text=FREE_TEXT_MARK).count()
    )


def test_a_manager_of_another_municipality_finds_no_free_text(client, setup, other_municipality):
    client.force_login(reader_of_free_text(other_municipality))
    url = reverse("surveys:answers-with-text", args=[setup["survey"].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"understood": "on"}).status_code == 404


def test_every_export_is_streamed_so_a_large_one_starts_at_once(client, setup, municipality):
    counted_out(setup)
    client.force_login(reader_of_free_text(municipality))
    survey = setup["survey"]
    for name in ("surveys:figures-csv", "surveys:figures-xlsx", "surveys:answers-csv"):
        response = client.get(reverse(name, args=[survey.pk]))
        assert response.status_code == 200 and response.streaming, name
        assert response["Content-Disposition"].startswith('attachment; filename="'), name
    with_text = client.post(reverse("surveys:answers-with-text", args=[survey.pk]), {"understood": "on"})
    assert with_text.status_code == 200 and with_text.streaming


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_answers_export_writes_every_cell_as_the_spreadsheet_must_read_it(client, setup, municipality, language):
    """On PostgreSQL the database writes the file (COPY): byte for byte what the Python writer writes elsewhere,
    with cells a spreadsheet would run as a formula made text, and `;`, quotes and line breaks kept inside a cell."""
    from surveys import exports, selectors
    from surveys.dashboard_views import left_out_of_answers, named_in_answers

    counted_out(setup)
    w2, ahorn = setup["waves"]["w2"], setup["units"]["ahorn"]
    ahorn.name = '+Ahorn; "A"'
    ahorn.save()
    w2.name = "-Runde 2"
    w2.save()
    written = '=HYPERLINK("x";"y")\nlinje 2; "citat"'
    Answer.objects.filter(pk=Answer.objects.filter(response__unit=ahorn, question=setup["questions"]["comment"])
                          .values("pk")[:1]).update(text=written)  # fmt: skip
    comment = setup["questions"]["comment"]
    save_translation(acting_user=None, obj=comment, field="text", language="en", text="Anything else?", approved=True)
    reader = reader_of_free_text(municipality)
    client.force_login(reader)
    with translation.override(language):
        url = reverse("surveys:answers-with-text", args=[setup["survey"].pk]) + f"?wave={w2.pk}"
        response = client.post(url, {"understood": "on"})
        content = b"".join(response.streaming_content)
        results = survey_results(setup["survey"])
        python_written = "".join(
            exports.answers_csv(
                selectors.answer_rows(reader, setup["survey"], w2, with_text=True),
                named_in_answers(reader, setup["survey"], w2, results),
                with_text=True,
                left_out=left_out_of_answers(reader, setup["survey"], w2, results),
            )
        ).encode()
    assert content == python_written
    rows = list(csv.reader(io.StringIO(content.decode()[1:]), delimiter=";" if language == "da" else ","))
    assert list({row[1] for row in rows[1:]}) == ["'-Runde 2"]
    assert '\'+Ahorn; "A"' in {row[2] for row in rows}
    assert "'" + written in {row[6] for row in rows}
    assert (da("To a high degree") if language == "da" else "To a high degree") in {row[5] for row in rows}
    assert "" in {row[6] for row in rows[1:]} and "" in {row[5] for row in rows[1:]}  # blanks as empty cells
    questions = {row[4] for row in rows[1:]}
    assert ("Anything else?" in questions, comment.text in questions) == (language == "en", language == "da")


def test_the_answer_exports_run_a_fixed_number_of_queries(client, setup, municipality, django_assert_num_queries):
    for per_unit in (1, 3):
        add_answers(
            setup["waves"]["w2"], setup["units"]["ahorn"], {setup["questions"]["respect"]: scale(high=per_unit)}
        )
        client.force_login(reader_of_free_text(municipality))
        client.get(reverse("surveys:results"))
        survey = setup["survey"]
        # session, user, groups, survey, waves, indicators, units, answer counts, responses per unit,
        # answers per question, the answers
        with django_assert_num_queries(11):
            danish_csv(client.get(reverse("surveys:answers-csv", args=[survey.pk])))
        # the same, and the permission check (the user's own; the groups' came with the groups)
        with django_assert_num_queries(12):
            danish_csv(client.post(reverse("surveys:answers-with-text", args=[survey.pk]), {"understood": "on"}))
