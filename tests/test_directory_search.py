"""Search in "Find rundt": what a relative types, and what must come first in Hvidovre's real directory.

The directory is loaded from fixtures/directory/hvidovre.json, which indexes it in the database as every
save does (contacts.search_index), and searched the way the directory page searches it (StoredIndex: the
vocabulary looked up through PostgreSQL's pg_trgm or SQLite's FTS5, the scoring in Python). The table must
pass identically on SQLite and PostgreSQL; it is checked on both.
"""

import unicodedata
from dataclasses import dataclass

import pytest

from contacts.search import (
    KNOWN_TYPO_LENGTH,
    RELATIVE_CUTOFF,
    Index,
    alternatives,
    as_letters,
    build_entry,
    fold,
    is_known,
    stem,
    terms,
    typo_strength,
    within_one_edit,
    words,
)

# The module fixture below reads the test database; this mark makes pytest-django create it for these tests.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("hvidovre-directory")]  # one indexed directory

# Hvidovre's eight situations, by the beginning of their text (fixtures/directory/hvidovre.json).
HOME_HELP = "Borgeren har svært ved at klare sig selv og har brug for hjælp og støtte derhjemme"
MOVE = "Borgeren kan ikke længere klare sig selv og har brug for at flytte til en bolig med personale"
TRAINING = "Borgeren har behov for vedligeholdende træning eller genoptræning"
COORDINATOR = "Borgeren er syg og har behov for kontakt til en koordinator"
HEALTH = "Borgeren har brug for rådgivning om sundhed"
DAY_CENTRE = "Borgeren bor i eget hjem, men har behov for et daghjemstilbud på et plejecenter"
EARLY_HELP = "Borgeren har behov for en tidlig forebyggende indsats"
SYSTEM = "Borgeren har brug for hjælp til at finde rundt i systemet"


@dataclass(frozen=True)
class Case:
    query: str
    first: str  # the situation that must come first, by the beginning of its text
    contact: str = ""  # and a contact point that it must name, where that is the point of the query

    def __str__(self) -> str:
        return self.query


def case(query: str, first: str, contact: str = "") -> pytest.param:
    return pytest.param(Case(query, first, contact), id=query)


