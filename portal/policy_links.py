"""Links from a sentence of a policy page to where the portal carries out what it promises.

The core knows no feature app: each installed app's AppConfig may have a method `policy_links(municipality)`
returning `PolicyLink`s (contacts links each sentence an offer for relatives was taken from to that offer on
the offers page). `attach(sections, municipality)` puts on each section the links whose sentence it holds,
as `section.policy_links`, for the policy page to show under it.
"""

import re
from dataclasses import dataclass

from django.apps import apps


@dataclass(frozen=True)
class PolicyLink:
    sentence: str  # word for word as the policy has it (white space aside)
    url: str
    label: str


def _collapsed(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def links_for(municipality) -> list[PolicyLink]:
    found = []
    for app_config in apps.get_app_configs():
        contribute = getattr(app_config, "policy_links", None)
        if contribute is not None:
            found.extend(contribute(municipality))
    return found


def attach(sections, municipality) -> None:
    """Give each section `policy_links`: the links whose sentence occurs in its Danish text."""
    links = [(link, _collapsed(link.sentence)) for link in links_for(municipality)]
    for section in sections:
        text = _collapsed(" ".join([section.heading, section.body, *section.items.splitlines()]))
        section.policy_links = [link for link, sentence in links if sentence and sentence in text]
