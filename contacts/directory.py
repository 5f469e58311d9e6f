"""Reading a municipality's directory: one place for the queries the directory pages share."""

from datetime import datetime

from django.db.models import Prefetch

from portal.models import Municipality

from .models import Need, Situation, SituationContact
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
