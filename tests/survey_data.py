"""A made-up relatives' survey with every kind of question, for the survey tests and the browser checks."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from portal.models import Area, Municipality, Unit
from surveys import codes
from surveys.models import Invitation, Question, Survey, Wave

# A code the browser checks' survey always has an unused invitation for (test data only).
FIXED_CODE = "ACEF-GHJK-MN"
FIXED_OPEN_LINK = uuid.UUID("5b0d7c5e-3f43-4c53-9a55-2f6f1f3b8e01")


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


def make_survey(
    municipality: Municipality, *, unit_name: str = "Plejecentret Solgården", open_link_limit: int = 500
) -> SurveyData:
    """A survey whose wave is open today, with one unit, four questions and an open link."""
    today = timezone.localdate()
    unit, _created = Unit.objects.get_or_create(municipality=municipality, name=unit_name, area=Area.ELDERLY)
    survey = Survey.objects.create(
        municipality=municipality,
        title="Pårørendeundersøgelse",
        intro="Vi vil gerne vide, hvordan du oplever samarbejdet med os.\n\nDet tager omkring fem minutter.",
        title_en="Survey of relatives",
    )
    kinds = Question.Kind
    scale = Question.objects.create(
        survey=survey, order=1, kind=kinds.SCALE, required=True,
        text="I hvor høj grad oplever du, at personalet lytter til dig?",
    )  # fmt: skip
    yes_no = Question.objects.create(
        survey=survey, order=2, kind=kinds.YES_NO, required=True, text="Ved du, hvem du kan kontakte?"
    )
    choice = Question.objects.create(
        survey=survey, order=3, kind=kinds.CHOICE, text="Hvor ofte besøger du din pårørende?",
        choices=["Hver uge", "Hver måned", "Sjældnere"],
    )  # fmt: skip
    text = Question.objects.create(survey=survey, order=4, kind=kinds.TEXT, text="Er der andet, du vil fortælle os?")
    wave = Wave.objects.create(
        survey=survey,
        name="2025",
        opens_on=today - timedelta(days=7),
        closes_on=today + timedelta(days=30),
        open_link_key=uuid.uuid4(),
        open_link_limit=open_link_limit,
    )
    wave.units.add(unit)
    return SurveyData(municipality, unit, survey, wave, scale, yes_no, choice, text)


def ensure_fixed_survey() -> SurveyData:
    """The browser checks' survey (in the first municipality), with an unused invitation for FIXED_CODE."""
    municipality = Municipality.objects.order_by("pk").first()
    wave = Wave.objects.filter(open_link_key=FIXED_OPEN_LINK).select_related("survey").first()
    if wave is None:
        data = make_survey(municipality)
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
