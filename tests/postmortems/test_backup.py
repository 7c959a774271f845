import json
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.models import ActionItem, Incident, User
from postmortems.exporting.backup import MODELS, dump_json, export_data, import_data
from postmortems.models import Review
from tests.factories import (
    ActionItemFactory,
    CauseFactory,
    ChangeRecordFactory,
    IncidentFactory,
    PostmortemFactory,
    ReviewFactory,
    ServiceFactory,
    TagFactory,
    TeamFactory,
    TimelineEventFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich_data():

    alice = UserFactory(username="alice", time_zone="Africa/Cairo", reminder_frequency="weekly")
    bob = UserFactory(username="bob")
    team = TeamFactory(name="Web", manager=alice, members=[alice, bob])
    web = ServiceFactory(name="web", team=team)
    db = ServiceFactory(name="db", team=team)
    tag = TagFactory(name="outage")
    # A gap in the ids: the restore must keep INC-3, not renumber it to INC-2.
    IncidentFactory()
    Incident.objects.all().delete()
    incident = IncidentFactory(
        title="Outage with ünïcode ✓", commander=alice, team=team, services=[web, db],
        time_zone="Etc/GMT-2", summary="**Bold** summary\n\n- a\n- b",
    )  # fmt: skip
    incident.tags.add(tag)
    TimelineEventFactory(incident=incident, is_dead_end=True, author=bob)
    TimelineEventFactory(incident=incident, occurred_at=incident.started_at)
    CauseFactory(incident=incident, role="contributing")
    ActionItemFactory(incident=incident, owner=bob, due_date=date(2026, 5, 1))
    ActionItemFactory(incident=incident, owner=None, status=ActionItem.Status.DONE)
    ChangeRecordFactory(incident=incident, actor=alice, changes={"title": ["old", "new"]})
    postmortem = PostmortemFactory(
        incident=incident,
        authors=[alice],
        reviewers=[bob],
        sections={"went_well": "Paging worked."},
    )
    ReviewFactory(postmortem=postmortem, reviewer=bob, decision=Review.Decision.APPROVE)
    return incident


def _empty_database() -> None:
    for model in reversed(MODELS):
        model._default_manager.all().delete()


def test_export_import_round_trip_loses_nothing(rich_data):
    before = dump_json(export_data())

    _empty_database()
    counts = import_data(json.loads(before))

    assert dump_json(export_data()) == before
    assert counts["incidents.incident"] == 1
    assert counts["incidents.timelineevent"] == 2
    restored = Incident.objects.get(title="Outage with ünïcode ✓")
    assert restored.reference == rich_data.reference
    assert restored.postmortem.reviews.get().decision == "approve"
    assert sorted(s.name for s in restored.services.all()) == ["db", "web"]


def test_new_rows_after_a_restore_get_fresh_ids(rich_data, incident_factory):
    data = export_data()
    _empty_database()
    import_data(data)
    new = incident_factory()
    assert new.pk > rich_data.pk


def test_export_leaves_password_hashes_out_unless_asked(rich_data):
    data = export_data()
    assert all("password" not in row["fields"] for row in data["models"]["incidents.user"])
    _empty_database()
    import_data(data)
    assert not User.objects.get(username="alice").has_usable_password()


def test_passwords_survive_when_included(rich_data):
    data = export_data(include_passwords=True)
    _empty_database()
    import_data(data)
    assert User.objects.get(username="alice").check_password("correct-horse-battery")


def test_import_refuses_a_database_that_is_not_empty(rich_data, tmp_path):
    path = tmp_path / "backup.json"
    call_command("export_all", str(path))
    with pytest.raises(CommandError, match="empty database"):
        call_command("import_all", str(path))


def test_commands_round_trip_through_a_file(rich_data, tmp_path):
    path = tmp_path / "backup.json"
    call_command("export_all", str(path))
    before = path.read_text()
    _empty_database()
    call_command("import_all", str(path))
    call_command("export_all", str(path))
    assert path.read_text() == before
    assert json.loads(before)["schema_version"] == 2


def test_import_explains_a_file_that_is_not_a_backup(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(CommandError, match="not a postmortems backup"):
        call_command("import_all", str(path))
    path.write_text("not json")
    with pytest.raises(CommandError, match="not a JSON file"):
        call_command("import_all", str(path))


def test_a_teams_template_and_the_sections_restore_into_a_freshly_migrated_database(rich_data):
    from postmortems.layouts import services as template_services
    from postmortems.layouts.sections import ensure_builtin_templates, sync_sections
    from postmortems.models import PostmortemSection, PostmortemTemplate

    template = template_services.template_create(
        actor=rich_data.commander,
        name="Security incident",
        sections=[{"title": "Data exposure", "kind": "markdown", "required": True}],
        default_for=[rich_data.team],
    )
    postmortem = rich_data.postmortem
    postmortem.template = template
    postmortem.save()
    sync_sections(postmortem, template, {"data_exposure": "40 addresses."})
    before = dump_json(export_data())

    _empty_database()
    ensure_builtin_templates()  # what `migrate` leaves in a new database
    import_data(json.loads(before))

    assert dump_json(export_data()) == before
    restored = PostmortemSection.objects.get(key="data_exposure")
    assert restored.body == "40 addresses." and restored.postmortem.template.name == template.name
    assert PostmortemTemplate.objects.get(name=template.name).team_defaults.get().team.name == (
        rich_data.team.name
    )
    # "Paging worked." is kept, no longer in the template.
    assert PostmortemSection.objects.get(key="went_well").in_template is False


def test_the_change_history_keeps_its_name_in_the_file_after_moving_to_core(rich_data):
    data = export_data()
    assert "core.changerecord" not in data["models"]
    assert data["models"]["incidents.changerecord"][0]["fields"]["changes"] == {
        "title": ["old", "new"]
    }

    _empty_database()
    assert import_data(data)["incidents.changerecord"] == 1
