"""Searching the whole public site of a municipality from one box: the register of what can be searched.

The core knows no app, so it does not search their content itself: each app registers a `SearchProvider` for
each kind of public content it has (contacts: the policy's pages, the "Find rundt" directory and the offers for
relatives, with its Danish-aware search), from its AppConfig's `ready()`. The page /<municipality>/soeg/
(portal.views.site_search) asks every provider and shows the results grouped by kind, in the providers' order.

A provider returns only what an anonymous visitor may read (published pages, the public directory): the
page is cached for everyone like the other public pages (portal.public_cache).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.functional import Promise

from .models import Municipality

MAX_HITS_PER_KIND = 20


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    excerpt: str = ""
    lang: str = ""  # the language of title and excerpt where it is not the page's (Danish text on /en/)


@dataclass(frozen=True)
class SearchProvider:
    kind: str  # e.g. "pages", also the results' id on the page
    label: str | Promise  # the heading of its results, e.g. gettext_lazy("Pages of the policy")
    order: int  # the providers' results are shown in this order
    search: Callable[[Municipality, str], list[SearchHit]]  # best first


@dataclass
class SearchGroup:
    provider: SearchProvider
    hits: list[SearchHit] = field(default_factory=list)


class SiteSearchRegister:
    def __init__(self):
        self._providers: dict[str, SearchProvider] = {}

    def register(self, provider: SearchProvider) -> None:
        self._providers[provider.kind] = provider  # registering a kind again replaces it (tests, reloads)

    def providers(self) -> list[SearchProvider]:
        return sorted(self._providers.values(), key=lambda provider: (provider.order, provider.kind))

    def search(self, municipality: Municipality, query: str) -> list[SearchGroup]:
        """Every kind's hits for `query` (at most MAX_HITS_PER_KIND each), kinds without hits left out."""
        groups = [
            SearchGroup(provider, provider.search(municipality, query)[:MAX_HITS_PER_KIND])
            for provider in self.providers()
        ]
        return [group for group in groups if group.hits]


site_search = SiteSearchRegister()
