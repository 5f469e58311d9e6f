"""Synthetic surveys, waves and answers for the results tests: made-up units, answers drawn or counted out."""

import random
from datetime import date
from decimal import Decimal

from portal.models import Area, Municipality, Unit
from surveys import services
from surveys.models import DONT_KNOW, Answer, ExternalResult, Indicator, Question, Scale, Survey, SurveyResponse, Wave

FREE_TEXT_MARK = "Fritekst-7Q9: kun for ledere"


def make_unit(municipality: Municipality, name: str, area: str = Area.ELDERLY) -> Unit:
    return Unit.objects.create(municipality=municipality, name=name, area=area)


def make_survey(municipality: Municipality, title: str = "Pårørendeundersøgelsen") -> Survey:
    return Survey.objects.create(municipality=municipality, title=title)


def make_question(survey: Survey, kind: str = Question.Kind.SCALE, text: str = "", order: int = 0) -> Question:
    return Question.objects.create(survey=survey, kind=kind, text=text or f"Spørgsmål {order}", order=order)


def make_indicator(question: Question, name: str, **fields) -> Indicator:
    for key in ("target", "baseline"):
        if isinstance(fields.get(key), float):
            fields[key] = Decimal(str(fields[key]))
    return services.save_indicator(indicator=Indicator(question=question, name=name, **fields))  # default positives


def make_wave(survey: Survey, name: str, opens_on: date, closes_on: date, **fields) -> Wave:
    return Wave.objects.create(survey=survey, name=name, opens_on=opens_on, closes_on=closes_on, **fields)


def add_answers(wave: Wave, unit: Unit | None, counts: dict[Question, dict[str, int]], text: str = "") -> int:
    """Responses from `unit` whose answers add up to exactly `counts` ({question: {value: how many}}).

    The first response answers every question it has a value left for; a question with fewer answers
    is left out of the later responses. A value "" is a blank answer (`text` goes on text questions).
    Returns the number of responses.
    """
    columns = {
        question: [value for value, count in values.items() for _ in range(count)]
        for question, values in counts.items()
    }
    size = max((len(values) for values in columns.values()), default=0)
    responses = [SurveyResponse(wave=wave, unit=unit, submitted_on=wave.opens_on) for _ in range(size)]
    SurveyResponse.objects.bulk_create(responses)
    Answer.objects.bulk_create(
        Answer(
            response=response,
            question=question,
            value=values[index],
            text=text if question.kind == Question.Kind.TEXT else "",
        )
        for question, values in columns.items()
        for index, response in enumerate(responses)
        if index < len(values)
    )
    return size


def generate_answers(wave: Wave, units: list[Unit], questions: list[Question], per_unit: int, seed: int = 1) -> int:
    """`per_unit` random responses from each unit, every question answered (free text on text questions)."""
    rng = random.Random(seed)
    responses = [
        SurveyResponse(wave=wave, unit=unit, submitted_on=wave.opens_on) for unit in units for _ in range(per_unit)
    ]
    SurveyResponse.objects.bulk_create(responses, batch_size=1000)
    answers = []
    for response in responses:
        for question in questions:
            if question.kind == Question.Kind.TEXT:
                answers.append(Answer(response=response, question=question, text=FREE_TEXT_MARK))
            else:
                answers.append(Answer(response=response, question=question, value=rng.choice(question.answer_values())))
    Answer.objects.bulk_create(answers, batch_size=2000)
    return len(answers)


def add_external(wave: Wave, indicator: Indicator, positive: int, n: int, unit: Unit | None = None, dont_know=0):
    return ExternalResult.objects.create(
        wave=wave, indicator=indicator, unit=unit, positive=positive, n=n, dont_know=dont_know
    )


def scale(very_high=0, high=0, some=0, low=0, not_at_all=0, dont_know=0, blank=0) -> dict[str, int]:
    counts = {
        Scale.VERY_HIGH.value: very_high,
        Scale.HIGH.value: high,
        Scale.SOME.value: some,
        Scale.LOW.value: low,
        Scale.NOT_AT_ALL.value: not_at_all,
        DONT_KNOW: dont_know,
        "": blank,
    }
    return {value: count for value, count in counts.items() if count}


def demo_results(municipality: Municipality, today: date) -> dict:
    """A small made-up survey with two closed waves and an open one, for pages to show (browser tests too).

    Units: three in elderly care, two in disability, one of them too small to be shown.
    """
    units = {
        "Ahornhuset": make_unit(municipality, "Ahornhuset", Area.ELDERLY),
        "Bøgehuset": make_unit(municipality, "Bøgehuset", Area.ELDERLY),
        "Cedergården": make_unit(municipality, "Cedergården", Area.ELDERLY),
        "Dalhuset": make_unit(municipality, "Dalhuset", Area.DISABILITY),
        "Egebo": make_unit(municipality, "Egebo", Area.DISABILITY),
    }
    survey = make_survey(municipality)
    respect = make_question(survey, text="Bliver du mødt med respekt?", order=1)
    included = make_question(survey, text="Bliver du inddraget?", order=2)
    comment = make_question(survey, Question.Kind.TEXT, text="Vil du fortælle mere?", order=3)
    indicators = {
        "respect": make_indicator(
            respect,
            "Mødt med respekt",
            target=0.75,
            deadline=date(today.year + 1, 12, 31),
            baseline=0.66,
            baseline_date=date(today.year - 3, 3, 1),
            is_headline=True,
            order=1,
        ),
        "included": make_indicator(included, "Inddraget", target=0.6, is_headline=True, order=2),
    }
    waves = [
        make_wave(survey, f"{today.year - 2}", date(today.year - 2, 3, 1), date(today.year - 2, 4, 30)),
        make_wave(survey, f"{today.year - 1}", date(today.year - 1, 3, 1), date(today.year - 1, 4, 30)),
    ]
    open_wave = make_wave(survey, "I gang", today, today)
    sizes = {
        "Ahornhuset": (30, 40), "Bøgehuset": (12, 20), "Cedergården": (9, 8), "Dalhuset": (25, 30), "Egebo": (3, 2),
    }  # fmt: skip
    for position, wave in enumerate(waves):
        for name, unit in units.items():
            size = sizes[name][position]
            good = round(size * (0.6 + 0.1 * position))
            add_answers(
                wave,
                unit,
                {
                    respect: scale(very_high=good // 2, high=good - good // 2, some=size - good, dont_know=1),
                    included: scale(high=size // 2, low=size - size // 2),
                    comment: {"": 1},
                },
                text=FREE_TEXT_MARK,
            )
    add_answers(open_wave, units["Ahornhuset"], {respect: scale(very_high=6)})
    return {"survey": survey, "units": units, "indicators": indicators, "waves": [*waves, open_wave]}


DEMO_SLUG = "testrup"


def ensure_demo_results() -> Municipality:
    """The made-up municipality "Testrup" with demo_results(), made once (for the browser checks' live database)."""
    from django.utils import timezone

    from tests.factories import make_municipality

    municipality = Municipality.objects.filter(slug=DEMO_SLUG).first()
    if municipality is None:
        municipality = make_municipality("Testrup", DEMO_SLUG, "0901")
    if not municipality.surveys.exists():
        demo_results(municipality, timezone.localdate())
    return municipality
