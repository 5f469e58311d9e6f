"""Reading a municipality's directory: the public reads of the directory's pages and exports, named.

Every function here reads one municipality's published directory (all of it is public), so no view
filters a model itself, and an id of another municipality's row answers 404 like a missing one.
"""

from datetime import datetime

from django.db.models import Prefetch, QuerySet

from portal.models import Municipality

from .models import ContactPoint, Need, Offer, Situation, SituationContact
from .search import Index, build_entry

# Weights of the fields a situation is found by.
SITUATION_TEXT, KEYWORDS, ASK_ABOUT, CONTACT_NAME, NEED_NAME, NOTE = 3.0, 3.0, 3.0, 2.0, 1.0, 1.0


def needs_with_situations(municipality: Municipality) -> list[Need]:
    """The municipality's needs, each with its situations and their contact points: three queries."""
    contacts = SituationContact.objects.select_related("contact_point").order_by("order", "pk")
    situations = Situation.objects.order_by("order", "pk").prefetch_related(Prefetch("contacts", queryset=contacts))
    return list(
        Need.objects.filter(municipality=municipality)
        .order_by("order", "pk")
        .prefetch_related(Prefetch("situations", queryset=situations))
    )


def situations(municipality: Municipality) -> QuerySet[Situation]:
    """The municipality's situations, each with its need."""
    return Situation.objects.select_related("need").filter(need__municipality=municipality)


def contacts_of(situation: Situation) -> QuerySet[SituationContact]:
    """The contact points of a situation, with what to ask each about, in order."""
    return SituationContact.objects.filter(situation=situation).select_related("contact_point")


def contact_points(municipality: Municipality) -> QuerySet[ContactPoint]:
    """The municipality's contact points (each knows its municipality, for its address)."""
    return municipality.contact_points.all()


def situations_of(contact: ContactPoint) -> QuerySet[Situation]:
    """The situations a contact point is named in, in the directory's order."""
    return Situation.objects.filter(contact_points=contact).order_by("need__order", "order", "pk")


def offers(municipality: Municipality) -> QuerySet[Offer]:
    """What the municipality offers relatives themselves, each with its contact point, in order."""
    return Offer.objects.filter(municipality=municipality).select_related("contact_point")


def search(municipality: Municipality, needs: list[Need], text: str) -> list[Situation]:
    """The situations of `needs` (as loaded by needs_with_situations) that match `text`, best first."""
    by_key = {situation.pk: situation for need in needs for situation in need.situations.all()}
    return [by_key[key] for key, _score in search_index(municipality, needs).search(text)]


_indexes: dict[int, tuple[datetime, Index]] = {}


def search_index(municipality: Municipality, needs: list[Need]) -> Index:
    """The search index of the directory as loaded in `needs`, built once per version of the content."""
    cached = _indexes.get(municipality.pk)
    if cached and cached[0] == municipality.content_changed_at:
        return cached[1]
    entries = []
    for need in needs:
        for situation in need.situations.all():
            links = list(situation.contacts.all())
            entries.append(
                build_entry(
                    situation.pk,
                    [
                        (SITUATION_TEXT, situation.text),
                        (KEYWORDS, situation.keywords),
                        (ASK_ABOUT, " ".join(link.ask_about for link in links)),
                        (CONTACT_NAME, " ".join(link.contact_point.name for link in links)),
                        (NEED_NAME, need.name),
                        (NOTE, situation.note),
                    ],
                )
            )
    index = Index(entries)
    _indexes[municipality.pk] = (municipality.content_changed_at, index)
    return index
