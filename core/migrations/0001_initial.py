# ChangeRecord and EventHandling, moved here from the incidents app: state only, the tables
# (incidents_changerecord, incidents_eventhandling), their indexes and constraints stay as
# incidents made them, so no SQL runs.

import django.core.serializers.json
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("incidents", "0011_team_requires_resolved_threads"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ChangeRecord",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "event",
                            models.CharField(
                                max_length=60,
                                validators=[
                                    django.core.validators.RegexValidator(
                                        "^[a-z_]+\\.[a-z_]+$",
                                        "Name events as 'object.what_happened', e.g. action_item.created.",
                                    )
                                ],
                            ),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("created", "created"),
                                    ("updated", "updated"),
                                    ("deleted", "deleted"),
                                    ("status", "changed the status of"),
                                ],
                                max_length=10,
                            ),
                        ),
                        ("target_id", models.PositiveBigIntegerField(blank=True, null=True)),
                        ("object_type", models.CharField(max_length=40)),
                        ("object_repr", models.CharField(max_length=200)),
                        ("changes", models.JSONField(blank=True, default=dict)),
                        (
                            "values",
                            models.JSONField(
                                blank=True,
                                default=dict,
                                encoder=django.core.serializers.json.DjangoJSONEncoder,
                            ),
                        ),
                        ("note", models.CharField(blank=True, max_length=300)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "incident",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="changes",
                                to="incidents.incident",
                            ),
                        ),
                        (
                            "target_type",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="contenttypes.contenttype",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "incidents_changerecord",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="EventHandling",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("consumer", models.CharField(max_length=60)),
                        ("incident_id", models.PositiveBigIntegerField()),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("done", "Done"),
                                    ("failed", "Failed"),
                                ],
                                default="pending",
                                max_length=10,
                            ),
                        ),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("next_attempt_at", models.DateTimeField(blank=True, null=True)),
                        ("handled_at", models.DateTimeField(blank=True, null=True)),
                        ("last_error", models.TextField(blank=True)),
                        (
                            "record",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="handlings",
                                to="core.changerecord",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "incidents_eventhandling",
                        "ordering": ["record_id"],
                    },
                ),
                migrations.AddIndex(
                    model_name="changerecord",
                    index=models.Index(
                        fields=["incident", "-created_at"], name="incidents_c_inciden_0e3e43_idx"
                    ),
                ),
                migrations.AddIndex(
                    model_name="changerecord",
                    index=models.Index(fields=["event"], name="incidents_c_event_c2870b_idx"),
                ),
                migrations.AddIndex(
                    model_name="eventhandling",
                    index=models.Index(
                        fields=["consumer", "status", "record"],
                        name="incidents_e_consume_a1ec43_idx",
                    ),
                ),
                migrations.AddIndex(
                    model_name="eventhandling",
                    index=models.Index(
                        fields=["status", "created_at"], name="incidents_e_status_8cb7f1_idx"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="eventhandling",
                    constraint=models.UniqueConstraint(
                        fields=("consumer", "record"), name="one_handling_per_event"
                    ),
                ),
            ],
        ),
    ]
