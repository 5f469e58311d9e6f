"""Loading a municipality's policy from its fixture file (fixtures/policies/<slug>.json).

The file format is documented in fixtures/README.md. Loading is idempotent: a municipality that
already has pages keeps them (editors may have changed them) unless `replace=True`.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .models import Municipality, Page, Section
from .services import publish_page
from .standard_pages import ensure_standard_pages

POLICY_FIXTURE_DIR = settings.BASE_DIR / "fixtures" / "policies"
MUNICIPALITY_FIELDS = [
    "name", "kommunekode", "website", "region", "policy_title", "policy_subtitle", "policy_adopted_by",
]  # fmt: skip


@dataclass
class LoadResult:
    municipality: Municipality
    pages_created: int
    kept_existing: bool


def policy_fixture_paths() -> list[Path]:
    return sorted(POLICY_FIXTURE_DIR.glob("*.json"))


@transaction.atomic
def load_policy(path: Path, *, replace: bool = False) -> LoadResult:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    fields = data["municipality"]
    municipality, _created = Municipality.objects.update_or_create(
        slug=fields["slug"],
        defaults={name: fields.get(name, "") for name in MUNICIPALITY_FIELDS}
        | {"policy_adopted_on": fields.get("policy_adopted_on")},
    )
    if municipality.pages.exclude(kind=Page.Kind.STANDARD).exists():
        if not replace:
            ensure_standard_pages(municipality)
            return LoadResult(municipality, 0, kept_existing=True)
        municipality.pages.exclude(kind=Page.Kind.STANDARD).delete()
    sections = []
    for page_order, page_data in enumerate(data["pages"], start=1):
        page = Page.objects.create(
            municipality=municipality,
            slug=page_data["slug"],
            title=page_data["title"],
            kind=page_data["kind"],
            number=page_data["number"],
            title_by_portal=page_data.get("title_by_portal", False),
            order=page_order * 10,
        )
        for section_order, section in enumerate(page_data["sections"], start=1):
            sections.append(
                Section(
                    page=page,
                    order=section_order * 10,
                    kind=section["kind"],
                    heading=section["heading"],
                    body=section["body"],
                    items="\n".join(section["items"]),
                    attribution=section["attribution"],
                    figure=section["figure"],
                    portal_note=section.get("portal_note", ""),
                )
            )
    for section in sections:
        section.full_clean()
    Section.objects.bulk_create(sections)
    for page in municipality.pages.exclude(kind=Page.Kind.STANDARD):
        publish_page(acting_user=None, page=page)
    ensure_standard_pages(municipality)
    return LoadResult(municipality, len(data["pages"]), kept_existing=False)
