"""The surveys' English texts move from the `_en` columns into Translation rows (language "en"), and the
columns go. Made from the Danish text as it is now; approved as the municipality's own English, except where
the survey's English introduction says it is the portal's own translation (the surveys loaded from
fixtures/surveys): those are drafts, not yet checked by the municipality.
The reverse puts them back into the columns and removes the English rows.
"""

import hashlib

from django.db import migrations

ENGLISH = "en"


APP = "surveys"
# model: (the translated fields, the path to the municipality from the model)
FIELDS = {
    "survey": (("title", "intro"), "municipality_id"),
    "question": (("text",), "survey__municipality_id"),
    "indicator": (("name",), "question__survey__municipality_id"),
}
ENGLISH_INTRO = {"survey": "intro_en", "question": "survey__intro_en", "indicator": "question__survey__intro_en"}
PORTALS_OWN = "translation by the portal"  # the fixtures' English introductions say so


def status(apps, model, row):
    Model = apps.get_model(APP, model)
    intro = Model.objects.filter(pk=row["pk"]).values_list(ENGLISH_INTRO[model], flat=True).get()
    return "draft" if PORTALS_OWN in (intro or "") else "approved"


def digest(danish):
    return hashlib.sha256((danish or "").replace("\r\n", "\n").replace("\r", "\n").strip().encode()).hexdigest()


def content_type(apps, model):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label=APP, model=model)[0]


def forward(apps, schema_editor):
    Translation = apps.get_model("portal", "Translation")
    for model, (fields, lookup) in FIELDS.items():
        Model = apps.get_model(APP, model)
        ctype = content_type(apps, model)
        existing = set(
            Translation.objects.filter(content_type=ctype, language=ENGLISH).values_list("object_id", "field")
        )
        rows = []
        for row in Model.objects.values(lookup, "pk", *fields, *(f"{field}_en" for field in fields)).iterator():
            for field in fields:
                english = (row[f"{field}_en"] or "").strip()
                if english and (row["pk"], field) not in existing:
                    rows.append(
                        Translation(
                            municipality_id=row[lookup], content_type=ctype, object_id=row["pk"], field=field,
                            language=ENGLISH, text=english, status=status(apps, model, row),
                            source_digest=digest(row[field]),
                        )
                    )  # fmt: skip
        Translation.objects.bulk_create(rows, batch_size=500)


def backward(apps, schema_editor):
    Translation = apps.get_model("portal", "Translation")
    for model, (fields, _lookup) in FIELDS.items():
        Model = apps.get_model(APP, model)
        rows = Translation.objects.filter(content_type=content_type(apps, model), language=ENGLISH, field__in=fields)
        for row in rows.iterator():
            Model.objects.filter(pk=row.object_id).update(**{f"{row.field}_en": row.text})
        rows.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("portal", "0012_translations"),
        ("surveys", "0008_email_rounds"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        *(
            migrations.RemoveField(model_name=model, name=f"{field}_en")
            for model, (fields, _lookup) in FIELDS.items()
            for field in fields
        ),
    ]
