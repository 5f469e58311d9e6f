"""Fictitious survey answers for the demo: never real relatives' answers, and named so.

For each municipality with a survey and demo units ("… (fiktivt)", made by `manage.py demo`): one closed wave
last year, "Demo <last year> (fiktive svar)", with 40 to 150 answers per demo unit, and "Demo <this year>
(fiktive svar)", open today, with 8 to 30 per unit. The answers come from a seeded random generator, so every
run draws the same answers: each unit and each question has its own modest level, each respondent a general
mood, and the open wave is drawn slightly better on average (its few answers may still show less). Free-text
answers say "Fiktivt demosvar". Most made-up relatives answer in Danish, a few in each of the portal's other
languages (the dashboard's table of languages has something to show).
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from portal.models import Municipality, Unit
from surveys import services
from surveys.models import DONT_KNOW, Answer, Question, Scale, SurveyResponse, Wave, YesNo

DEMO_UNIT_MARK = "(fiktivt)"
WAVE_NAME = "Demo {year} (fiktive svar)"
FICTITIOUS_COMMENTS = [
    "Fiktivt demosvar: Personalet er altid venlige, når jeg ringer.",
    "Fiktivt demosvar: Jeg ville ønske, at jeg fik besked, når der sker ændringer i hjælpen.",
    "Fiktivt demosvar: Det har hjulpet meget at møde andre pårørende.",
    "Fiktivt demosvar: Der er mange forskellige medarbejdere, og det er svært at vide, hvem jeg skal spørge.",
    "Fiktivt demosvar: Tak for en god dialog ved det sidste møde.",
    "Fiktivt demosvar: Jeg savner at blive spurgt, hvordan jeg selv har det.",
]
# A respondent's latent view of a question, cut into the five-point scale (highest first).
SCALE_CUTS = [(1.0, Scale.VERY_HIGH), (0.0, Scale.HIGH), (-0.9, Scale.SOME), (-1.7, Scale.LOW)]
BASE_LEVEL = 0.4
OPEN_WAVE_IMPROVEMENT = 0.2


@dataclass(frozen=True)
class DemoWave:
    name: str
    opens_on: date
    closes_on: date
    per_unit: tuple[int, int]  # the fewest and the most responses from a unit
    shift: float  # how much better than the base level the wave is drawn


@dataclass(frozen=True)
class Levels:
    """How much better or worse than the rest each unit and each question does, by pk."""

    unit: dict[int, float]
    question: dict[int, float]


def demo_language(rng: random.Random) -> str:
    """A made-up relative's language: most answer in Danish, a few in each of the portal's other languages."""
    codes = [code for code, _name in settings.LANGUAGES]
    return rng.choices(codes, [80 if code == settings.LANGUAGE_CODE else 4 for code in codes])[0]


def spread(rng: random.Random) -> float:
    """How much better or worse than the rest a unit or a question does: modest, never extreme."""
    return max(-0.4, min(0.4, rng.gauss(0, 0.2)))


class Command(BaseCommand):
    help = (
        "Create fictitious survey answers for the demo units: a past wave and an open wave per municipality, "
        "both named “… (fiktive svar)”. Existing demo waves are kept unless --replace."
    )

    def add_arguments(self, parser):
        parser.add_argument("--replace", action="store_true", help="Recreate the demo waves and their answers.")

    @transaction.atomic
    def handle(self, *args, replace, **options):
        today = timezone.localdate()
        current_opens = max(date(today.year, 1, 1), today - timedelta(days=28))
        plans = [
            DemoWave(WAVE_NAME.format(year=today.year - 1), date(today.year - 1, 9, 1), date(today.year - 1, 10, 31),
                     (40, 150), 0.0),
            DemoWave(WAVE_NAME.format(year=today.year), current_opens, today + timedelta(days=30), (8, 30),
                     OPEN_WAVE_IMPROVEMENT),
        ]  # fmt: skip
        for municipality in Municipality.objects.order_by("name"):
            survey = municipality.surveys.order_by("pk").first()
            units = list(Unit.objects.filter(municipality=municipality, name__endswith=DEMO_UNIT_MARK).order_by("name"))
            if survey is None or not units:
                self.stdout.write(f"{municipality}: no survey or no demo units, no fictitious answers made.")
                continue
            effects = random.Random(f"demo-survey:{municipality.slug}")
            unit_level = {unit.pk: spread(effects) for unit in units}
            questions = list(survey.questions.order_by("order", "pk"))
            levels = Levels(unit_level, {question.pk: spread(effects) for question in questions})
            for plan in plans:
                if self.kept(survey, plan, today=today, replace=replace):
                    self.stdout.write(f"{municipality}: “{plan.name}” exists already, kept it.")
                    continue
                made = self.fill(survey, plan, units, questions, levels, today=today)
                self.stdout.write(
                    f"{municipality}: “{plan.name}”, {made} fictitious responses from {len(units)} demo units."
                )

    @staticmethod
    def kept(survey, plan: "DemoWave", *, today, replace: bool) -> bool:
        """Whether the demo wave exists and stays (the open one open); with `replace`, it is deleted."""
        existing = survey.waves.filter(name=plan.name)
        if not existing.exists():
            return False
        if replace:
            existing.delete()
            return False
        if plan.closes_on >= today:  # the open demo wave stays open on a later run
            existing.filter(closes_on__lt=today).update(closes_on=plan.closes_on)
        return True

    def fill(self, survey, plan: "DemoWave", units, questions, levels: "Levels", *, today) -> int:
        """Make the demo wave and its fictitious answers; returns the number of responses."""
        wave = services.save_wave(
            wave=Wave(survey=survey, name=plan.name, opens_on=plan.opens_on, closes_on=plan.closes_on), units=units
        )
        rng = random.Random(f"demo-survey:{survey.municipality.slug}:{plan.name}")
        # The language each made-up relative answered in: its own generator, so the answers stay as they were.
        in_language = random.Random(f"demo-survey-language:{survey.municipality.slug}:{plan.name}")
        days = (min(plan.closes_on, today) - plan.opens_on).days
        responses, answers = [], []
        for unit in units:
            for _ in range(rng.randint(*plan.per_unit)):
                response = SurveyResponse(
                    wave=wave,
                    unit=unit,
                    submitted_on=plan.opens_on + timedelta(days=rng.randint(0, days)),
                    language=demo_language(in_language),
                )
                responses.append(response)
                mood = rng.gauss(0, 0.8) + BASE_LEVEL + levels.unit[unit.pk] + plan.shift
                for question in questions:
                    answer = self.answer(rng, question, mood + levels.question[question.pk])
                    if answer is not None:
                        answer.response = response
                        answers.append(answer)
        # Thousands of made-up answers at once, so not one by one through services.submit_response.
        SurveyResponse.objects.bulk_create(responses, batch_size=500)
        Answer.objects.bulk_create(answers, batch_size=1000)
        return len(responses)

    @staticmethod
    def answer(rng: random.Random, question: Question, level: float) -> Answer | None:
        """One fictitious answer, or None when the respondent leaves the question out."""
        if question.kind == Question.Kind.TEXT:
            if rng.random() < 0.12:
                return Answer(question=question, text=rng.choice(FICTITIOUS_COMMENTS))
            return None
        if not question.required and rng.random() < 0.12:
            return None
        if rng.random() < 0.07:
            return Answer(question=question, value=DONT_KNOW)
        view = level + rng.gauss(0, 0.6)
        if question.kind == Question.Kind.SCALE:
            value = next((choice for cut, choice in SCALE_CUTS if view > cut), Scale.NOT_AT_ALL)
            return Answer(question=question, value=value.value)
        if question.kind == Question.Kind.YES_NO:
            return Answer(question=question, value=(YesNo.YES if view > 0.3 else YesNo.NO).value)
        return Answer(question=question, value=rng.choice(question.choices))
