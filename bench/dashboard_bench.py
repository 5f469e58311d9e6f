#!/usr/bin/env python3
"""How long do the survey results take with a million answers? The dashboard beside one plain SQL aggregate.

One run makes a throwaway database (a new database on the PostgreSQL server of DATABASE_URL when it is
set, else an SQLite file in a temporary directory), migrates it, writes a synthetic survey with
--answers answers (1,000,000 by default) in bulk, and then times, each --runs times after a warm-up:

  results  surveys.results.survey_results(survey): the grouped query and everything computed from it;
  view     the dashboard page, rendered for a logged-in manager through Django's whole stack;
  csv      the figures export (CSV), for a manager;
  sql      the same grouped count as plain SQL (COUNT … GROUP BY wave, unit, question, value over
           surveys_answer joined to surveys_surveyresponse), fetched with a cursor: the floor for the above;
  sql1     a plain COUNT … GROUP BY question, value over surveys_answer alone (no join).

It prints the median and the spread of each, and the queries the view ran. The database is dropped
at the end unless --keep. See bench/README.md.

    .venv/bin/python bench/dashboard_bench.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal .venv/bin/python bench/dashboard_bench.py
"""

import argparse
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UNITS_PER_AREA = 8
QUESTIONS = 10  # 8 scale questions, 1 yes/no, 1 free text
WAVES = 4  # plus one external wave with aggregates
SCALE_WEIGHTS = {
    "i_meget_hoej_grad": 25, "i_hoej_grad": 35, "i_nogen_grad": 20, "i_mindre_grad": 8, "slet_ikke": 4,
    "ved_ikke": 6, "": 2,
}  # fmt: skip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=1_000_000, help="answers to generate (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each measurement (default 5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    args = parser.parse_args()
    if args.answers < QUESTIONS or args.runs < 1:
        parser.error(f"--answers >= {QUESTIONS} and --runs >= 1")
    return args


# --- the throwaway database ---------------------------------------------------------------------


class ThrowawayDatabase:
    """A new PostgreSQL database beside DATABASE_URL's, or an SQLite file; removed by drop()."""

    def __init__(self):
        self.server_url = os.environ.get("DATABASE_URL", "")
        self.tmp = Path(tempfile.mkdtemp(prefix="dashboard-bench-"))
        if self.server_url.startswith(("postgres://", "postgresql://")):
            self.name = f"dashboard_bench_{os.getpid()}_{secrets.token_hex(3)}"
            parts = urlsplit(self.server_url)
            self.url = urlunsplit(parts._replace(path=f"/{self.name}"))
            with self.admin_connection() as connection:
                connection.execute(f'CREATE DATABASE "{self.name}"')
        else:
            self.name = None
            self.url = f"sqlite:///{self.tmp / 'bench.sqlite3'}"

    @property
    def kind(self) -> str:
        return "PostgreSQL" if self.name else "SQLite"

    def admin_connection(self):
        import psycopg

        parts = urlsplit(self.server_url)
        return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)

    def drop(self) -> None:
        if self.name:
            from django.db import connections

            connections.close_all()
            with self.admin_connection() as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        shutil.rmtree(self.tmp, ignore_errors=True)


def configure(database_url: str) -> None:
    os.environ.update(
        DATABASE_URL=database_url,
        DATABASE_CONN_MAX_AGE="0",
        DJANGO_SETTINGS_MODULE="portal.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_STATICFILES_STORAGE="django.contrib.staticfiles.storage.StaticFilesStorage",
        DJANGO_LOG_LEVEL="WARNING",
    )
    import django

    django.setup()


# --- the synthetic survey -----------------------------------------------------------------------


