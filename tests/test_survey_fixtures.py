"""The questionnaires in fixtures/surveys/, drawn from each municipality's own policy, and the demo answers."""

import json
import re
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from portal.models import Unit
from surveys.models import DONT_KNOW, Answer, Indicator, Question, Scale, Survey, SurveyResponse, Wave, YesNo
from surveys.survey_fixtures import load_survey, survey_fixture_paths

MUNICIPALITIES = ["aabenraa", "ballerup", "haderslev", "hvidovre", "rudersdal"]
FREE_TEXT = "Er der andet, du vil fortælle os?"

# Every question a relative rates, with words that stand both in the question and in the municipality's
# policy (fixtures/policies/<slug>.json, the seed as pages): the questions keep the seed's own words.
SEED_WORDS = {
    "haderslev": {
        "respekt-og-nysgerrighed": ["blive mødt med respekt og nysgerrighed"],
        "sprog-man-forstaar": ["blive talt til i et sprog"],
        "god-tone-og-dialog": ["en god tone og dialog imellem kommunen og"],
        "inddraget": ["inddraget på en ordentlig eller værdifuld måde i hjælpen, hvis der har været behov for det"],
        "hensyn-til-de-naere": ["der er taget hensyn til"],
        "faellesskaber": ["fællesskaber, hvor du kan møde andre i samme situation"],
    },
    "aabenraa": {
        "imoedekommenhed-og-forstaaelse": [
            "mødt af medarbejdere med imødekommenhed og forståelse som grundlag for en konstruktiv dialog om støtte "
            "til borger"
        ],
        "tryghed-i-samarbejdet": [
            "tryghed ved at indgå i samspil og samarbejde med borger",
            "for at træffe gode beslutninger til gavn for borger",
        ],
        "fleksibilitet-og-forstaaelse": [
            "fleksibilitet og situationspassende adfærd hos medarbejdere",
            "og forståelse for borger",
            "situation i kombination med",
        ],
        "kommunikation-og-koordinering": [
            "kommunikation og koordinering mellem medarbejdere og forskellige afdelinger i det kommunale og "
            "offentlige system"
        ],
        "opfoelgning-paa-aftaler": [
            "fulgt op på beslutninger og aftaler, der er truffet i et samarbejde mellem borger"
        ],
        "klare-aftaler": ["klare aftaler", "rolle- og opgavefordeling"],
    },
    "ballerup": {
        "anerkendelse": ["opmærksomhed og forståelse for", "situation"],
        "samarbejde": ["møder", "med oprigtig interesse og åbenhed"],
        "forventningsafstemning": ["tydelige i", "dialog med", "kan og må"],
        "liv-som-paaroerende": ["medarbejderne", "selvstændig", "ikke alene ”som pårørende”"],
        "lige-vilkaar": ["som pårørende kender til muligheder for hjælp", "hjælp og støtte"],
        "koordineret-indsats": ["indsatsen omkring", "er koordineret på tværs af forvaltninger og sektorer"],
        "spurgt-hvordan-du-har-det": ["hvordan", " har det"],
    },
    "hvidovre": {
        "anerkendelse": ["samarbejdet mellem borger", "bygger på en anerkendelse af hinandens betydning"],
        "tillid": ["gensidig tillid"],
        "aabenhed": ["synligt og tydeligt", "hvilken hjælp og støtte borgeren kan forvente at modtage fra kommunen"],
        "vaere-med": ["mulighed for at blive inddraget", "være med", "når borgeren ønsker det"],
        "generel-information": ["generel information om fx tilbud og procedurer"],
    },
    "rudersdal": {
        "kommunikation-og-information": [
            "struktureret og løbende gensidig kommunikation",
            "aktuel information, der er let tilgængelig",
        ],
        "tillid-og-respekt": [
            "gensidig tillid til de roller",
            "respekt for de vanskeligheder, som disse roller kan indebære i samarbejdet",
        ],
        "fleksibilitet-og-sammenhaeng": ["fleksibilitet og sammenhæng i samarbejdet", "livssituation"],
        "forventningsafstemning": ["kan forvente af hinanden i samarbejdet"],
    },
}
# The seed's values or themes, one rated statement each, named as the seed names them.
INDICATOR_NAMES = {
    "aabenraa": [
        "Mødt med imødekommenhed og forståelse",
        "Tryghed i samspil og samarbejde",
        "Fleksibilitet og forståelse for situationen",
        "Kommunikation og koordinering",
        "Opfølgning på beslutninger og aftaler",
    ],
    "ballerup": [
        "Anerkendelse",
        "Samarbejde",
        "Forventningsafstemning",
        "Understøtte et liv som pårørende",
        "Lige vilkår for alle pårørende",
        "En koordineret indsats",
    ],
    "haderslev": [
        "Mødt med respekt og nysgerrighed",
        "Talt til i et sprog, man forstår",
        "God tone og dialog",
        "Inddraget på en ordentlig eller værdifuld måde",
        "Taget hensyn til de nære",
    ],
    "hvidovre": ["Anerkendelse", "Tillid", "Åbenhed", "Her kan pårørende være med"],
    "rudersdal": ["Kommunikation og information", "Tillid og respekt", "Fleksibilitet og sammenhæng"],
}


