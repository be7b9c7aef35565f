"""The audit trail is append-only in the database too (PostgreSQL; a no-op elsewhere).

A trigger refuses every UPDATE and DELETE of zorgportaal_auditevent, whoever sends it: the
ORM, a raw query, psql. One UPDATE is let through: setting actor_id or subject_id to NULL and
nothing else, which is what deleting an account does (on_delete=SET_NULL); the e-mail
addresses and the role stay in the event as they were.

TRUNCATE is not refused: the test runner empties tables with it, and it needs the table
owner's rights, which the application's database role should not have in production
(SECURITY.md). A later migration that must change events (it should not) drops the trigger
explicitly and says why.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION zorgportaal_auditevent_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
       AND (NEW.subject_id IS NULL OR NEW.subject_id = OLD.subject_id)
       AND (to_jsonb(NEW) - 'actor_id' - 'subject_id')
           = (to_jsonb(OLD) - 'actor_id' - 'subject_id')
    THEN
        RETURN NEW;  -- an account was deleted: only the link to it goes
    END IF;
    RAISE EXCEPTION 'zorgportaal_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
DROP TRIGGER IF EXISTS zorgportaal_auditevent_append_only ON zorgportaal_auditevent;
CREATE TRIGGER zorgportaal_auditevent_append_only
    BEFORE UPDATE OR DELETE ON zorgportaal_auditevent
    FOR EACH ROW EXECUTE FUNCTION zorgportaal_auditevent_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS zorgportaal_auditevent_append_only ON zorgportaal_auditevent;
DROP FUNCTION IF EXISTS zorgportaal_auditevent_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("zorgportaal", "0004_auditevent_actor_role"),
    ]

    operations = [
        migrations.RunPython(create_trigger, drop_trigger, elidable=False),
    ]
