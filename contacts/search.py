"""Search in the directory that understands Danish: word forms, case, accents, a small typo, synonyms.

How a query word matches a word of the directory is decided here, in Python, so the results are the same on
SQLite and PostgreSQL. `Index` holds a small directory in memory (the tests' examples) and ranks in Python;
the directory pages use `contacts.search_index.StoredIndex`, the same matching over the vocabulary kept in the
database and the same ranking computed by the database (`Index.ranked`), which reads only the words a query
can match and returns only the best situations, so a search costs about the same in a directory of 100 or
10,000 situations. Scores are rounded to SCORE_DIGITS, so both add up to the same figures.

Pipeline for a text: lower-case → fold accents and æ/ø/å (and the German/Swedish ä/ö) to ASCII (so
"paaroerende" finds "pårørende") → split into words → drop stop words → Danish Snowball stem.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

_stemmer = snowballstemmer.stemmer("danish")

# Snowball's Danish stop-word list, folded like the indexed text; "kan" and the question words, which the list
# lacks ("hvem kan hjælpe …"); and words that nearly every situation in a directory shares ("borgeren har brug
# for hjælp", "pårørende" in a portal for relatives), which would otherwise match everything.
STOP_WORD_TEXT = """
    og i jeg det at en den til er som paa de med han af for ikke der var mig sig men et har om vi min havde
    ham hun nu over da fra du ud sin dem os op man hans hvor eller hvad skal selv her alle vil blev kunne
    ind naar vaere dog noget ville jo deres efter ned skulle denne end dette mit ogsaa under have dig anden
    hende mine alt meget sit sine vor mod disse hvis din nogle hos blive mange ad bliver hendes vaeret thi
    jer saadan kan hvem hvordan hvornaar hvorfor hvilken hvilket hvilke
    borgeren borger hjaelp brug behov kontakt kontakte paaroerende"""
STOP_WORDS = frozenset(STOP_WORD_TEXT.split())
# The shared words in every form: "hjælpe", "behovet", "kontakten", "borgerne", "ringer" (see `words`).
SHARED_WORDS = "borger hjaelp brug behov kontakt ringe paaroerende"

# Words people use for the same thing, with how close they are: a query word from a group also finds
# the others, counting that much. Kept small and general; editors add words per situation.
SYNONYM_GROUPS = [
    (0.9, "plejehjem plejebolig plejeboliger aeldrebolig"),
    (0.8, "plejehjem plejecenter"),
    (0.9, "hjemmehjaelp hjemmepleje"),
    (0.9, "hospital sygehus indlaeggelse udskrivelse"),
    (0.9, "genoptraening traening rehabilitering"),
    (0.9, "demens dement demenskoordinator alzheimer glemsom glemme hukommelse"),
    (0.9, "kraeft cancer kraeftkoordinator"),
    (0.9, "hjerneskade hjerneskadekoordinator apopleksi blodprop"),
    (0.9, "aflastning aflastningsplads pusterum pause"),
    (0.9, "klage klager borgerraadgiver utilfreds"),
    (0.9, "daghjem dagcenter daghjemstilbud"),
    (0.9, "bofaellesskab botilbud"),
    (0.9, "misbrug alkohol stoffer"),
    (0.8, "psykisk psykiatri sindslidelse"),
    (0.9, "hjaelpemidler hjaelpemiddel rollator koerestol"),
    # A relative's own strain, in their words: what helps is a break, a group, someone to talk to.
    (0.8, "udkoert udbraendt overbelastet stresset aflastning afloesning"),
    (0.9, "paaroerendegruppe samtalegruppe selvhjaelpsgruppe faellesskab faellesskaber netvaerk"),
    (0.9, "paaroerenderaad brugerraad"),
    (0.8, "psykisk psykiatri psykiatrisk depression depressiv angst"),
    (0.9, "psykiatri psykiatrisk depression depressiv angst saarbar saarbarhed"),
    (0.6, "misbrug udsathed"),
    (0.9, "bpa borgerstyret"),
    (0.6, "tavshedspligt vejledning"),
    (0.8, "ensom ensomhed alene"),
    # English words for the Danish entries (the portal's English pages, and visitors who think in English).
    (0.9, "dementia alzheimers demens"),
    (0.9, "cancer kraeft"),
    (0.9, "stroke apopleksi hjerneskade"),
    (0.8, "brain hjerneskade"),
    (0.9, "respite aflastning"),
    (0.9, "relief afloesning"),
    (0.9, "rehabilitation genoptraening"),
    (0.8, "physiotherapy genoptraening"),
    (0.9, "complaint complain klage"),
    (0.9, "addiction alcohol misbrug"),
    (0.9, "mental psychiatric psykisk"),
    (0.9, "wheelchair walker hjaelpemidler koerestol rollator"),
    (0.8, "nursing plejehjem"),
    (0.8, "homecare hjemmehjaelp"),
    (0.9, "counselling counseling raadgivning"),
    (0.9, "coordinator koordinator"),
    (0.9, "housing bolig"),
    (0.9, "confidentiality tavshedspligt"),
    (0.9, "lonely ensom"),
]
# Phrases a relative writes whose words each say little: each is read as the words after it as well.
PHRASES = {
    "kan ikke mere": "udkoert",
    "orker ikke mere": "udkoert",
    "kan ikke klare mere": "udkoert",
    "day centre": "daghjem",
    "day center": "daghjem",
    "home care": "hjemmehjaelp",
    "nursing home": "plejehjem",
    "support group": "paaroerendegruppe",
}


def fold(text: str) -> str:
    text = unicodedata.normalize("NFC", text)  # "å" typed as "a" + a combining ring is "å" too
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = text.replace("ä", "ae").replace("ö", "oe")  # a German or Swedish keyboard's æ and ø
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=20_000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


_SHARED_STEMS = frozenset(stem(word) for word in SHARED_WORDS.split())


def words(text: str) -> list[str]:
    """The folded words of a text that carry meaning (no stop words in any form, no single letters)."""
    return [
        word
        for word in re.findall(r"[a-z0-9]+", fold(text))
        if word not in STOP_WORDS and len(word) > 1 and stem(word) not in _SHARED_STEMS
    ]


def query_words(text: str) -> list[str]:
    """The words a query is searched by: its own, and those of the phrases it holds ("kan ikke mere")."""
    folded = " ".join(re.findall(r"[a-z0-9]+", fold(text)))
    extra = " ".join(meaning for phrase, meaning in PHRASES.items() if f" {phrase} " in f" {folded} ")
    return words(f"{text} {extra}")


def terms(text: str) -> list[str]:
    """The stems a text is searched by."""
    return [stem(word) for word in words(text)]


_SYNONYMS: dict[str, dict[str, float]] = {}
for _strength, _group in SYNONYM_GROUPS:
    _stems = {stem(word) for word in _group.split()}
    for _stem in _stems:
        for _other in _stems - {_stem}:
            known = _SYNONYMS.setdefault(_stem, {})
            known[_other] = max(known.get(_other, 0.0), _strength)
# The words of the groups: the words whose meaning the search knows, also when one letter is wrong.
_SYNONYM_WORDS = frozenset(word for _strength, group in SYNONYM_GROUPS for word in group.split())
# A compound whose first part is one of these words or stems ("plejehjemsplads", "genoptræningsplan",
# "demensramt") is about that part: each with the stem whose synonyms it brings.
_COMPOUND_HEADS = {
    **{known: known for known in _SYNONYMS if len(known) >= 5},
    **{word: stem(word) for word in _SYNONYM_WORDS if len(word) >= 5},
}
COMPOUND_HEAD = 0.8
# Only words this long are read as a misspelt known word: in shorter ones a letter changes the word ("klare").
KNOWN_TYPO_LENGTH = 6


def alternatives(query_word: str) -> dict[str, float]:
    """The query word, its stem and their synonyms (also those of a compound's first part), with how close each is."""
    query_stem = stem(query_word)
    found = {query_stem: 1.0, query_word: 1.0}
    heads = [(query_stem, 1.0)] + [
        (head_stem, COMPOUND_HEAD)
        for head, head_stem in _COMPOUND_HEADS.items()
        if head_stem != query_stem and head != query_word and query_word.startswith(head)
    ]
    for head, factor in heads:
        for alternative, strength in [(head, 1.0), *_SYNONYMS.get(head, {}).items()]:
            found[alternative] = max(found.get(alternative, 0.0), strength * factor)
    return found


def is_known(query_word: str) -> bool:
    """Whether the search knows what the word means, so never reads it as a typo of another: "klage"."""
    return query_word in _SYNONYM_WORDS or stem(query_word) in _SYNONYMS


@lru_cache(maxsize=20_000)
def as_letters(word: str) -> str:
    """A folded word with æ, ø, å as one letter again, so that a missing "æ" is one letter wrong, not two."""
    return word.replace("ae", "æ").replace("oe", "ø").replace("aa", "å")


def within_one_edit(a: str, b: str) -> bool:
    """True when a and b differ by at most one inserted, deleted, replaced or swapped letter."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        rest_a, rest_b = a[i + 1 :], b[i + 1 :]
        swapped = i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
        return rest_a == rest_b or swapped
    return a[i:] == b[i + 1 :]


def match_strength(query_term: str, document_term: str) -> float:
    """How well one query word or stem matches one of an entry's: 1 exact, less for a prefix or a compound part."""
    if query_term == document_term:
        return 1.0
    if len(query_term) >= 3 and document_term.startswith(query_term):
        return 0.8
    if len(query_term) >= 5 and query_term in document_term:  # a part of a compound: "koordinator"
        return 0.7
    return 0.0


TYPO = 0.6  # a whole word with one letter wrong


def typo_strength(query_term: str, document_term: str) -> float:
    """A match with one letter wrong, missing, extra or swapped, also in the first part of a compound."""
    if len(query_term) < 4:
        return 0.0
    if len(document_term) >= 4 and (
        within_one_edit(query_term, document_term) or within_one_edit(as_letters(query_term), as_letters(document_term))
    ):
        return TYPO
    if (
        len(query_term) >= 5
        and any(  # "demnes" in "demenskoordinator"
            within_one_edit(query_term, document_term[:length])
            for length in (len(query_term) - 1, len(query_term), len(query_term) + 1)
        )
    ):
        return 0.5
    return 0.0


@dataclass
class Entry:
    """One searchable situation: its stems by field, each field with a weight."""

    key: int
    fields: list[tuple[float, frozenset[str]]] = field(default_factory=list)


RELATIVE_CUTOFF = 0.5  # results scoring less than half of the best one are noise
MAX_QUERY_WORDS = 12  # a search reads the words of a query, not of a pasted letter
# Scores are rounded, so that a sum does not depend on the order it was added up in (the database's order).
SCORE_DIGITS = 9


@dataclass
class Index:
    entries: list[Entry]
    vocabulary: frozenset[str] = frozenset()

    def __post_init__(self):
        self.vocabulary = frozenset(stem for entry in self.entries for _weight, stems in entry.fields for stem in stems)

    def strengths(self, query_word: str) -> dict[str, float]:
        """How well a query word (its stem, the word itself, their synonyms) matches each word of the index.

        Typos are forgiven only for a word that matches nothing as written and whose meaning the search does
        not know: "klage" must not find "klare". A misspelt known word ("alzeimer") counts as that word.
        """
        as_written = alternatives(query_word)
        found = self._best(match_strength, as_written)
        if found or is_known(query_word):
            return found
        found = self._best(typo_strength, as_written)
        for known in _SYNONYM_WORDS:
            if min(len(query_word), len(known)) >= KNOWN_TYPO_LENGTH and typo_strength(query_word, known) == TYPO:
                corrected = {term: factor * TYPO for term, factor in alternatives(known).items()}
                for document_term, strength in self._best(match_strength, corrected).items():
                    found[document_term] = max(found.get(document_term, 0.0), strength)
        return found

    def candidates(self, terms: Iterable[str], *, typos: bool) -> Iterable[str]:
        """The words of the index that may match one of `terms` as written (or, with `typos`, with a typo)."""
        return self.vocabulary

    def entries_for(self, terms: set[str]) -> list[Entry]:
        """The entries that hold one of `terms`, in the index's order."""
        return self.entries

    def _best(self, measure, weighted: dict[str, float]) -> dict[str, float]:
        """Each word of the index with its best `measure` against the weighted query alternatives."""
        found: dict[str, float] = {}
        candidates = list(self.candidates(weighted, typos=measure is typo_strength))
        for alternative, factor in weighted.items():
            for document_term in candidates:
                strength = measure(alternative, document_term) * factor
                if strength > found.get(document_term, 0.0):
                    found[document_term] = strength
        return found

    def search(self, text: str, limit: int = 20) -> list[tuple[int, float]]:
        """Keys of the matching entries, best first (equal scores in the order of `entries`), with their scores.

        Each query word adds its best match in the entry (weighted by the field it is found in); an entry
        must match at least half of the query's words that occur in the directory at all.
        """
        per_term = self._per_term(text)
        if not per_term:
            return []
        found = self.ranked(per_term, limit)
        if not found:
            return []
        best = found[0][1]
        return [(key, score) for key, score in found if score >= RELATIVE_CUTOFF * best]

    def prepare(self, query: list[str]) -> None:
        """Before the query's words are matched one by one (an index in the database reads its words at once)."""

    def ranked(self, per_term: list[dict[str, float]], limit: int) -> list[tuple[int, float]]:
        """The best `limit` entries that match at least half of `per_term` (each query word's strength per word of
        the index), with their scores (rounded to SCORE_DIGITS), best first; equal scores in the index's order."""
        found = []
        for position, entry in enumerate(self.entries_for({term for strengths in per_term for term in strengths})):
            total, matched = _score(entry, per_term)
            if matched * 2 >= len(per_term) and total > 0:
                found.append((position, entry.key, round(total, SCORE_DIGITS)))
        # Equal scores keep the directory's own order (needs, then situations, as the editors arranged them).
        found.sort(key=lambda found_entry: (-found_entry[2], found_entry[0]))
        return [(key, score) for _position, key, score in found[:limit]]

    def _per_term(self, text: str) -> list[dict[str, float]]:
        """For each query word that matches something, how well it matches each word of the index."""
        query = list(dict.fromkeys(query_words(text)))[:MAX_QUERY_WORDS]
        if not query:
            return []
        self.prepare(query)
        # Words that match nothing anywhere ("min mor …") neither help nor count against an entry.
        return [strengths for strengths in map(self.strengths, query) if strengths]

    def scores(self, text: str) -> dict[int, float]:
        """Every entry's score for `text`, however weak (for ordering within a result, not for finding)."""
        per_term = self._per_term(text)
        if not per_term:
            return {}
        entries = self.entries_for({term for strengths in per_term for term in strengths})
        return {entry.key: _score(entry, per_term)[0] for entry in entries}


def _score(entry: Entry, per_term: list[dict[str, float]]) -> tuple[float, int]:
    """An entry's score (each query word's best match in it, weighted by its field) and how many words matched."""
    total = 0.0
    matched = 0
    for strengths in per_term:
        best = max(
            (weight * strengths.get(stem, 0.0) for weight, stems in entry.fields for stem in stems),
            default=0.0,
        )
        total += best
        matched += best > 0
    return total, matched


def ranked(text: str, entries: list[Entry]) -> list[int]:
    """The keys of `entries`, those that match `text` best first, the rest in their own order after them."""
    scores = Index(entries).scores(text)
    order = {entry.key: position for position, entry in enumerate(entries)}
    return sorted(order, key=lambda key: (-scores.get(key, 0.0), order[key]))


def build_entry(key: int, weighted_texts: list[tuple[float, str]]) -> Entry:
    """An entry found by the stems and by the whole words of its texts (whole words catch typos better)."""
    return Entry(
        key, [(weight, frozenset(words(text)) | frozenset(terms(text))) for weight, text in weighted_texts if text]
    )
