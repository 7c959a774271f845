"""Migrations are committed for every model change and can be rolled back."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db  # makemigrations reads the applied migrations to check their order
def test_every_model_change_has_a_committed_migration():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)  # exits 1 on changes
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_migrations_roll_back_to_zero_and_forward_again():
    for app in ("postmortems", "incidents"):
        call_command("migrate", app, "zero", verbosity=0)
    call_command("migrate", verbosity=0)
    out = io.StringIO()
    call_command("showmigrations", "incidents", "postmortems", stdout=out)
    assert "[ ]" not in out.getvalue()
    assert "[X] 0003_row_versions" in out.getvalue()


def _migrate(*targets: tuple[str, str]):
    """Migrate to the targets and return the historical models of that state."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(list(targets))
    executor.loader.build_graph()
    return executor.loader.project_state(list(targets)).apps


NARRATIVE = {
    "resolution": "Rolled the config back.",
    "trigger": "A push of **bad** config.",
    "detection": "Pager at 09:00.",
    "went_well": "Paging worked.",
    "went_wrong": "Runbook was stale.",
    "got_lucky": "Low traffic.",
    "closing_remarks": "We will do better.",
    "unplaced_text": "## Customer communication\n\nStatus page at 09:10.",
}


@pytest.mark.django_db(transaction=True)
def test_the_narrative_moves_into_sections_and_back_without_losing_text():
    from tests.factories import IncidentFactory  # the incidents app stays migrated

    first, second = IncidentFactory(), IncidentFactory()
    apps = _migrate(("postmortems", "0001_initial"))
    Postmortem = apps.get_model("postmortems", "Postmortem")
    classic = Postmortem.objects.create(incident_id=first.pk, **NARRATIVE)
    sre = Postmortem.objects.create(incident_id=second.pk, layout="sre", trigger="Only a trigger.")

    apps = _migrate(("postmortems", "0004_narrative_columns_removed"))
    Section = apps.get_model("postmortems", "PostmortemSection")
    Postmortem = apps.get_model("postmortems", "Postmortem")
    bodies = dict(Section.objects.filter(postmortem_id=classic.pk).values_list("key", "body"))
    assert {key: bodies[key] for key in NARRATIVE} == NARRATIVE
    assert Postmortem.objects.get(pk=classic.pk).template.name == "Classic"
    assert Postmortem.objects.get(pk=sre.pk).template.name == "Google SRE"
    assert Section.objects.get(postmortem_id=sre.pk, key="trigger").body == "Only a trigger."
    # A team's own section, which no column holds: backwards it goes to "other notes".
    Section.objects.create(
        postmortem_id=classic.pk, key="data_exposure", title="Data exposure", body="40 rows."
    )

    apps = _migrate(("postmortems", "0001_initial"))
    Postmortem = apps.get_model("postmortems", "Postmortem")
    back = Postmortem.objects.get(pk=classic.pk)
    for key, text in NARRATIVE.items():
        if key != "unplaced_text":
            assert getattr(back, key) == text
    assert back.unplaced_text == f"{NARRATIVE['unplaced_text']}\n\n## Data exposure\n\n40 rows."
    assert back.layout == "classic"
    assert Postmortem.objects.get(pk=sre.pk).layout == "sre"
    assert Postmortem.objects.get(pk=sre.pk).trigger == "Only a trigger."
    call_command("migrate", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_the_outbox_moves_to_core_and_back_with_its_rows():
    from tests.factories import IncidentFactory, UserFactory

    incident, actor = IncidentFactory(), UserFactory()
    before_the_move = ("incidents", "0011_team_requires_resolved_threads")
    call_command("migrate", "core", "zero", verbosity=0)  # and everything after the move
    apps = _migrate(before_the_move)
    Record = apps.get_model("incidents", "ChangeRecord")
    record = Record.objects.create(
        incident_id=incident.pk,
        actor_id=actor.pk,
        event="incident.updated",
        action="updated",
        object_type="incident",
        object_repr=str(incident),
        changes={"title": ["Old", "New"]},
    )
    apps.get_model("incidents", "EventHandling").objects.create(
        consumer="webhooks", record_id=record.pk, incident_id=incident.pk, attempts=2
    )

    apps = _migrate(("incidents", "0012_outbox_moved_to_core"))
    moved = apps.get_model("core", "ChangeRecord").objects.get(pk=record.pk)
    assert (moved.incident_id, moved.actor_id, moved.event) == (
        incident.pk,
        actor.pk,
        "incident.updated",
    )
    assert moved.changes == {"title": ["Old", "New"]}
    handling = apps.get_model("core", "EventHandling").objects.get(record_id=record.pk)
    assert (handling.consumer, handling.attempts) == ("webhooks", 2)

    call_command("migrate", "core", "zero", verbosity=0)
    apps = _migrate(before_the_move)
    back = apps.get_model("incidents", "ChangeRecord").objects.get(pk=record.pk)
    assert back.changes == {"title": ["Old", "New"]}
    assert apps.get_model("incidents", "EventHandling").objects.get(record_id=back.pk).attempts == 2

    call_command("migrate", verbosity=0)
    from core.models import ChangeRecord, EventHandling

    assert ChangeRecord.objects.get(pk=record.pk).incident == incident
    assert EventHandling.objects.get(record=record.pk).consumer == "webhooks"