def fixture(slug: str) -> dict:
    return json.loads((settings.BASE_DIR / "fixtures" / "surveys" / f"{slug}.json").read_text(encoding="utf-8"))


def policy_text(slug: str) -> str:
    """All the words of the municipality's policy fixture, whitespace collapsed."""
    policy = json.loads((settings.BASE_DIR / "fixtures" / "policies" / f"{slug}.json").read_text(encoding="utf-8"))
    words = [
        text
        for page in policy["pages"]
        for text in [page["title"]]
        + [part for section in page["sections"] for part in [section["heading"], section["body"], *section["items"]]]
    ]
    return re.sub(r"\s+", " ", " ".join(words))


def path_of(slug: str):
    return next(path for path in survey_fixture_paths() if path.stem == slug)


@pytest.fixture
def surveys(policies):
    for path in survey_fixture_paths():
        assert load_survey(path), f"{path.name}: the municipality had a survey already"
    return {survey.municipality.slug: survey for survey in Survey.objects.select_related("municipality")}


def test_there_is_a_fixture_for_each_of_the_five_municipalities():
    assert [path.stem for path in survey_fixture_paths()] == MUNICIPALITIES
    assert all(fixture(slug)["municipality"] == slug for slug in MUNICIPALITIES)


@pytest.mark.parametrize("slug", MUNICIPALITIES)
def test_each_municipality_loads_its_questionnaire_drawn_from_its_own_seed(surveys, slug):
    survey = surveys[slug]
    questions = list(survey.questions.all())
    rated = [question for question in questions if question.kind != Question.Kind.TEXT]
    assert [question.text for question in questions if question.kind == Question.Kind.TEXT] == [FREE_TEXT]
    assert questions[-1].text == FREE_TEXT and not questions[-1].required
    assert sum(question.kind == Question.Kind.YES_NO for question in questions) <= 1
    assert all(question.kind in {Question.Kind.SCALE, Question.Kind.YES_NO} for question in rated)
    assert all(question.required for question in rated if question.kind == Question.Kind.SCALE)

    keys = [item["key"] for item in fixture(slug)["questions"] if item["kind"] != "text"]
    assert keys == list(SEED_WORDS[slug]), "every rated question has its words from the seed listed here"
    policy = policy_text(slug).lower()
    for key, question in zip(keys, rated, strict=True):
        for words in SEED_WORDS[slug][key]:
            assert words.lower() in question.text.lower(), (key, words)
            assert words.lower() in policy, (key, words)
    assert (
        list(Indicator.objects.filter(question__survey=survey).values_list("name", flat=True))
        == (INDICATOR_NAMES[slug])
    )