# fmt: off
QUERIES = [
    # Dementia: the word, its forms, upper case, typos, synonyms, and how a relative puts it.
    case("demens", COORDINATOR, "Demenskoordinator"),
    case("DEMENS", COORDINATOR, "Demenskoordinator"),
    case("Min mor er dement", COORDINATOR, "Demenskoordinator"),
    case("min mor er begyndt at glemme", COORDINATOR, "Demenskoordinator"),
    case("alzheimer", COORDINATOR, "Demenskoordinator"),
    case("alzeimer", COORDINATOR, "Demenskoordinator"),  # a letter missing
    case("demnes", COORDINATOR, "Demenskoordinator"),  # two letters swapped
    case("demenskoordinatoren", COORDINATOR, "Demenskoordinator"),
    case("min far er demensramt", COORDINATOR, "Demenskoordinator"),
    case("demenssygdom", COORDINATOR, "Demenskoordinator"),
    case("hvem skal jeg ringe til om demens", COORDINATOR, "Demenskoordinator"),
    # Cancer and stroke.
    case("kræft", COORDINATOR, "Kræftkoordinator"),
    case("kraeft", COORDINATOR, "Kræftkoordinator"),  # æ written as ae
    case("KRÆFT", COORDINATOR, "Kræftkoordinator"),
    case("min mand har fået kræft", COORDINATOR, "Kræftkoordinator"),
    case("kræftsyg", COORDINATOR, "Kræftkoordinator"),
    case("blodprop", COORDINATOR, "Hjerneskadekoordinator"),
    case("min far har haft en blodprop i hjernen", COORDINATOR, "Hjerneskadekoordinator"),
    case("hjerneskade", COORDINATOR, "Hjerneskadekoordinator"),
    # A nursing home, and a place with staff.
    case("plejehjem", MOVE, "Boligteamet"),
    case("plejehjemmet", MOVE, "Boligteamet"),
    case("min mor skal på plejehjem", MOVE, "Boligteamet"),
    case("plejehjemsplads", MOVE, "Boligteamet"),
    case("plejehjemm", MOVE),  # a letter too many
    case("plejhjem", MOVE),  # a letter missing
    case("plejehejm", MOVE),  # two letters swapped
    case("plejehjam", MOVE),  # a letter wrong
    case("plejebolig", MOVE),
    case("bolig med personale", MOVE),
    case("flytte i ældrebolig", MOVE),
    case("bofællesskab", MOVE, "Voksenrådgivningen"),
    case("bofaellesskab", MOVE, "Voksenrådgivningen"),
    # Respite: a break for the relative.
    case("jeg har brug for en pause", MOVE, "Boligteamet"),
    case("aflastning", MOVE, "Boligteamet"),
    case("pårørendes pusterum", MOVE, "Boligteamet"),
    case("aflastning til pårørende", MOVE, "Boligteamet"),
    # Rehabilitation.
    case("genoptræning", TRAINING, "Genoptræningen"),
    case("genoptræningen", TRAINING, "Genoptræningen"),
    case("genoptraening", TRAINING, "Genoptræningen"),
    case("GENOPTRÆNING", TRAINING, "Genoptræningen"),
    case("genopträning", TRAINING, "Genoptræningen"),  # a Swedish or German keyboard's ä
    case("genoptræning efter hospital", TRAINING, "Genoptræningen"),
    case("genoptræning efter sygehusophold", TRAINING, "Genoptræningen"),
    case("genoptræningsplan", TRAINING, "Genoptræningen"),
    case("genoptrænig", TRAINING, "Genoptræningen"),  # a letter missing
    case("min far er faldet og skal genoptrænes", TRAINING, "Genoptræningen"),
    case("vedligeholdende træning", TRAINING, "Genoptræningen"),
    # Help at home and aids.
    case("hjemmehjælp", HOME_HELP, "Visitationen"),
    case("hjemmehjaelp", HOME_HELP, "Visitationen"),
    case("hjemmehjlp", HOME_HELP, "Visitationen"),  # the æ missing
    case("hjemmeplejen", HOME_HELP, "Visitationen"),
    case("hvordan får jeg hjemmehjælp", HOME_HELP, "Visitationen"),
    case("min mor kan ikke klare sig selv", HOME_HELP, "Visitationen"),
    case("støtte i hjemmet", HOME_HELP, "Visitationen"),
    case("rollator", HOME_HELP, "Visitationen"),
    case("rolator", HOME_HELP, "Visitationen"),  # a letter missing
    case("kørestol", HOME_HELP, "Visitationen"),
    case("koerestol", HOME_HELP, "Visitationen"),  # ø written as oe
    case("körestol", HOME_HELP, "Visitationen"),  # a Swedish or German keyboard's ö
    case("hjälpemidler", HOME_HELP, "Visitationen"),
    case("voksenrådgivningen", HOME_HELP, "Voksenrådgivningen"),
    case("visitationen", HOME_HELP, "Visitationen"),
    # A day centre.
    case("daghjem", DAY_CENTRE, "Boligteamet"),
    case("dagcenter", DAY_CENTRE, "Boligteamet"),
    # Complaints and finding one's way in the system.
    case("klage", SYSTEM, "Borgerrådgiver"),
    case("jeg vil klage over en afgørelse", SYSTEM, "Borgerrådgiver"),
    case("klagesag", SYSTEM, "Borgerrådgiver"),
    case("utilfreds med kommunen", SYSTEM, "Borgerrådgiver"),
    case("borgerrådgiver", SYSTEM, "Borgerrådgiver"),
    case("borgerraadgiver", SYSTEM, "Borgerrådgiver"),  # å written as aa
    case("hvem kan hjælpe med min sag", SYSTEM, "Borgerrådgiver"),
    case("jeg forstår ikke systemet", SYSTEM, "Borgerrådgiver"),
    # Health, and early help.
    case("rådgivning om sundhed", HEALTH, "Sundhedscentret"),
    case("raadgivning om sundhed", HEALTH, "Sundhedscentret"),
    case(unicodedata.normalize("NFD", "rådgivning om sundhed"), HEALTH),  # å as a + combining ring
    case("Sundhedscentret", HEALTH, "Sundhedscentret"),
    case("psykisk sårbar", EARLY_HELP, "Broen"),
    case("PSYKISK SÅRBARHED", EARLY_HELP, "Broen"),
    case("social udsathed", EARLY_HELP, "Broen"),
]

