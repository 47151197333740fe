"""On PostgreSQL, published versions of the single list cannot be changed or deleted: UPDATE and
DELETE raise (`Publication.save()`/`.delete()` already refuse in Python; this also covers
queryset `.update()`/`.delete()` and raw SQL). TRUNCATE, an operator's act, is left alone so that
the test runner can flush. SQLite has no such guard; the content hash and the audit chain's
publish event are what reveal tampering there.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION concord_publication_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'designations_publication is immutable (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER designations_publication_immutable
    BEFORE UPDATE OR DELETE ON designations_publication
    FOR EACH ROW EXECUTE FUNCTION concord_publication_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS designations_publication_immutable ON designations_publication;
DROP FUNCTION IF EXISTS concord_publication_immutable();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("designations", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