def test_haderslev_has_its_2024_target_and_its_march_2021_baselines_exactly_as_in_its_seed(surveys):
    indicators = Indicator.objects.filter(question__survey=surveys["haderslev"])
    targeted = indicators.filter(target__isnull=False)
    assert [(i.name, i.target, i.deadline, i.is_headline) for i in targeted] == [
        ("Mødt med respekt og nysgerrighed", Decimal("0.75"), date(2024, 12, 31), True),
        ("Talt til i et sprog, man forstår", Decimal("0.75"), date(2024, 12, 31), True),
    ]
    assert all(i.baseline is None for i in targeted)
    assert "Mål i 2024" in policy_text("haderslev") and "75 % af pårørende" in policy_text("haderslev")
    assert {i.question.text for i in targeted} == {
        "I hvilken grad oplever du at blive mødt med respekt og nysgerrighed?",
        "I hvilken grad oplever du at blive talt til i et sprog, du forstår?",
    }

    with_baseline = indicators.filter(baseline__isnull=False)
    assert [(i.name, i.baseline, i.baseline_date, i.baseline_n, i.target) for i in with_baseline] == [
        ("God tone og dialog", Decimal("0.66"), date(2021, 3, 1), None, None),
        ("Inddraget på en ordentlig eller værdifuld måde", Decimal("0.54"), date(2021, 3, 1), None, None),
        ("Taget hensyn til de nære", Decimal("0.52"), date(2021, 3, 1), None, None),
    ]
    seed = policy_text("haderslev")
    for indicator, figure in zip(with_baseline, ["66 %", "54 %", "52 %"], strict=True):
        quoted = re.search(r"”([^”]*)”", indicator.baseline_note).group(1).removeprefix("Baseline i marts 2021: ")
        assert quoted.startswith(figure) and quoted in seed, indicator.name
    assert "Baseline i marts 2021: 66 %" in seed


@pytest.mark.parametrize("slug", ["aabenraa", "ballerup", "hvidovre", "rudersdal"])
def test_the_other_municipalities_report_headline_shares_without_invented_figures(surveys, slug):
    indicators = Indicator.objects.filter(question__survey=surveys[slug])
    assert indicators.exists()
    for indicator in indicators:
        assert indicator.is_headline
        assert indicator.target is None and indicator.deadline is None
        assert indicator.baseline is None and indicator.baseline_date is None and indicator.baseline_n is None
        assert indicator.baseline_note == ""


@pytest.mark.parametrize("slug", MUNICIPALITIES)
def test_every_indicator_counts_valid_answers_of_its_own_question(surveys, slug):
    valid = {"scale": set(Scale.values), "yes_no": set(YesNo.values)}
    questions = {item["key"]: item for item in fixture(slug)["questions"]}
    for item in fixture(slug)["indicators"]:
        kind = questions[item["question_key"]]["kind"]
        assert item["positive_answers"], item["name"]
        assert set(item["positive_answers"]) <= valid[kind] - {DONT_KNOW}, item["name"]
    for indicator in Indicator.objects.filter(question__survey=surveys[slug]).select_related("question"):
        assert indicator.positive_answers == [Scale.VERY_HIGH.value, Scale.HIGH.value]
        assert set(indicator.positive_answers) <= set(indicator.question.answer_values()) - {DONT_KNOW}
        indicator.full_clean()


@pytest.mark.parametrize("slug", MUNICIPALITIES)
def test_every_theme_page_slug_resolves_to_the_municipalitys_own_page(surveys, slug):
    data = fixture(slug)
    survey = surveys[slug]
    pages = set(survey.municipality.pages.values_list("slug", flat=True))
    for item in data["questions"]:
        question = survey.questions.get(text=item["text"])
        if item["kind"] == "text":
            assert item["theme_page_slug"] is None and question.theme is None
        else:
            assert item["theme_page_slug"] in pages
            assert question.theme.slug == item["theme_page_slug"]
            assert question.theme.municipality_id == survey.municipality_id
    for item in data["indicators"]:
        indicator = Indicator.objects.get(question__survey=survey, name=item["name"])
        assert item["theme_page_slug"] in pages
        assert indicator.theme.slug == item["theme_page_slug"]
        assert indicator.theme.municipality_id == survey.municipality_id


