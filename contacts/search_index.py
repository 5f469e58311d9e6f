"""The directory's search index in the database: no worker holds a copy, and a search reads only what it can match.

Two tables (contacts.models): `SearchWord`, the municipality's vocabulary (each folded word and its Danish
Snowball stem, as contacts.search makes them), and `SearchTerm`, which situation holds which word, with the
weight of the field it is in. `index_situations` rewrites a situation's rows whenever it, its need or its
contact points change (contacts.signals), in the same transaction as the change.

A query word is matched against the vocabulary through the database's own text index: every word that
contains one of the query's alternatives (a prefix or a part of a compound) or, for a typo, one of its
trigrams. PostgreSQL answers that from a GIN pg_trgm index, SQLite from an FTS5 trigram table; both find the
same words, and contacts.search scores them the same way, so the results are the same on both databases.
A search reads the words for all its query words in one query, and ranks the situations in a second one
(`StoredIndex.ranked`: grouped by situation in the database, only the best 20 read), so a word found in
thousands of situations costs no more Python than a rare one.
"""

from collections import defaultdict
from collections.abc import Iterable
from functools import reduce
from operator import add, or_

from django.apps import apps as django_apps
from django.db import connection
from django.db.models import Case, F, FloatField, Max, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Round

from .search import SCORE_DIGITS, Index, alternatives, is_known, terms, words

# Weights of the fields a situation is found by.
SITUATION_TEXT, KEYWORDS, ASK_ABOUT, CONTACT_NAME, NEED_NAME, NOTE = 3.0, 3.0, 3.0, 2.0, 1.0, 1.0
BATCH = 500
MIN_NEEDLE = 3  # a trigram index finds a part of a word from three letters on


def weighted_texts(situation, links) -> list[tuple[float, str]]:
    """The texts a situation is found by, each with its weight (`links`: its SituationContacts with contact points)."""
    return [
        (SITUATION_TEXT, situation.text),
        (KEYWORDS, situation.keywords),
        (ASK_ABOUT, " ".join(link.ask_about for link in links)),
        (CONTACT_NAME, " ".join(link.contact_point.name for link in links)),
        (NEED_NAME, situation.need.name),
        (NOTE, situation.note),
    ]


def situation_terms(situation, links) -> dict[str, float]:
    """Each word a situation is found by (whole words catch typos better, stems word forms), with its best weight."""
    found: dict[str, float] = {}
    for weight, text in weighted_texts(situation, links):
        for term in [*words(text), *terms(text)] if text else []:
            found[term] = max(found.get(term, 0.0), weight)
    return found


def index_situations(situation_ids: Iterable[int], *, models=django_apps) -> None:
    """Rewrite the index rows of these situations (ids of deleted ones are skipped); `models` for a migration."""
    situation_model = models.get_model("contacts", "Situation")
    link_model = models.get_model("contacts", "SituationContact")
    word_model = models.get_model("contacts", "SearchWord")
    term_model = models.get_model("contacts", "SearchTerm")
    ids = list(dict.fromkeys(situation_ids))
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        links = defaultdict(list)
        for link in (
            link_model.objects.filter(situation_id__in=batch).select_related("contact_point").order_by("order", "pk")
        ):
            links[link.situation_id].append(link)
        wanted = {
            (situation.pk, situation.need.municipality_id): situation_terms(situation, links[situation.pk])
            for situation in situation_model.objects.filter(pk__in=batch).select_related("need").order_by()
        }
        old_words = set(term_model.objects.filter(situation_id__in=batch).values_list("word_id", flat=True))
        term_model.objects.filter(situation_id__in=batch).delete()
        vocabulary = {(municipality, term) for (_pk, municipality), found in wanted.items() for term in found}
        word_model.objects.bulk_create(
            [word_model(municipality_id=municipality, term=term) for municipality, term in vocabulary],
            ignore_conflicts=True,
        )
        word_ids = {}
        for municipality in {municipality for municipality, _term in vocabulary}:
            mine = [term for owner, term in vocabulary if owner == municipality]
            for chunk in range(0, len(mine), BATCH):
                rows = word_model.objects.filter(municipality_id=municipality, term__in=mine[chunk : chunk + BATCH])
                word_ids.update({(municipality, term): pk for pk, term in rows.values_list("pk", "term")})
        _insert_terms(
            term_model,
            [
                (pk, word_ids[municipality, term], weight)
                for (pk, municipality), found in wanted.items()
                for term, weight in found.items()
            ],
        )
        # A word no situation holds any longer leaves the vocabulary: it would match a query and find nothing.
        word_model.objects.filter(pk__in=old_words - set(word_ids.values()), postings__isnull=True).delete()


