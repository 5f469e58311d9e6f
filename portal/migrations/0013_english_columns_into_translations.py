"""The English texts move from the `_en` columns into Translation rows (language "en"), and the columns go.

They were the municipality's own English versions, so they are approved, made from the Danish text as it is
now. Published page versions keep their texts in JSON: each section gets the id of the live section it matches
(same place, or the one section with its order and kind), so translations (kept per live section) show on the
public page; their English texts fill in translations the live sections lack, and the `*_en` keys go.
A version section that matches no live section has no id: its texts show as not translated.
The reverse puts the English texts back into the columns and the versions and removes the English rows.
"""

import hashlib

from django.db import migrations, models

ENGLISH = "en"
# model: (the translated fields, the path to the municipality from the model)
FIELDS = {
    "municipality": (("policy_title", "policy_subtitle"), "pk"),
    "page": (("title",), "municipality_id"),
    "section": (("heading", "body", "items", "attribution"), "page__municipality_id"),
}
SECTION_FIELDS = FIELDS["section"][0]


def digest(danish):
    return hashlib.sha256((danish or "").replace("\r\n", "\n").replace("\r", "\n").strip().encode()).hexdigest()


def content_type(apps, model):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label="portal", model=model)[0]


def english_rows(apps, model, fields, lookup):
    """Translation rows for the non-empty English columns of `model` that have no English translation yet."""
    Model = apps.get_model("portal", model)
    Translation = apps.get_model("portal", "Translation")
    ctype = content_type(apps, model)
    existing = set(
        Translation.objects.filter(content_type=ctype, language=ENGLISH).values_list("object_id", "field")
    )
    rows = []
    values = [lookup, "pk", *fields, *(f"{field}_en" for field in fields)]
    for row in Model.objects.values(*values).iterator():
        for field in fields:
            english = (row[f"{field}_en"] or "").strip()
            if english and (row["pk"], field) not in existing:
                rows.append(
                    Translation(
                        municipality_id=row[lookup], content_type=ctype, object_id=row["pk"], field=field,
                        language=ENGLISH, text=english, status="approved", source_digest=digest(row[field]),
                    )
                )  # fmt: skip
    return rows


def match_sections(version_sections, live):
    """For each section of a version, the live section (id, order, kind) it is, or None."""
    matched = []
    for index, section in enumerate(version_sections):
        same_place = len(live) == len(version_sections) and live[index][2] == section.get("kind")
        if same_place:
            matched.append(live[index][0])
            continue
        same = [pk for pk, order, kind in live if order == section.get("order") and kind == section.get("kind")]
        matched.append(same[0] if len(same) == 1 else None)
    return matched


def forward(apps, schema_editor):
    Translation = apps.get_model("portal", "Translation")
    for model, (fields, lookup) in FIELDS.items():
        Translation.objects.bulk_create(english_rows(apps, model, fields, lookup), batch_size=500)

    Page = apps.get_model("portal", "Page")
    Section = apps.get_model("portal", "Section")
    PageVersion = apps.get_model("portal", "PageVersion")
    page_type, section_type = content_type(apps, "page"), content_type(apps, "section")
    have = {
        (row.content_type_id, row.object_id, row.field)
        for row in Translation.objects.filter(language=ENGLISH, content_type__in=[page_type, section_type])
    }
    municipality_of = dict(Page.objects.values_list("pk", "municipality_id"))
    live_sections = {}
    for pk, page_id, order, kind in Section.objects.order_by("page", "order", "pk").values_list(
        "pk", "page_id", "order", "kind"
    ):
        live_sections.setdefault(page_id, []).append((pk, order, kind))

    def fill(ctype, object_id, field, english, danish, municipality_id):
        english = (english or "").strip()
        if english and (ctype.pk, object_id, field) not in have:
            have.add((ctype.pk, object_id, field))
            Translation.objects.create(
                municipality_id=municipality_id, content_type=ctype, object_id=object_id, field=field,
                language=ENGLISH, text=english, status="approved", source_digest=digest(danish),
            )  # fmt: skip

    # The published versions first (what the public reads), then the newest.
    versions = PageVersion.objects.annotate(
        is_shown=models.Exists(Page.objects.filter(published_version=models.OuterRef("pk")))
    ).order_by("-is_shown", "-published_at", "-pk")
    for version in versions.iterator():
        municipality_id = municipality_of[version.page_id]
        fill(page_type, version.page_id, "title", version.title_en, version.title, municipality_id)
        matched = match_sections(version.sections, live_sections.get(version.page_id, []))
        sections = []
        for section, section_id in zip(version.sections, matched, strict=True):
            english = {field: section.pop(f"{field}_en", "") for field in SECTION_FIELDS}
            if section_id is not None:
                section = {"id": section_id, **section}
                for field in SECTION_FIELDS:
                    fill(section_type, section_id, field, english[field], section.get(field, ""), municipality_id)
            sections.append(section)
        version.sections = sections
        version.save(update_fields=["sections"])


def backward(apps, schema_editor):
    Translation = apps.get_model("portal", "Translation")
    for model, (fields, _lookup) in FIELDS.items():
        Model = apps.get_model("portal", model)
        rows = Translation.objects.filter(content_type=content_type(apps, model), language=ENGLISH, field__in=fields)
        for row in rows.iterator():
            Model.objects.filter(pk=row.object_id).update(**{f"{row.field}_en": row.text})

    PageVersion = apps.get_model("portal", "PageVersion")
    section_rows = Translation.objects.filter(content_type=content_type(apps, "section"), language=ENGLISH)
    english = {(row.object_id, row.field): row.text for row in section_rows}
    page_titles = dict(
        Translation.objects.filter(content_type=content_type(apps, "page"), language=ENGLISH, field="title")
        .values_list("object_id", "text")
    )  # fmt: skip
    for version in PageVersion.objects.iterator():
        version.title_en = page_titles.get(version.page_id, "")
        sections = []
        for section in version.sections:
            section_id = section.pop("id", None)
            for field in SECTION_FIELDS:
                section[f"{field}_en"] = english.get((section_id, field), "")
            sections.append(section)
        version.sections = sections
        version.save(update_fields=["title_en", "sections"])

    for model, (fields, _lookup) in FIELDS.items():
        Translation.objects.filter(
            content_type=content_type(apps, model), language=ENGLISH, field__in=fields
        ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("portal", "0012_translations"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.RemoveField(model_name="municipality", name="policy_title_en"),
        migrations.RemoveField(model_name="municipality", name="policy_subtitle_en"),
        migrations.RemoveField(model_name="page", name="title_en"),
        migrations.RemoveField(model_name="pageversion", name="title_en"),
        migrations.RemoveField(model_name="section", name="heading_en"),
        migrations.RemoveField(model_name="section", name="body_en"),
        migrations.RemoveField(model_name="section", name="items_en"),
        migrations.RemoveField(model_name="section", name="attribution_en"),
    ]