def test_loading_again_keeps_edits_and_replace_restores_the_fixture(surveys):
    question = surveys["rudersdal"].questions.first()
    original = question.text
    question.text = "Rettet af en leder."
    question.save()
    Indicator.objects.filter(question=question).update(is_headline=False)

    assert load_survey(path_of("rudersdal")) is False
    question.refresh_from_db()
    assert question.text == "Rettet af en leder."
    assert Survey.objects.filter(municipality__slug="rudersdal").count() == 1

    assert load_survey(path_of("rudersdal"), replace=True) is True
    survey = Survey.objects.get(municipality__slug="rudersdal")
    assert survey.questions.first().text == original
    assert survey.questions.count() == len(fixture("rudersdal")["questions"])
    assert all(Indicator.objects.filter(question__survey=survey).values_list("is_headline", flat=True))


def test_replace_refuses_to_delete_answers(surveys):
    survey = surveys["hvidovre"]
    wave = Wave.objects.create(survey=survey, name="2025", opens_on=date(2025, 1, 1), closes_on=date(2025, 2, 1))
    SurveyResponse.objects.create(wave=wave, submitted_on=date(2025, 1, 10))
    with pytest.raises(ValidationError):
        load_survey(path_of("hvidovre"), replace=True)
    assert Survey.objects.get(municipality__slug="hvidovre") == survey
    assert wave.responses.count() == 1


def test_a_fixture_with_an_invalid_indicator_loads_nothing(policies, tmp_path):
    data = fixture("ballerup")
    data["indicators"][0]["positive_answers"] = [YesNo.YES.value]  # not an answer of a scale question
    path = tmp_path / "ballerup.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValidationError):
        load_survey(path)
    assert not Survey.objects.filter(municipality__slug="ballerup").exists()
    assert not Question.objects.exists()


def test_a_fixture_naming_an_unknown_page_loads_nothing(policies, tmp_path):
    data = fixture("hvidovre")
    data["questions"][0]["theme_page_slug"] = "findes-ikke"
    path = tmp_path / "hvidovre.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValidationError):
        load_survey(path)
    assert not Survey.objects.filter(municipality__slug="hvidovre").exists()