def _insert_terms(term_model, rows: list[tuple[int, int, float]]) -> None:
    """Insert (situation id, word id, weight) rows as plain values: an import of 10,000 rows writes some 50,000
    of them, and a model instance each (bulk_create) cost most of the import's time."""
    meta = term_model._meta
    columns = ", ".join(
        connection.ops.quote_name(meta.get_field(name).column) for name in ("situation", "word", "weight")
    )
    sql = f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) VALUES (%s, %s, %s)"  # noqa: S608 (names from the model)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH * 10):
            cursor.executemany(sql, rows[start : start + BATCH * 10])


def vocabulary_containing(municipality_id: int, needles: set[str], exact: set[str]) -> set[str]:
    """The municipality's words that contain one of `needles` (three letters or more) or equal one of `exact`."""
    from .models import SearchWord

    if not needles and not exact:
        return set()
    mine = SearchWord.objects.filter(municipality_id=municipality_id)
    wanted = Q(term__in=exact) if exact else Q(pk__in=[])
    if needles and connection.vendor == "sqlite":
        match = " OR ".join('"{}"'.format(needle.replace('"', '""')) for needle in sorted(needles))
        wanted |= Q(
            pk__in=RawSQL("SELECT rowid FROM contacts_searchword_fts WHERE contacts_searchword_fts MATCH %s", [match])
        )
    elif needles:  # PostgreSQL: LIKE '%needle%' through the GIN pg_trgm index
        wanted |= reduce(or_, (Q(term__contains=needle) for needle in needles))
    return set(mine.filter(wanted).values_list("term", flat=True))


def needles_of(terms: Iterable[str], *, typos: bool) -> tuple[set[str], set[str]]:
    """(needles, exact words) that find the vocabulary's words that may match `terms`: as written, a word containing
    a term (three letters or more) or equal to a shorter one; with `typos`, a word sharing a run of three letters."""
    terms = set(terms)
    if typos:  # a word with one letter wrong still shares a run of three letters with it (from 6 letters on, always)
        return {term[i : i + MIN_NEEDLE] for term in terms if len(term) >= 4 for i in range(len(term) - 2)}, set()
    return {term for term in terms if len(term) >= MIN_NEEDLE}, {term for term in terms if len(term) < MIN_NEEDLE}


class StoredIndex(Index):
    """contacts.search's scoring over the municipality's index in the database, reading only what a query matches.

    A search reads the vocabulary words all its words may match in one query (`prepare`), and ranks the situations
    in the database (`ranked`): only the best `limit` come back, however many situations a common word is in.
    """

    def __init__(self, municipality_id: int):
        super().__init__(entries=[])
        self.municipality_id = municipality_id
        self.loaded_needles: set[str] = set()
        self.loaded_exact: set[str] = set()
        self.loaded_words: set[str] = set()

    def prepare(self, query: list[str]) -> None:
        as_written = {alternative for word in query for alternative in alternatives(word)}
        needles, exact = needles_of(as_written, typos=False)
        unknown = [alternatives(word) for word in query if not is_known(word)]  # only these are read as typos
        needles |= needles_of({term for found in unknown for term in found}, typos=True)[0]
        self.load(needles, exact)

    def load(self, needles: set[str], exact: set[str]) -> None:
        needles, exact = needles - self.loaded_needles, exact - self.loaded_exact
        if needles or exact:
            self.loaded_words |= vocabulary_containing(self.municipality_id, needles, exact)
            self.loaded_needles |= needles
            self.loaded_exact |= exact

    def candidates(self, terms: Iterable[str], *, typos: bool) -> set[str]:
        needles, exact = needles_of(terms, typos=typos)
        self.load(needles, exact)  # (nothing to read when `prepare` read it already)
        return {word for word in self.loaded_words if word in exact or any(needle in word for needle in needles)}

    def ranked(self, per_term: list[dict[str, float]], limit: int) -> list[tuple[int, float]]:
        """Index.ranked computed by the database, in one query over the postings of the words the query matches:
        per situation, each query word's best weight × strength, added up; only the best `limit` are read."""
        from .models import SearchTerm

        best = {
            f"best_{position}": Coalesce(
                Max(
                    Case(
                        *(
                            When(word__term=term, then=F("weight") * Value(strength))
                            for term, strength in found.items()
                        ),
                        output_field=FloatField(),
                    )
                ),
                Value(0.0),
            )
            for position, found in enumerate(per_term)
        }
        matched = reduce(add, (Case(When(**{f"{name}__gt": 0}, then=1), default=0) for name in best))
        rows = (
            SearchTerm.objects.filter(
                word__municipality_id=self.municipality_id,
                word__term__in={term for found in per_term for term in found},
            )
            .values("situation_id", "situation__need__order", "situation__need_id", "situation__order")
            .annotate(**best)
            .annotate(score=Round(reduce(add, (F(name) for name in best)), SCORE_DIGITS), matched=matched)
            .filter(matched__gte=(len(per_term) + 1) // 2, score__gt=0)
            .order_by("-score", "situation__need__order", "situation__need_id", "situation__order", "situation_id")
            .values_list("situation_id", "score")[:limit]
        )
        return [(situation, float(score)) for situation, score in rows]
