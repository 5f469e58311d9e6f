"""Reading a municipality's directory: the public reads of the directory's pages and exports, named.

Every function here reads one municipality's published directory (all of it is public), so no view
filters a model itself, and an id of another municipality's row answers 404 like a missing one.
"""

from django.db.models import Prefetch, QuerySet

from portal.models import Municipality
from portal.translations import TextState, prefetch_translations

from .models import ContactPoint, Need, Offer, Situation, SituationContact
from .search import Index, build_entry, ranked
from .search_index import ASK_ABOUT, CONTACT_NAME, StoredIndex

# Weights of the fields an offer is found by.
OFFER_NAME, OFFER_KIND, OFFER_FOR_WHOM, OFFER_DESCRIPTION = 3.0, 3.0, 2.0, 1.0


def needs_with_situations(municipality: Municipality, *, with_contacts: bool = True) -> list[Need]:
    """The municipality's needs, each with its situations and (`with_contacts`) their contact points: three queries,
    two without the contact points (the directory's list of situations names none)."""
    situations = Situation.objects.order_by("order", "pk")
    if with_contacts:
        contacts = SituationContact.objects.select_related("contact_point").order_by("order", "pk")
        situations = situations.prefetch_related(Prefetch("contacts", queryset=contacts))
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


def offers(municipality: Municipality, *, kinds=(), for_whom: str = "") -> QuerySet[Offer]:
    """What the municipality offers relatives themselves, each with its contact point, in order.

    `kinds`: only these kinds; `for_whom`: only offers for these relatives, and those for all relatives.
    """
    found = Offer.objects.filter(municipality=municipality).select_related("contact_point")
    if kinds:
        found = found.filter(kind__in=kinds)
    if for_whom:
        found = found.filter(for_whom__in=[for_whom, Offer.ForWhom.ALL])
    return found


MAX_SUGGESTED_OFFERS = 6


def offers_for_advice(municipality: Municipality, advice) -> list[Offer]:
    """The offers that fit a self-check's advice (contacts.rules.advice): its kinds, most fitting first."""
    if not advice.kinds:
        return []
    found = offers(municipality, kinds=advice.kinds, for_whom=advice.for_whom)
    rank = {kind: position for position, kind in enumerate(advice.kinds)}
    # Offers for the close one's illness before those for all relatives, then the advice's order of kinds.
    return sorted(
        found, key=lambda offer: (offer.for_whom == Offer.ForWhom.ALL, rank[offer.kind], offer.order, offer.pk)
    )[:MAX_SUGGESTED_OFFERS]


def coordinators(municipality: Municipality, word: str) -> list[ContactPoint]:
    """The municipality's contact points whose name holds `word` ("demens": Demenskoordinator)."""
    if not word:
        return []
    return list(municipality.contact_points.filter(name__icontains=word))


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
    results = [found[key] for key in keys if key in found]
    for situation in results:
        situation.ranked_contacts = ranked_contacts(situation, text)
    return results


def ranked_contacts(situation: Situation, text: str) -> list[SituationContact]:
    """A situation's contact points, those that match `text` best first ("demens": Demenskoordinator first)."""
    links = list(situation.contacts.all())
    by_key = {link.pk: link for link in links}
    entries = [
        build_entry(link.pk, [(CONTACT_NAME, link.contact_point.name), (ASK_ABOUT, link.ask_about)]) for link in links
    ]
    return [by_key[key] for key in ranked(text, entries)]


def translations(obj, *fields) -> list[str]:
    """The texts of `obj`'s `fields` translated into the reader's language (none in Danish or where missing)."""
    shown = (obj.translated(field) for field in fields)
    return [text for text in shown if text.state not in (TextState.ORIGINAL, TextState.MISSING)]


def search_offers(municipality: Municipality, text: str) -> list[Offer]:
    """The municipality's offers for relatives that match `text`, best first, in Danish and in the reader's
    language (one query, and one for their translations: they are few)."""
    found = list(offers(municipality))
    prefetch_translations(found)
    kinds, for_whom = dict(Offer.Kind.choices), dict(Offer.ForWhom.choices)
    entries = [
        build_entry(
            offer.pk,
            [
                (OFFER_NAME, offer.name),
                (OFFER_KIND, f"{offer.kind} {kinds[offer.kind]}"),  # the label in the active language
                (OFFER_FOR_WHOM, str(for_whom.get(offer.for_whom, "")) if offer.for_whom != Offer.ForWhom.ALL else ""),
                (OFFER_DESCRIPTION, " ".join([offer.description, *translations(offer, "name", "description")])),
            ],
        )
        for offer in found
    ]
    by_key = {offer.pk: offer for offer in found}
    return [by_key[key] for key, _score in Index(entries).search(text)]
