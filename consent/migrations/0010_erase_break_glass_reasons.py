"""The erasure after the retention period blanks the stated reasons of break-the-glass too (free text that may
hold personal data). On PostgreSQL the append-only trigger then allows, inside the erasure's own transaction
(`SET LOCAL portal.erasing = 'on'`, consent.retention.erase_citizen), an UPDATE of consent versions and an
UPDATE of a stated reason that changes nothing but the reason. Everything else stays refused: audit events
are never updated, nothing is ever deleted, and outside the erasure nothing is updated.
"""

from django.db import migrations

ERASABLE_FUNCTION = """
CREATE OR REPLACE FUNCTION refuse_change_of_append_only_row() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('portal.erasing', true) = 'on' THEN
        IF TG_TABLE_NAME = 'consent_consent' THEN
            RETURN NEW;
        END IF;
        IF TG_TABLE_NAME = 'consent_breakglass' AND NEW.id = OLD.id AND NEW.at = OLD.at
                AND NEW.actor_id = OLD.actor_id AND NEW.citizen_id = OLD.citizen_id
                AND NEW.municipality_id = OLD.municipality_id THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
"""

# As consent migration 0005 left it: only consent versions may be updated by the erasure.
CONSENTS_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION refuse_change_of_append_only_row() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'consent_consent'
            AND current_setting('portal.erasing', true) = 'on' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
"""


def allow_erasing_reasons(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ERASABLE_FUNCTION)


def refuse_erasing_reasons(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CONSENTS_ONLY_FUNCTION)


class Migration(migrations.Migration):
    dependencies = [("consent", "0009_help_changes_and_relatives_told")]

    operations = [migrations.RunPython(allow_erasing_reasons, refuse_erasing_reasons)]