def make_survey(answers: int, seed: int):
    """A municipality with 5 × UNITS_PER_AREA units, 10 questions, 10 indicators, 4 waves and an external one."""
    from django.contrib.auth.models import Group

    from portal.models import Area, Municipality, Unit, User
    from surveys.models import ExternalResult, Indicator, Question, Survey, Wave

    municipality = Municipality.objects.create(
        name="Benchby Kommune", slug="benchby", kommunekode="0999", website="https://benchby.example",
        policy_title="Pårørendepolitik for Benchby",
    )  # fmt: skip
    units = Unit.objects.bulk_create(
        Unit(municipality=municipality, name=f"{area.label} {number:02}", area=area.value)
        for area in Area
        for number in range(1, UNITS_PER_AREA + 1)
    )
    survey = Survey.objects.create(municipality=municipality, title="Pårørendeundersøgelsen")
    questions = [
        Question.objects.create(survey=survey, order=i, text=f"Spørgsmål {i}", kind=Question.Kind.SCALE)
        for i in range(1, QUESTIONS - 1)
    ]
    questions.append(Question.objects.create(survey=survey, order=QUESTIONS - 1, text="Netværk", kind="yes_no"))
    questions.append(Question.objects.create(survey=survey, order=QUESTIONS, text="Kommentar", kind="text"))
    indicators = []
    for position, question in enumerate(questions[:-1]):
        positive = ["ja"] if question.kind == "yes_no" else ["i_meget_hoej_grad", "i_hoej_grad"]
        indicators.append(
            Indicator.objects.create(
                question=question,
                name=f"Indikator {position + 1}",
                positive_answers=positive,
                target="0.750",
                deadline=date(2027, 12, 31),
                baseline="0.600",
                baseline_date=date(2021, 3, 1),
                is_headline=position < 3,
                order=position,
            )
        )
    indicators.append(
        Indicator.objects.create(
            question=questions[0], name="Indikator 1, kun øverst", positive_answers=["i_meget_hoej_grad"], order=99
        )
    )
    external = Wave.objects.create(
        survey=survey, name="Baseline 2021", opens_on=date(2021, 3, 1), closes_on=date(2021, 3, 31), is_external=True
    )
    ExternalResult.objects.bulk_create(
        ExternalResult(wave=external, indicator=indicator, positive=60, n=100) for indicator in indicators
    )
    waves = [
        Wave.objects.create(survey=survey, name=str(year), opens_on=date(year, 3, 1), closes_on=date(year, 4, 30))
        for year in range(2022, 2022 + WAVES)
    ]
    manager = User.objects.create_user(
        username="bench-leder", password=secrets.token_urlsafe(16), municipality=municipality
    )
    manager.groups.set(Group.objects.filter(name="Leder"))
    write_answers(waves, units, questions, answers, seed)
    return survey, manager


RESPONSE_COLUMNS = "id, wave_id, unit_id, submitted_on, via_open_link"
ANSWER_COLUMNS = "response_id, question_id, value, text"


