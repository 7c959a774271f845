# ChangeRecord and EventHandling moved to the core app (core 0001), which kept their tables:
# here they leave the incidents app's state only, after every foreign key to them points at
# core. Their content types follow them, so that permissions and admin log entries do too.

from django.db import migrations

MOVED = ("changerecord", "eventhandling")


def _relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        # A content type made under the new label already (a migrate run that stopped between
        # core 0001 and this one) wins; the old one then stays, unused.
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)
    ContentType.objects.clear_cache()


def content_types_to_core(apps, schema_editor):
    _relabel(apps, "incidents", "core")


def content_types_to_incidents(apps, schema_editor):
    _relabel(apps, "core", "incidents")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
        ("incidents", "0011_team_requires_resolved_threads"),
        ("notifications", "0002_record_of_core"),
        ("webhooks", "0002_record_of_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="eventhandling", name="record"),
                migrations.DeleteModel(name="ChangeRecord"),
                migrations.DeleteModel(name="EventHandling"),
            ],
        ),
        migrations.RunPython(content_types_to_core, content_types_to_incidents),
    ]
