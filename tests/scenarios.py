"""Composed test data, built from tests.factories: a survey with every kind of question and an open wave
(`open_survey`), made-up results (`demo_results`, `add_answers`, `generate_answers`), and the data the
browser checks' live database always has (`ensure_fixed_survey`, `ensure_demo_results`). All made up.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from portal.models import Area, Municipality, Unit
from portal.translation_services import save_translation
from surveys import codes
from surveys.models import DONT_KNOW, Answer, Invitation, Question, Scale, Survey, SurveyResponse, Wave
from tests.factories import (
    IndicatorFactory,
    MunicipalityFactory,
    QuestionFactory,
    SurveyFactory,
    UnitFactory,
    WaveFactory,
)

FREE_TEXT_MARK = "Fritekst-7Q9: kun for ledere"
# A code the browser checks' survey always has an unused invitation for (test data only).
FIXED_CODE = "ACEF-GHJK-MN"
FIXED_OPEN_LINK = uuid.UUID("5b0d7c5e-3f43-4c53-9a55-2f6f1f3b8e01")
DEMO_SLUG = "testrup"


# --- a relatives' survey with every kind of question -----------------------------------------------------


@dataclass
class SurveyData:
    municipality: Municipality
    unit: Unit
    survey: Survey
    wave: Wave
    scale: Question
    yes_no: Question
    choice: Question
    text: Question

    @property
    def questions(self) -> list[Question]:
        return [self.scale, self.yes_no, self.choice, self.text]

    def full_answers(self) -> dict[int, str]:
        """A valid answer to every question, keyed by question id as services.submit_response takes them."""
        return {
            self.scale.pk: "i_hoej_grad",
            self.yes_no.pk: "ja",
            self.choice.pk: "Hver uge",
            self.text.pk: "Personalet er søde, men jeg savner at blive ringet op.",
        }

    def form_data(self, answers: dict | None = None) -> dict[str, str]:
        """The same answers as the form posts them (q<question id>)."""
        return {f"q{key}": value for key, value in (self.full_answers() if answers is None else answers).items()}


def open_survey(
    municipality: Municipality, *, unit_name: str = "Plejecentret Solgården", open_link_limit: int = 500
) -> SurveyData:
    """A survey whose wave is open today, with one unit, four questions and an open link."""
    today = timezone.localdate()
    unit = Unit.objects.filter(municipality=municipality, name=unit_name, area=Area.ELDERLY).first()
    unit = unit or UnitFactory(municipality=municipality, name=unit_name, area=Area.ELDERLY)
    survey = SurveyFactory(
        municipality=municipality,
        title="Pårørendeundersøgelse",
        intro="Vi vil gerne vide, hvordan du oplever samarbejdet med os.\n\nDet tager omkring fem minutter.",
    )
    save_translation(
        acting_user=None, obj=survey, field="title", language="en", text="Survey of relatives", approved=True
    )
    kinds = Question.Kind
    scale = QuestionFactory(
        survey=survey, order=1, kind=kinds.SCALE, required=True,
        text="I hvor høj grad oplever du, at personalet lytter til dig?",
    )  # fmt: skip
    yes_no = QuestionFactory(
        survey=survey, order=2, kind=kinds.YES_NO, required=True, text="Ved du, hvem du kan kontakte?"
    )
    choice = QuestionFactory(
        survey=survey, order=3, kind=kinds.CHOICE, text="Hvor ofte besøger du din pårørende?",
        choices=["Hver uge", "Hver måned", "Sjældnere"],
    )  # fmt: skip
    text = QuestionFactory(survey=survey, order=4, kind=kinds.TEXT, text="Er der andet, du vil fortælle os?")
    wave = WaveFactory(
        survey=survey,
        name="2025",
        opens_on=today - timedelta(days=7),
        closes_on=today + timedelta(days=30),
        open_link_key=uuid.uuid4(),
        open_link_limit=open_link_limit,
        units=[unit],
    )
    return SurveyData(municipality, unit, survey, wave, scale, yes_no, choice, text)


def ensure_fixed_survey() -> SurveyData:
    """The browser checks' survey (in the first municipality), with an unused invitation for FIXED_CODE."""
    municipality = Municipality.objects.order_by("pk").first()
    wave = Wave.objects.filter(open_link_key=FIXED_OPEN_LINK).select_related("survey").first()
    if wave is None:
        data = open_survey(municipality)
        Wave.objects.filter(pk=data.wave.pk).update(open_link_key=FIXED_OPEN_LINK)
        data.wave.refresh_from_db()
    else:
        questions = list(wave.survey.questions.order_by("order"))
        data = SurveyData(municipality, wave.units.get(), wave.survey, wave, *questions)
    Invitation.objects.update_or_create(
        code_digest=codes.digest(codes.normalize(FIXED_CODE)),
        defaults={"wave": data.wave, "unit": data.unit, "used_on": None},
    )
    return data


# --- answers and results --------------------------------------------------------------------------------


def add_answers(wave: Wave, unit: Unit | None, counts: dict[Question, dict[str, int]], text: str = "") -> int:
    """Responses from `unit` whose answers add up to exactly `counts` ({question: {value: how many}}).

    The first response answers every question it has a value left for; a question with fewer answers
    is left out of the later responses. A value "" is a blank answer (`text` goes on text questions).
    Returns the number of responses. Written in bulk: a results test may need thousands.
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
    areas = {"Ahornhuset": Area.ELDERLY, "Bøgehuset": Area.ELDERLY, "Cedergården": Area.ELDERLY,
             "Dalhuset": Area.DISABILITY, "Egebo": Area.DISABILITY}  # fmt: skip
    units = {name: UnitFactory(municipality=municipality, name=name, area=area) for name, area in areas.items()}
    survey = SurveyFactory(municipality=municipality)
    respect = QuestionFactory(survey=survey, text="Bliver du mødt med respekt?", order=1)
    included = QuestionFactory(survey=survey, text="Bliver du inddraget?", order=2)
    comment = QuestionFactory(survey=survey, kind=Question.Kind.TEXT, text="Vil du fortælle mere?", order=3)
    indicators = {
        "respect": IndicatorFactory(
            question=respect,
            name="Mødt med respekt",
            target=0.75,
            deadline=date(today.year + 1, 12, 31),
            baseline=0.66,
            baseline_date=date(today.year - 3, 3, 1),
            is_headline=True,
            order=1,
        ),
        "included": IndicatorFactory(question=included, name="Inddraget", target=0.6, is_headline=True, order=2),
    }
    waves = [
        WaveFactory(survey=survey, name=f"{today.year - 2}", opens_on=date(today.year - 2, 3, 1),
                    closes_on=date(today.year - 2, 4, 30)),
        WaveFactory(survey=survey, name=f"{today.year - 1}", opens_on=date(today.year - 1, 3, 1),
                    closes_on=date(today.year - 1, 4, 30)),
    ]  # fmt: skip
    open_wave = WaveFactory(survey=survey, name="I gang", opens_on=today, closes_on=today)
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


def ensure_demo_results() -> Municipality:
    """The made-up municipality "Testrup" with demo_results(), made once (for the browser checks' live database)."""
    municipality = Municipality.objects.filter(slug=DEMO_SLUG).first()
    if municipality is None:
        municipality = MunicipalityFactory(town="Testrup", slug=DEMO_SLUG, kommunekode="0901")
    if not municipality.surveys.exists():
        demo_results(municipality, timezone.localdate())
    return municipality
