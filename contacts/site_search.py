"""What the municipality's site search (portal.site_search) finds, with the directory's Danish-aware search.

Registered by ContactsConfig.ready(): the policy's pages (published text only, from portal.selectors), the
"Find rundt" situations (through the stored index, contacts.search_index, as the directory page searches them),
and the offers for relatives. The core cannot search with contacts.search itself (it imports no app), so the
pages are searched here, where the Danish-aware search lives.

Pages and offers are few per municipality: each search builds their small in-memory `Index` (contacts.search);
the directory may hold thousands of situations and is searched through the database's index.
"""

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from portal.models import Municipality, TranslatedText
from portal.selectors import searchable_pages
from portal.site_search import SearchHit, SearchProvider
from portal.translations import TextState, prefetch_translations

from . import directory as reads
from .search import Index, alternatives, build_entry, terms, words

TITLE, HEADING, TEXT = 3.0, 2.0, 1.0
EXCERPT_WORDS = 30


def _lang(text) -> str:
    return getattr(text, "lang", "")


def _like(text: str, translated) -> TranslatedText:
    """`text` (a part of `translated`) in the language and state of `translated`."""
    return TranslatedText(text, getattr(translated, "lang", ""), getattr(translated, "state", TextState.ORIGINAL))


def _excerpt(texts: list[str], query: str) -> str:
    """The first of `texts` that holds a word of the query, a form or a synonym of it (else the first text),
    cut to EXCERPT_WORDS words (in the language of the text it is taken from)."""
    wanted = {alternative for word in words(query) for alternative in alternatives(word)}
    chosen = next((text for text in texts if wanted & (set(words(text)) | set(terms(text)))), next(iter(texts), ""))
    return _like(Truncator(" ".join(chosen.split())).words(EXCERPT_WORDS), chosen)


def _section_texts(section) -> list[TranslatedText]:
    """The section's heading, its paragraphs and its list items, each on its own, to take an excerpt from."""
    heading, body, items = (section.translated(field) for field in ("heading", "body", "items"))
    texts = [heading, *(_like(part, body) for part in body.split("\n\n"))]
    texts += [_like(item, items) for item in items.splitlines()]
    return [text for text in texts if text.strip()]


def _translations(obj, *fields) -> str:
    """The texts of `obj`'s `fields` in the reader's language where they are translated (searched too)."""
    return " ".join(reads.translations(obj, *fields))


def search_pages(municipality: Municipality, query: str) -> list[SearchHit]:
    pages = searchable_pages(municipality)
    prefetch_translations([*pages, *(section for page in pages for section in page.shown_sections)])
    entries = []
    for key, page in enumerate(pages):
        texts = [(TITLE, page.title), (TITLE, _translations(page, "title"))]
        for section in page.shown_sections:
            texts += [(HEADING, section.heading), (TEXT, section.body), (TEXT, section.items)]
            texts += [(HEADING, _translations(section, "heading")), (TEXT, _translations(section, "body", "items"))]
        entries.append(build_entry(key, texts))
    hits = []
    for key, _score in Index(entries).search(query):
        page = pages[key]
        title = page.translated("title")
        body = [text for section in page.shown_sections for text in _section_texts(section)]
        hits.append(
            SearchHit(title=title, url=page.get_absolute_url(), excerpt=_excerpt(body, query), lang=_lang(title))
        )
    return hits


def search_directory(municipality: Municipality, query: str) -> list[SearchHit]:
    hits = []
    found = reads.search(municipality, query)
    prefetch_translations(found)
    for situation in found:
        text = situation.translated("text")
        contacts = ", ".join(link.contact_point.name for link in situation.contacts.all())
        hits.append(
            SearchHit(
                title=_like(f"“{text}”", text),
                url=reverse("contacts:situation", args=[municipality.slug, situation.pk]),
                excerpt=str(_("Contact: %(names)s") % {"names": contacts}) if contacts else "",
                lang=_lang(text),
            )
        )
    return hits


def search_offers(municipality: Municipality, query: str) -> list[SearchHit]:
    offers = list(reads.offers(municipality))
    prefetch_translations(offers)
    entries = [
        build_entry(
            key,
            [
                (TITLE, offer.name),
                (TITLE, _translations(offer, "name")),
                (HEADING, str(offer.get_kind_display())),
                (TEXT, offer.description),
                (TEXT, _translations(offer, "description")),
                (HEADING, offer.contact_point.name if offer.contact_point else ""),
            ],
        )
        for key, offer in enumerate(offers)
    ]
    url = reverse("contacts:offers", args=[municipality.slug])
    hits = []
    for key, _score in Index(entries).search(query):
        offer = offers[key]
        name = offer.translated("name")
        description = offer.translated("description")
        hits.append(
            SearchHit(
                title=name, url=f"{url}#offer-{offer.pk}", excerpt=_excerpt([description], query), lang=_lang(name)
            )
        )
    return hits


PROVIDERS = [
    SearchProvider("pages", _("Pages"), 10, search_pages),
    SearchProvider("directory", _("Find your way: whom to contact"), 20, search_directory),
    SearchProvider("offers", _("For you as a relative"), 30, search_offers),
]