NOTHING = [
    "fodbold",
    "bilforsikring",
    "pizza med ost",
    "jeg har brug for hjælp",  # only words every situation shares: better nothing than everything
    "hvem kan jeg kontakte",
    "og i at",
    "",
    "   ",
    "?!",
]
# fmt: on


@dataclass
class Directory:
    index: Index
    texts: dict[int, str]
    contacts: dict[int, list[str]]
    in_memory: Index  # the same directory in contacts.search's in-memory Index: the reference

    def search(self, query: str) -> list[str]:
        return [self.texts[key] for key, _score in self.index.search(query)]


@pytest.fixture(scope="module")
def hvidovre_directory(django_db_setup, django_db_blocker):
    """Hvidovre's directory from its fixture, indexed in the database as every save indexes it; rolled back after."""
    from django.db import connection, transaction

    from contacts.directory import needs_with_situations
    from contacts.directory_fixtures import DIRECTORY_FIXTURE_DIR, load_directory
    from contacts.search_index import StoredIndex, weighted_texts
    from portal.policy_fixtures import POLICY_FIXTURE_DIR, load_policy

    with django_db_blocker.unblock(), transaction.atomic():
        name = str(connection.settings_dict["NAME"])
        assert "memory" in name or name.startswith("test_"), f"not a test database: {name}"
        municipality = load_policy(POLICY_FIXTURE_DIR / "hvidovre.json").municipality
        assert load_directory(DIRECTORY_FIXTURE_DIR / "hvidovre.json")
        needs = needs_with_situations(municipality)
        situations = [situation for need in needs for situation in need.situations.all()]
        directory = Directory(
            index=StoredIndex(municipality.pk),
            texts={situation.pk: situation.text for situation in situations},
            contacts={
                situation.pk: [link.contact_point.name for link in situation.contacts.all()] for situation in situations
            },
            in_memory=Index(
                [
                    build_entry(situation.pk, weighted_texts(situation, list(situation.contacts.all())))
                    for situation in situations
                ]
            ),
        )
        assert len(directory.texts) == 8
        yield directory
        transaction.set_rollback(True)


def test_the_table_names_each_of_hvidovres_situations(hvidovre_directory):
    expected = {HOME_HELP, MOVE, TRAINING, COORDINATOR, HEALTH, DAY_CENTRE, EARLY_HELP, SYSTEM}
    for beginning in expected:
        assert sum(text.startswith(beginning) for text in hvidovre_directory.texts.values()) == 1, beginning
    assert {param.values[0].first for param in QUERIES} == expected
    assert len(QUERIES) >= 30


@pytest.mark.parametrize("query", QUERIES)
def test_what_a_relative_types_finds_the_right_situation_first(hvidovre_directory, query: Case):
    keys = [key for key, _score in hvidovre_directory.index.search(query.query)]
    assert keys, f"{query.query!r} found nothing"
    first_text = hvidovre_directory.texts[keys[0]]
    ranked = "\n".join(f"  {hvidovre_directory.texts[key][:70]}" for key in keys)
    assert first_text.startswith(query.first), f"{query.query!r} put first:\n{ranked}"
    if query.contact:
        assert query.contact in hvidovre_directory.contacts[keys[0]], hvidovre_directory.contacts[keys[0]]


@pytest.mark.parametrize("query", NOTHING)
def test_a_query_about_something_else_finds_nothing(hvidovre_directory, query):
    assert hvidovre_directory.search(query) == []


