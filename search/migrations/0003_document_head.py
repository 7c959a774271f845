import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations


def fill_heads(apps, schema_editor):
    """Fill the new column from the documents already written (their A and B parts)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("search", "IncidentSearchDocument")._meta.db_table
    schema_editor.execute(f"UPDATE {table} SET head = ts_filter(document, '{{a,b}}')")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_recurrence_links"),
    ]

    operations = [
        migrations.AddField(
            model_name="incidentsearchdocument",
            name="head",
            field=django.contrib.postgres.search.SearchVectorField(null=True),
        ),
        migrations.RunPython(fill_heads, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="incidentsearchdocument",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["head"], name="search_document_head_gin"
            ),
        ),
    ]