def write_answers(waves, units, questions, answers: int, seed: int) -> None:
    """answers / QUESTIONS responses spread over the waves and units, each answering every question."""
    from django.db import connection, transaction

    rng = random.Random(seed)
    values, weights = list(SCALE_WEIGHTS), list(SCALE_WEIGHTS.values())
    responses = answers // len(questions)
    started = time.perf_counter()
    response_rows, answer_rows = [], []
    for number in range(responses):
        wave = waves[number % len(waves)]
        unit = units[rng.randrange(len(units))] if rng.random() > 0.02 else None  # a few via the open link
        response_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        response_rows.append((response_id, wave.pk, unit.pk if unit else None, wave.opens_on, unit is None))
        for question in questions:
            if question.kind == "text":
                answer_rows.append((response_id, question.pk, "", "Fiktiv kommentar" if rng.random() < 0.1 else ""))
            elif question.kind == "yes_no":
                answer_rows.append((response_id, question.pk, rng.choice(["ja", "ja", "nej", "ved_ikke"]), ""))
            else:
                answer_rows.append((response_id, question.pk, rng.choices(values, weights)[0], ""))
    print(f"  drew {responses:,} responses, {len(answer_rows):,} answers in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            with raw.copy(
                "COPY surveys_surveyresponse (id, wave_id, unit_id, submitted_on, via_open_link) FROM STDIN"
            ) as copy:
                for row in response_rows:
                    copy.write_row(row)
            with raw.copy(f"COPY surveys_answer ({ANSWER_COLUMNS}) FROM STDIN") as copy:
                for row in answer_rows:
                    copy.write_row(row)
        else:
            cursor.executemany(
                f"INSERT INTO surveys_surveyresponse ({RESPONSE_COLUMNS}) VALUES (%s, %s, %s, %s, %s)",
                [(row[0].hex, *row[1:]) for row in response_rows],
            )
            cursor.executemany(
                f"INSERT INTO surveys_answer ({ANSWER_COLUMNS}) VALUES (%s, %s, %s, %s)",
                [(row[0].hex, *row[1:]) for row in answer_rows],
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  wrote them in {time.perf_counter() - started:.1f} s (bulk: COPY or executemany, one transaction)")


# --- measuring ----------------------------------------------------------------------------------

GROUPED_SQL = """
    SELECT r.wave_id, r.unit_id, a.question_id, a.value, COUNT(*)
    FROM surveys_answer a JOIN surveys_surveyresponse r ON r.id = a.response_id
    WHERE a.value <> ''
    GROUP BY r.wave_id, r.unit_id, a.question_id, a.value
"""
SINGLE_TABLE_SQL = "SELECT question_id, value, COUNT(*) FROM surveys_answer GROUP BY question_id, value"


def timed(measurements: list, runs: int) -> dict[str, list[float]]:
    """Each measurement once per round, `runs` rounds after a warm-up round: load on the machine then
    falls on all of them alike."""
    times = {name: [] for name, _description, _function in measurements}
    for round_number in range(runs + 1):
        for name, _description, function in measurements:
            started = time.perf_counter()
            function()
            if round_number:  # round 0 warms caches, plans and imports
                times[name].append(time.perf_counter() - started)
    return times


def main() -> int:
    args = parse_args()
    database = ThrowawayDatabase()
    try:
        configure(database.url)
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from django.urls import reverse

        from surveys.models import Answer, SurveyResponse
        from surveys.results import survey_results

        print(f"throwaway {database.kind} database: {database.url}")
        print("  migrate ...", flush=True)
        call_command("migrate", verbosity=0)
        survey, manager = make_survey(args.answers, args.seed)
        answers, responses = Answer.objects.count(), SurveyResponse.objects.count()

        client = Client()
        client.force_login(manager)
        dashboard_url = reverse("surveys:dashboard", args=[survey.pk])
        csv_url = reverse("surveys:figures-csv", args=[survey.pk])

        def view():
            response = client.get(dashboard_url)
            assert response.status_code == 200, response.status_code

        def export():
            response = client.get(csv_url)
            assert response.status_code == 200, response.status_code

        def plain_sql(sql):
            def run():
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                    return cursor.fetchall()

            return run

        rows = len(plain_sql(GROUPED_SQL)())
        measurements = [
            ("results", "survey_results(): grouped query + suppression + scoring", lambda: survey_results(survey)),
            ("view", "the dashboard page, rendered (manager, logged in)", view),
            ("csv", "the figures export (CSV)", export),
            ("sql", "plain SQL: the same COUNT … GROUP BY (answer ⋈ response)", plain_sql(GROUPED_SQL)),
            ("sql1", "plain SQL: COUNT … GROUP BY question, value (answers alone)", plain_sql(SINGLE_TABLE_SQL)),
        ]
        print(
            f"\n{answers:,} answers in {responses:,} responses; {survey.waves.count()} waves, "
            f"{survey.questions.count()} questions, 10 indicators, {survey.municipality.units.count()} units; "
            f"the grouped count returns {rows:,} rows. {args.runs} rounds after a warm-up round, each measurement "
            "once per round.\n"
        )
        all_times = timed(measurements, args.runs)
        header = f"{'what':<8} {'median ms':>10} {'min ms':>8} {'max ms':>8}  description"
        print(header)
        print("-" * len(header))
        medians = {}
        for name, description, _function in measurements:
            runs = all_times[name]
            medians[name] = statistics.median(runs)
            print(
                f"{name:<8} {medians[name] * 1000:>10.1f} {min(runs) * 1000:>8.1f} {max(runs) * 1000:>8.1f}  "
                f"{description}"
            )
        print(
            f"\nresults / sql = {medians['results'] / medians['sql']:.2f}; "
            f"view / sql = {medians['view'] / medians['sql']:.2f}; "
            f"view - results = {(medians['view'] - medians['results']) * 1000:.1f} ms (rendering, session, user)"
        )
        with CaptureQueriesContext(connection) as captured:
            view()
        print(f"queries per dashboard view: {len(captured.captured_queries)}")
        return 0
    finally:
        if args.keep:
            print(f"kept {database.url}")
        else:
            database.drop()


if __name__ == "__main__":
    sys.exit(main())
