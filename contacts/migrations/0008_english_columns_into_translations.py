"""The directory's English texts move from the `_en` columns into Translation rows (language "en"), and the
columns go. They were the municipality's own English versions: approved, made from the Danish text as it is now.
The reverse puts them back into the columns and removes the English rows.
"""

import hashlib

from django.db import migrations

ENGLISH = "en"


APP = "contacts"
# model: (the translated fields, the path to the municipality from the model)
FIELDS = {
    "need": (("name",), "municipality_id"),
    "contactpoint": (("description", "opening_hours"), "municipality_id"),
    "situation": (("text", "note"), "need__municipality_id"),
    "situationcontact": (("ask_about",), "situation__need__municipality_id"),
    "offer": (("name", "description", "sign_up"), "municipality_id"),
}


def status(apps, model, row):
    return "approved"

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
        ("contacts", "0007_directory_import_keys_and_own_needs"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("portal", "0012_translations"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        *(
            migrations.RemoveField(model_name=model, name=f"{field}_en")
            for model, (fields, _lookup) in FIELDS.items()
            for field in fields
        ),
    ]
