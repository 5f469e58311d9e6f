"""Drafts and published versions of a policy page: what a version holds, whether a draft differs, a readable diff.

Pure functions: `portal.services` publishes, unpublishes and reverts; the admin shows what these answer.
An editor's working copy is the `Page` with its `Section`s (the draft); the public sees its `published_version`.
"""

import difflib
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from .models import Page, PageVersion, Section

DRAFT = "kladde"  # the draft, where a version's number is expected (comparing versions)


def publish_time_problem(publish_at: datetime, now: datetime) -> str | None:
    """Why a page cannot be set to be published at `publish_at`, or None."""
    if publish_at <= now:
        return _("Choose a time in the future, or publish now.")
    return None


def snapshot(page: Page, sections: list[Section]) -> dict:
    """The fields of a `PageVersion` that hold `page`'s draft as it is now."""
    return {
        "slug": page.slug,
        "title": page.title,
        "kind": page.kind,
        "theme_number": page.number,
        "title_by_portal": page.title_by_portal,
        "sections": [{name: getattr(section, name) for name in Section.SNAPSHOT_FIELDS} for section in sections],
    }


def version_fields(version: PageVersion) -> dict:
    return {
        name: getattr(version, name)
        for name in ("slug", "title", "kind", "theme_number", "title_by_portal", "sections")
    }


def has_unpublished_changes(page: Page, sections: list[Section]) -> bool:
    """Whether the draft differs from what the public sees (always, for a page never published)."""
    version = page.published_version
    return version is None or snapshot(page, sections) != version_fields(version)


def readable_lines(fields: dict) -> list[str]:
    """A version as lines a person reads: the title and address, then each section's heading, texts and items."""
    lines = [f"{_('Title')}: {fields['title']}", f"{_('Address')}: {fields['slug']}"]
    for section in fields["sections"]:
        lines.append("")
        if section.get("heading"):
            lines.append(f"## {section['heading']}")
        if section.get("figure"):
            lines.append(section["figure"])
        lines.extend(paragraph.strip() for paragraph in section.get("body", "").split("\n\n") if paragraph.strip())
        lines.extend(f"• {item.strip()}" for item in section.get("items", "").splitlines() if item.strip())
        if section.get("attribution"):
            lines.append(f"– {section['attribution']}")
    return lines


@dataclass(frozen=True)
class DiffLine:
    change: str  # "same", "removed", "added"
    text: str


def diff(older: dict, newer: dict) -> list[DiffLine]:
    """Line by line what changed from `older` to `newer` (each `snapshot`/`version_fields`), unchanged lines kept."""
    old_lines, new_lines = readable_lines(older), readable_lines(newer)
    result = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if tag == "equal":
            result.extend(DiffLine("same", line) for line in old_lines[old_start:old_end])
            continue
        result.extend(DiffLine("removed", line) for line in old_lines[old_start:old_end])
        result.extend(DiffLine("added", line) for line in new_lines[new_start:new_end])
    return result
