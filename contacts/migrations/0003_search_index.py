"""The directory's search index in the database (contacts.search_index): a vocabulary and its postings.

Substring lookups in the vocabulary go through an index of the database at hand: PostgreSQL's pg_trgm
(a GIN index of trigrams), SQLite's FTS5 with its trigram tokenizer (a virtual table kept in step with
the vocabulary by triggers). Each is created only on its own database. The index of the directories
already in the database is built at the end.
"""

import django.db.models.deletion
from django.db import migrations, models

POSTGRESQL_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX contacts_searchword_term_trgm ON contacts_searchword USING gin (term gin_trgm_ops)",
]
POSTGRESQL_BACKWARD = ["DROP INDEX IF EXISTS contacts_searchword_term_trgm"]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE contacts_searchword_fts USING fts5("
    "term, content='contacts_searchword', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER contacts_searchword_fts_insert AFTER INSERT ON contacts_searchword BEGIN "
    "INSERT INTO contacts_searchword_fts(rowid, term) VALUES (new.id, new.term); END",
    "CREATE TRIGGER contacts_searchword_fts_delete AFTER DELETE ON contacts_searchword BEGIN "
    "INSERT INTO contacts_searchword_fts(contacts_searchword_fts, rowid, term) VALUES ('delete', old.id, old.term); END",
    "CREATE TRIGGER contacts_searchword_fts_update AFTER UPDATE ON contacts_searchword BEGIN "
    "INSERT INTO contacts_searchword_fts(contacts_searchword_fts, rowid, term) VALUES ('delete', old.id, old.term); "
    "INSERT INTO contacts_searchword_fts(rowid, term) VALUES (new.id, new.term); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS contacts_searchword_fts_insert",
    "DROP TRIGGER IF EXISTS contacts_searchword_fts_delete",
    "DROP TRIGGER IF EXISTS contacts_searchword_fts_update",
    "DROP TABLE IF EXISTS contacts_searchword_fts",
]


def _run(schema_editor, statements: dict[str, list[str]]) -> None:
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def create_text_index(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRESQL_FORWARD, "sqlite": SQLITE_FORWARD})


def drop_text_index(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRESQL_BACKWARD, "sqlite": SQLITE_BACKWARD})


def index_existing_directories(apps, schema_editor):
    from contacts.search_index import index_situations

    Situation = apps.get_model("contacts", "Situation")
    index_situations(Situation.objects.values_list("pk", flat=True), models=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0002_editors_keep_the_directory"),
        ("portal", "0004_user_units"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("term", models.CharField(max_length=100)),
                (
                    "municipality",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="portal.municipality"
                    ),
                ),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("municipality", "term"), name="search_word_once")],
            },
        ),
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("weight", models.FloatField()),
                (
                    "situation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="contacts.situation"
                    ),
                ),
                (
                    "word",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="postings", to="contacts.searchword"
                    ),
                ),
            ],
        ),
        migrations.RunPython(create_text_index, drop_text_index),
        migrations.RunPython(index_existing_directories, migrations.RunPython.noop),
    ]
