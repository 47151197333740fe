"""Seed the event-type taxonomy (taxonomy.py): Sahana Eden's incident codes and ACLED's types.
Later changes to the taxonomy come as new migrations."""

from __future__ import annotations

from django.db import migrations

from concord.crisis.taxonomy import all_rows, parent_code


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    EventType = apps.get_model("crisis", "EventType")
    by_code: dict[str, object] = {}
    for row in all_rows():
        parent = parent_code(row.code)
        scheme = "acled" if row.code.startswith("acled") else "sahana"
        obj, _created = EventType.objects.update_or_create(
            code=row.code,
            defaults={
                "name_ru": row.name_ru,
                "name_en": row.name_en,
                "scheme": scheme,
                "cap_category": row.cap_category,
                "parent": by_code.get(parent) if parent else None,
            },
        )
        by_code[row.code] = obj


class Migration(migrations.Migration):
    dependencies = [("crisis", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
