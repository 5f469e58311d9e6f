"""On PostgreSQL the database itself refuses to change or delete audit events and consent versions.

(SQLite, the try-it-out database, relies on the models' own refusal.) TRUNCATE stays possible so that
test databases can be emptied.
"""

from django.db import migrations

TABLES = ["consent_auditevent", "consent_consent"]

FUNCTION = """
CREATE OR REPLACE FUNCTION refuse_change_of_append_only_row() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_change_of_append_only_row();"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS refuse_change_of_append_only_row();")


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
