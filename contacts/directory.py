"""Reading a municipality's directory: the public reads of the directory's pages and exports, named.

Every function here reads one municipality's published directory (all of it is public), so no view
filters a model itself, and an id of another municipality's row answers 404 like a missing one.
"""

from django.db.models import Prefetch, QuerySet

from portal.models import Municipality

from .models import ContactPoint, Need, Offer, Situation, SituationContact
from .search_index import StoredIndex


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


def search(municipality: Municipality, text: str) -> list[Situation]:
    """The municipality's situations that match `text`, best first, each with its contact points.

    Through the index in the database (contacts.search_index): the cost depends on what the words match,
    not on the size of the directory, and no worker keeps a copy of it.
    """
    keys = [key for key, _score in StoredIndex(municipality.pk).search(text)]
    if not keys:
        return []
    contacts = SituationContact.objects.select_related("contact_point").order_by("order", "pk")
    found = (
        situations(municipality).filter(pk__in=keys).prefetch_related(Prefetch("contacts", queryset=contacts)).in_bulk()
    )
    return [found[key] for key in keys if key in found]