def test_demo_answers_are_fictitious_reproducible_and_valid(db):
    call_command("demo", stdout=StringIO())
    today = timezone.localdate()
    waves = Wave.objects.select_related("survey__municipality")
    assert waves.count() == 2 * len(MUNICIPALITIES)
    assert all("(fiktive svar)" in wave.name and wave.name.startswith("Demo ") for wave in waves)
    assert not SurveyResponse.objects.exclude(unit__name__endswith="(fiktivt)").exists()
    assert set(SurveyResponse.objects.values_list("unit__name", flat=True).distinct()) == {
        "Demo-plejecenter (fiktivt)",
        "Demo-hjemmepleje, distrikt Nord (fiktivt)",
        "Demo-bofællesskab (fiktivt)",
    }

    for slug in MUNICIPALITIES:
        past, current = Wave.objects.filter(survey__municipality__slug=slug).order_by("opens_on")
        assert past.name == f"Demo {today.year - 1} (fiktive svar)" and past.closes_on < today
        assert current.name == f"Demo {today.year} (fiktive svar)" and current.is_open_on(today)
        assert set(past.units.values_list("name", flat=True)) == set(current.units.values_list("name", flat=True))
        past_counts = Counter(past.responses.values_list("unit_id", flat=True))
        current_counts = Counter(current.responses.values_list("unit_id", flat=True))
        assert len(past_counts) == 3 and all(40 <= n <= 150 for n in past_counts.values())
        assert current.responses.count() < past.responses.count()
        assert not current.responses.filter(submitted_on__gt=today).exists()
        assert not past.responses.exclude(submitted_on__range=(past.opens_on, past.closes_on)).exists()
        assert all(n < 40 for n in current_counts.values())
        for indicator in Indicator.objects.filter(question__survey__municipality__slug=slug):
            answers = Answer.objects.filter(response__wave=past, question=indicator.question).exclude(value=DONT_KNOW)
            share = answers.filter(value__in=indicator.positive_answers).count() / answers.count()
            assert 0.3 < share < 0.95, (slug, indicator.name, share)

    for answer in Answer.objects.select_related("question").iterator():
        if answer.question.kind == Question.Kind.TEXT:
            assert answer.value == "" and answer.text.startswith("Fiktivt demosvar")
        else:
            assert answer.value in answer.question.answer_values() and answer.text == ""
    assert not Answer.objects.values("response", "question").annotate(n=Count("pk")).filter(n__gt=1).exists()
    languages = Counter(SurveyResponse.objects.values_list("language", flat=True))
    assert set(languages) == {code for code, _name in settings.LANGUAGES}
    assert languages["da"] > 0.7 * languages.total()

    # Running again keeps the waves; --replace draws the same fictitious answers again.
    before = sorted(Answer.objects.values_list("question_id", "value", "response__unit__name", "response__wave__name"))
    open_wave = Wave.objects.get(survey__municipality__slug="hvidovre", name=f"Demo {today.year} (fiktive svar)")
    Wave.objects.filter(pk=open_wave.pk).update(closes_on=today - timedelta(days=1))  # as if run a while ago
    call_command("demo_survey_answers", stdout=StringIO())
    assert Wave.objects.count() == 2 * len(MUNICIPALITIES)
    open_wave.refresh_from_db()
    assert open_wave.is_open_on(today)
    call_command("demo_survey_answers", "--replace", stdout=StringIO())
    after = sorted(Answer.objects.values_list("question_id", "value", "response__unit__name", "response__wave__name"))
    assert after == before


def test_demo_answers_need_demo_units(surveys):
    Unit.objects.create(municipality=surveys["haderslev"].municipality, name="Rigtigt plejecenter", area="aeldre")
    output = StringIO()
    call_command("demo_survey_answers", stdout=output)
    assert not Wave.objects.exists()
    assert "no demo units" in output.getvalue()


def test_the_demo_hook_loads_the_questionnaires_and_the_fictitious_answers_once(policies):
    """`manage.py demo` calls SurveysConfig.load_demo_data once the municipalities and the demo units exist."""
    from django.apps import apps

    for municipality in policies.values():
        Unit.objects.create(municipality=municipality, name="Demo-plejecenter (fiktivt)", area="aeldre")
    config = apps.get_app_config("surveys")
    config.load_demo_data(stdout=StringIO())
    assert set(Survey.objects.values_list("municipality__slug", flat=True)) == set(MUNICIPALITIES)
    assert Wave.objects.count() == 2 * len(MUNICIPALITIES)
    assert not SurveyResponse.objects.exclude(unit__name="Demo-plejecenter (fiktivt)").exists()
    made = sorted(Answer.objects.values_list("pk", "question_id", "value", "text", "response__wave__name"))
    assert made

    output = StringIO()
    config.load_demo_data(stdout=output)  # again, as a second `manage.py demo` does: nothing is added or lost
    assert Survey.objects.count() == len(MUNICIPALITIES) and Wave.objects.count() == 2 * len(MUNICIPALITIES)
    assert sorted(Answer.objects.values_list("pk", "question_id", "value", "text", "response__wave__name")) == made
    assert output.getvalue().count("has a survey already, kept it") == len(MUNICIPALITIES)
    assert output.getvalue().count("exists already, kept it") == 2 * len(MUNICIPALITIES)
