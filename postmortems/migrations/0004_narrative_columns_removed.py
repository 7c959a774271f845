"""The narrative now lives in postmortem sections (0003 moved it there); drop the columns."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("postmortems", "0003_narrative_into_sections"),
    ]

    operations = [
        migrations.RemoveField(model_name="postmortem", name="closing_remarks"),
        migrations.RemoveField(model_name="postmortem", name="detection"),
        migrations.RemoveField(model_name="postmortem", name="got_lucky"),
        migrations.RemoveField(model_name="postmortem", name="layout"),
        migrations.RemoveField(model_name="postmortem", name="resolution"),
        migrations.RemoveField(model_name="postmortem", name="trigger"),
        migrations.RemoveField(model_name="postmortem", name="unplaced_text"),
        migrations.RemoveField(model_name="postmortem", name="went_well"),
        migrations.RemoveField(model_name="postmortem", name="went_wrong"),
    ]