@pytest.mark.parametrize("query", [param.values[0].query for param in QUERIES] + NOTHING + ["klare", "klarre"])
def test_the_index_in_the_database_finds_what_the_in_memory_index_finds(hvidovre_directory, query):
    assert hvidovre_directory.index.search(query) == hvidovre_directory.in_memory.search(query)


def test_klage_does_not_find_klare_and_klare_does_not_find_klage(hvidovre_directory):
    complaints = hvidovre_directory.search("klage")
    assert complaints[0].startswith(SYSTEM)
    assert not any(text.startswith((HOME_HELP, MOVE)) for text in complaints)
    coping = hvidovre_directory.search("klare")
    assert {text[:40] for text in coping} == {HOME_HELP[:40], MOVE[:40]}


def test_equal_scores_keep_the_directorys_order(hvidovre_directory):
    # Both situations say "klare sig selv"; the need "Akutte behov" lists help at home first.
    assert [text[:40] for text in hvidovre_directory.search("klare sig selv")] == [HOME_HELP[:40], MOVE[:40]]


def test_results_are_best_first_and_weak_ones_are_left_out(hvidovre_directory):
    results = hvidovre_directory.index.search("plejehjem")
    scores = [score for _key, score in results]
    assert scores == sorted(scores, reverse=True)
    assert min(scores) >= RELATIVE_CUTOFF * max(scores)
    assert hvidovre_directory.texts[results[0][0]].startswith(MOVE) and hvidovre_directory.texts[
        results[1][0]
    ].startswith(DAY_CENTRE)


def test_an_exact_word_scores_higher_than_a_typo_of_it(hvidovre_directory):
    exact = hvidovre_directory.index.search("genoptræning")[0]
    typo = hvidovre_directory.index.search("genoptrænig")[0]
    assert exact[0] == typo[0] and exact[1] > typo[1]


# --- the pieces -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Pårørende", "paaroerende"),
        ("ÆLDREBOLIG", "aeldrebolig"),
        ("Kørestol", "koerestol"),
        ("hjälpemidler", "hjaelpemidler"),  # German or Swedish ä and ö: the Danish æ and ø
        ("Körestol", "koerestol"),
        ("café crème", "cafe creme"),  # other accents are dropped
        (unicodedata.normalize("NFD", "rådgivning"), "raadgivning"),  # a decomposed å is an å
        ("paaroerende", "paaroerende"),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_words_leave_out_stop_words_single_letters_and_every_form_of_the_shared_words():
    assert words("Min mor kan ikke klare sig selv, 2 x om ugen") == ["mor", "klare", "ugen"]
    assert words("Hvem kan hjælpe borgerne? Jeg ringer og kontakten har behovet") == []
    assert words("hjælpemidler, hjemmehjælp og borgerrådgiver") == ["hjaelpemidler", "hjemmehjaelp", "borgerraadgiver"]


@pytest.mark.parametrize(
    "forms",
    [
        ["plejehjem", "plejehjemmet", "plejehjemmets"],
        ["genoptræning", "genoptræningen", "GENOPTRÆNING", "genoptraening"],
        ["pårørende", "pårørendes", "paaroerende", "Pårørende"],
        ["kræft", "kræften", "kraeft"],
        ["blodprop", "blodproppen"],
        ["rollator", "rollatoren"],
        ["klage", "klagen", "klager"],
    ],
)
def test_terms_give_the_forms_of_a_word_one_stem(forms):
    assert len({tuple(terms(form)) for form in forms}) == 1, {form: terms(form) for form in forms}


def test_terms_keep_different_words_apart():
    assert terms("klage") != terms("klare")
    assert terms("plejehjem") != terms("plejecenter")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("demens", "demens", True),
        ("demens", "demenns", True),  # one letter inserted
        ("demens", "demns", True),  # one deleted
        ("demens", "demnes", True),  # two neighbours swapped
        ("demens", "dememz", False),  # two replaced
        ("demens", "demons", True),  # one replaced
        ("dmens", "demens", True),  # either order
        ("demens", "dmenes", False),  # two edits
        ("demens", "demensko", False),  # two letters longer
        ("ab", "ba", True),
        ("", "a", True),
        ("", "ab", False),
        ("klage", "klare", True),  # one letter: which is why the index guards it, below
    ],
)
def test_within_one_edit(a, b, expected):
    assert within_one_edit(a, b) is expected
    assert within_one_edit(b, a) is expected


