"""The event record: written with the change, handled after commit, once per consumer."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from core import deliveries, events
from core.models import ChangeRecord, EventHandling
from incidents import services
from incidents.models import ActionItem
from tests.factories import IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db


class Recorder:
    """A consumer that remembers each call's events; it can be told to fail."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []
        self.fail_on: set[int] = set()

    def __call__(self, records: list[ChangeRecord]) -> None:
        if any(record.pk in self.fail_on for record in records):
            raise RuntimeError("the other side is down")
        self.calls.append([record.pk for record in records])

    @property
    def handled(self) -> list[int]:
        return [pk for call in self.calls for pk in call]


@pytest.fixture
def subscribe():
    names = []

    def add(name: str, *event_names: str) -> Recorder:
        recorder = Recorder()
        events.subscribe(name, event_names)(recorder)
        names.append(name)
        return recorder

    before = events.consumers()
    yield add
    for name in names:
        events.unsubscribe(name)
        if name in before:  # one of the app's own consumers: put it back as it was
            events.subscribe(name, before[name].events)(before[name].handle)


def create_item(title: str = "Alert on replication lag", **fields) -> ActionItem:
    incident = fields.pop("incident", None) or IncidentFactory()
    return services.action_item_create(
        incident=incident, actor=UserFactory(), data={"title": title, **fields}
    )


def test_each_change_records_its_event_with_the_object_it_concerns():
    item = create_item()
    services.action_item_update(item=item, actor=item.owner, data={"status": "done"})

    created, status_changed = ChangeRecord.objects.order_by("pk")
    assert created.event == "action_item.created"
    assert status_changed.event == "action_item.status_changed"
    assert status_changed.target_type.model_class() is ActionItem
    assert status_changed.target_id == item.pk
    assert status_changed.changes == {"status": ["Open", "Done"]}
    assert status_changed.values == {"status": ["open", "done"]}


def test_an_event_of_a_rolled_back_change_is_never_handled(subscribe):
    recorder = subscribe("audit", "action_item.created")

    with pytest.raises(RuntimeError), transaction.atomic():
        create_item()
        assert EventHandling.objects.filter(consumer="audit").count() == 1
        raise RuntimeError("the request failed after the write")

    assert not ChangeRecord.objects.exists()
    assert not EventHandling.objects.exists()
    assert events.handle_pending("audit").handled == 0
    assert recorder.calls == []


def test_only_subscribed_consumers_owe_the_event(subscribe):
    subscribe("audit", "action_item.created")
    subscribe("wiki", "postmortem.published")

    create_item()

    # The app's own consumers (the assignment e-mail, the search index, …) are not asked here.
    owed = EventHandling.objects.filter(consumer__in=["audit", "wiki"])
    assert list(owed.values_list("consumer", flat=True)) == ["audit"]


def test_a_worker_dying_between_two_consumers_leads_to_each_handling_the_event_once(
    subscribe, settings
):
    settings.DELIVERY_RECOVER_AFTER_SECONDS = 0
    first = subscribe("first", "action_item.created")
    second = subscribe("second", "action_item.created")
    create_item()

    events.handle_pending("first")  # the worker dies here, before "second" runs
    nudged = []
    deliveries.register_owed(
        deliveries.OwedKind(
            name="event",
            owed=events.owed_handlings,
            overdue=events.overdue_handlings,
            nudge=lambda ids: nudged.extend(
                EventHandling.objects.filter(pk__in=ids).values_list("consumer", flat=True)
            ),
        )
    )
    try:
        deliveries.recover_owed(timezone.now() + timedelta(seconds=1))
    finally:
        from incidents import tasks

        tasks.register_owed_kinds()
    # The app's own consumers of the event are owed it too; of these two, only "second".
    assert "second" in nudged and "first" not in nudged
    for name in ("first", "second", "second"):  # a late-acked task may run twice
        events.handle_pending(name)

    assert len(first.handled) == 1
    assert len(second.handled) == 1
    statuses = EventHandling.objects.filter(consumer__in=["first", "second"]).values_list(
        "status", flat=True
    )
    assert set(statuses) == {"done"}


def test_a_failing_consumer_is_retried_later_and_blocks_no_other_consumer(subscribe):
    flaky = subscribe("flaky", "action_item.created")
    steady = subscribe("steady", "action_item.created")
    create_item()
    record = ChangeRecord.objects.get()
    flaky.fail_on = {record.pk}

    progress = events.handle_pending("flaky")
    events.handle_pending("steady")

    assert progress.handled == 0 and progress.retry_in == 1
    assert steady.handled == [record.pk]
    waiting = EventHandling.objects.get(consumer="flaky")
    assert waiting.status == "pending" and "the other side is down" in waiting.last_error
    assert events.handle_pending("flaky").handled == 0  # not before its retry is due

    flaky.fail_on = set()
    EventHandling.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now())
    assert events.handle_pending("flaky").handled == 1
    assert flaky.handled == [record.pk]


def test_a_failing_event_holds_back_later_events_of_its_incident_only(subscribe):
    recorder = subscribe("ordered", "action_item.created")
    troubled, calm = IncidentFactory(), IncidentFactory()
    first = create_item("First", incident=troubled)
    create_item("Second", incident=troubled)
    create_item("Elsewhere", incident=calm)
    first_record = ChangeRecord.objects.get(target_id=first.pk)
    recorder.fail_on = {first_record.pk}

    events.handle_pending("ordered")

    handled = ChangeRecord.objects.filter(pk__in=recorder.handled)
    assert [r.object_repr for r in handled] == ["Elsewhere"]
    recorder.fail_on = set()
    EventHandling.objects.filter(status="pending").update(next_attempt_at=timezone.now())
    events.handle_pending("ordered")
    in_order = [ChangeRecord.objects.get(pk=pk).object_repr for pk in recorder.handled]
    assert in_order == ["Elsewhere", "First", "Second"]


def test_a_consumer_that_gives_up_marks_the_event_failed(subscribe, settings):
    settings.DELIVERY_MAX_RETRIES = 1
    recorder = subscribe("doomed", "action_item.created")
    create_item()
    recorder.fail_on = {ChangeRecord.objects.get().pk}

    for _ in range(2):
        EventHandling.objects.update(next_attempt_at=None)
        events.handle_pending("doomed")

    assert EventHandling.objects.get(consumer="doomed").status == "failed"


def test_handling_a_batch_takes_the_same_queries_for_many_events_as_for_few(
    subscribe, django_assert_num_queries
):
    subscribe("assignment_email_too", "action_item.created")
    from incidents.handlers import send_assignment_notices

    events.subscribe("assignment_email_too", ["action_item.created"])(send_assignment_notices)

    def handle_batch_of(count: int) -> int:
        incident = IncidentFactory()
        for index in range(count):
            create_item(f"Item {index}", incident=incident, owner=UserFactory())
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert events.handle_pending("assignment_email_too").handled == count
        return len(queries)

    few = handle_batch_of(2)
    assert handle_batch_of(40) == few


def test_the_new_owner_is_told_once_even_when_the_event_is_handled_twice(
    django_capture_on_commit_callbacks, mailoutbox
):
    owner = UserFactory(username="dana")
    with django_capture_on_commit_callbacks(execute=True):
        item = create_item(owner=owner)
    events.handle_pending("assignment_email")  # a second, late-acked run

    assert [message.to for message in mailoutbox] == [[owner.email]]
    assert item.title in mailoutbox[0].subject + mailoutbox[0].body
