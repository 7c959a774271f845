from datetime import date

import pytest

from core.models import ChangeRecord
from incidents.models import ActionItem
from incidents.services import StaleVersionError, action_item_update

pytestmark = pytest.mark.django_db


def test_action_item_update_records_who_changed_what(action_item_factory, user_factory):
    item = action_item_factory(status=ActionItem.Status.OPEN)
    actor = user_factory(username="editor")

    action_item_update(item=item, actor=actor, data={"status": ActionItem.Status.DONE})

    record = ChangeRecord.objects.get(incident=item.incident)
    assert record.actor == actor
    assert record.changes == {"status": ["Open", "Done"]}
    item.refresh_from_db()
    assert item.completed_at is not None


def test_reassigning_notifies_the_new_owner_after_commit(
    action_item_factory, user_factory, django_capture_on_commit_callbacks, mailoutbox
):
    item = action_item_factory(title="Alert on replication lag")
    new_owner = user_factory(username="new-owner")

    with django_capture_on_commit_callbacks(execute=True):
        action_item_update(item=item, actor=item.owner, data={"owner": new_owner})
        assert mailoutbox == []

    assert [message.to for message in mailoutbox] == [[new_owner.email]]
    assert "Alert on replication lag" in mailoutbox[0].body


def test_stale_version_is_refused_and_keeps_the_newer_data(action_item_factory, user_factory):
    item = action_item_factory(title="First title")
    actor = user_factory(username="first")
    loaded_version = item.version
    action_item_update(
        item=item, actor=actor, data={"title": "Saved first"}, expected_version=loaded_version
    )

    stale = ActionItem.objects.get(pk=item.pk)
    with pytest.raises(StaleVersionError) as error:
        action_item_update(
            item=stale,
            actor=actor,
            data={"due_date": date(2026, 6, 1)},
            expected_version=loaded_version,
        )
    assert error.value.current.title == "Saved first"
    assert ActionItem.objects.get(pk=item.pk).due_date == date(2026, 4, 1)