def test_typo_strength():
    assert typo_strength("rolator", "rollator") > 0
    assert typo_strength("hjemmehjlp", "hjemmehjaelp") > 0  # æ counts as one letter, not the two of "ae"
    assert typo_strength("demnes", "demenskoordinator") > 0  # in the first part of a compound
    assert typo_strength("dme", "dem") == 0  # too short to guess at
    assert typo_strength("fodbold", "forbedring") == 0
    assert as_letters("paaroerende") == "pårørende"


def test_klage_is_a_word_the_search_knows_so_it_is_never_read_as_a_typo_of_klare():
    # A directory with "klare" and nothing about complaints: "klage" must find nothing, not "klare".
    index = Index([build_entry(1, [(3.0, "Min mor kan ikke klare sig selv")])])
    assert is_known("klage") and is_known("klager")
    assert index.search("klage") == []
    assert index.search("klager over afgørelsen") == []
    assert [key for key, _score in index.search("klare")] == [1]
    assert [key for key, _score in index.search("klarre")] == [1]  # an unknown word may be a typo of "klare"


def test_only_longer_words_are_read_as_a_misspelt_known_word():
    index = Index([build_entry(1, [(3.0, "Kontakt Borgerrådgiver")]), build_entry(2, [(3.0, "Hjælpemidler")])])
    assert len("klgae") < KNOWN_TYPO_LENGTH and index.search("klgae") == []
    assert [key for key, _score in index.search("rolator")] == [2]


def test_synonyms_find_a_situation_written_with_the_other_word():
    index = Index(
        [
            build_entry(1, [(3.0, "Min far skal udskrives fra sygehuset")]),
            build_entry(2, [(3.0, "Min mor skal på plejecenter")]),
            build_entry(3, [(3.0, "Vi har brug for aflastning")]),
        ]
    )
    assert [key for key, _score in index.search("hospitalet")] == [1]
    assert [key for key, _score in index.search("hospital")] == [1]
    assert [key for key, _score in index.search("plejehjem")] == [2]
    assert [key for key, _score in index.search("pause")] == [3]
    assert index.search("fodbold") == []


def test_a_compound_is_about_its_first_part_when_the_search_knows_it():
    assert alternatives("plejehjemsplads")["plejehjem"] < 1.0
    assert alternatives("plejehjemsplads")[stem("plejebolig")] > 0
    assert stem("plejebolig") not in alternatives("plejer")  # "pleje" alone is no known word
    # The stem of "demens" is too short to be a compound's first part, the word is not: "demensramt".
    assert alternatives("demensramt")[stem("demenskoordinator")] > 0


def test_an_entry_must_match_at_least_half_of_the_query_words_the_directory_knows():
    index = Index([build_entry(1, [(3.0, "demens")]), build_entry(2, [(3.0, "demens og kræft")])])
    assert [key for key, _score in index.search("demens kræft")] == [2, 1]
    index = Index([build_entry(1, [(3.0, "demens")]), build_entry(2, [(3.0, "kræft genoptræning")])])
    assert [key for key, _score in index.search("demens kræft genoptræning")] == [2]


def test_equal_scores_keep_the_order_of_the_entries_not_of_their_keys():
    index = Index([build_entry(9, [(3.0, "demens")]), build_entry(2, [(3.0, "demens")])])
    assert [key for key, _score in index.search("demens")] == [9, 2]


def test_field_weights_count():
    index = Index([build_entry(1, [(1.0, "demens")]), build_entry(2, [(3.0, "demens")])])
    assert [key for key, _score in index.search("demens")] == [2]  # 1.0 is less than half of 3.0


def test_stem_is_the_snowball_stem_of_the_folded_word():
    assert stem("plejehjemmet") == "plejehjem"
