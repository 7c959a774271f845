"""Reminder emails about open action items, each delivered exactly once.

The sweep plans one digest per owner (and one escalation per manager) for a day and stores
each as a ReminderDelivery row; the unique constraints make planning twice harmless. A task
per row then claims it with a conditional UPDATE before sending, so two workers never send
the same row. A claim whose worker died is taken over once it is older than
REMINDER_CLAIM_STALE_SECONDS; the only window left for a duplicate is between the SMTP
server accepting a message and the row being marked sent.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F, IntegerField, Q, Value
from django.utils import timezone

from incidents import emails
from incidents.models import (
    ActionItem,
    Incident,
    ReminderDelivery,
    User,
    visibility_condition,
)

logger = logging.getLogger(__name__)

MONDAY = 0


def reminder_today(now: datetime | None = None) -> date:
    """Return today's date in the reminder time zone (the zone beat runs the sweep in)."""
    now = now or timezone.now()
    return now.astimezone(ZoneInfo(settings.CELERY_TIMEZONE)).date()


def _wants_reminders_on(day: date) -> Q:
    """Match users whose preference asks for a reminder on this day."""
    wanted = Q(reminder_frequency=User.ReminderFrequency.DAILY)
    if day.weekday() == MONDAY:
        wanted |= Q(reminder_frequency=User.ReminderFrequency.WEEKLY)
    return wanted


def _reachable_user_ids(user_ids: set[int], day: date) -> set[int]:
    return set(
        User.objects.filter(pk__in=user_ids, is_active=True)
        .exclude(email="")
        .filter(_wants_reminders_on(day))
        .values_list("pk", flat=True)
    )


@dataclass
class SweepPlan:
    day: date
    digests: dict[int, list[int]] = field(default_factory=dict)
    escalations: dict[int, list[int]] = field(default_factory=dict)

    def entries(self):
        for kind, plan in (
            (ReminderDelivery.Kind.DIGEST, self.digests),
            (ReminderDelivery.Kind.ESCALATION, self.escalations),
        ):
            for recipient_id, item_ids in plan.items():
                yield kind, recipient_id, item_ids


def plan_sweep(day: date) -> SweepPlan:
    """Return who gets which items on this day, in a fixed number of queries."""
    due_by = day + timedelta(days=settings.REMINDER_DUE_WITHIN_DAYS)
    escalate_before = day - timedelta(days=settings.REMINDER_ESCALATE_AFTER_DAYS)
    rows = (
        ActionItem.objects.open()
        .filter(due_date__lte=due_by, owner__isnull=False)
        # An owner who may not see the item's private incident is not reminded of it.
        .filter(visibility_condition("owner_id", incident="incident__"))
        .order_by("due_date", "pk")
        .values_list(
            "pk", "owner_id", "due_date", "incident__commander_id", "incident_id",
            "incident__is_private",
        )
    )  # fmt: skip
    digests: dict[int, list[int]] = defaultdict(list)
    badly_overdue: list[tuple[int, int, int | None]] = []
    private_incident_of: dict[int, int] = {}
    for item_id, owner_id, due_date, commander_id, incident_id, is_private in rows:
        digests[owner_id].append(item_id)
        if due_date < escalate_before:
            badly_overdue.append((item_id, owner_id, commander_id))
            if is_private:
                private_incident_of[item_id] = incident_id

    managers_of: dict[int, set[int]] = defaultdict(set)
    owner_ids = {owner_id for _, owner_id, _ in badly_overdue}
    for member_id, manager_id in User.teams.through.objects.filter(
        user_id__in=owner_ids, team__manager__isnull=False
    ).values_list("user_id", "team__manager_id"):
        managers_of[member_id].add(manager_id)

    escalations: dict[int, list[int]] = defaultdict(list)
    for item_id, owner_id, commander_id in badly_overdue:
        recipients = managers_of.get(owner_id) or ({commander_id} if commander_id else set())
        for recipient_id in recipients - {owner_id}:
            escalations[recipient_id].append(item_id)
    _drop_private_items_hidden_from(escalations, private_incident_of)

    reachable = _reachable_user_ids(set(digests) | set(escalations), day)
    return SweepPlan(
        day=day,
        digests={uid: ids for uid, ids in digests.items() if uid in reachable},
        escalations={uid: ids for uid, ids in escalations.items() if uid in reachable},
    )


def _drop_private_items_hidden_from(
    plan: dict[int, list[int]], private_incident_of: dict[int, int]
) -> None:
    """Remove from each recipient's list the items of private incidents they may not see.

    One query, and none when no private incident is involved: the visibility rule is asked
    once per recipient, all in one UNION.
    """
    asked = {
        uid: {private_incident_of[i] for i in item_ids if i in private_incident_of}
        for uid, item_ids in plan.items()
    }
    asked = {uid: ids for uid, ids in asked.items() if ids}
    if not asked:
        return
    queries = [
        Incident.objects.filter(pk__in=ids)
        .filter(visibility_condition(uid))
        .order_by()
        .values_list(Value(uid, output_field=IntegerField()), "pk")
        for uid, ids in asked.items()
    ]
    seen = set(queries[0].union(*queries[1:], all=True))
    for uid in asked:
        plan[uid] = [
            i
            for i in plan[uid]
            if i not in private_incident_of or (uid, private_incident_of[i]) in seen
        ]
        if not plan[uid]:
            del plan[uid]


@transaction.atomic
def record_sweep(plan: SweepPlan) -> list[int]:
    """Store the plan as delivery rows and return the ids of those still to be sent."""
    ReminderDelivery.objects.bulk_create(
        [
            ReminderDelivery(recipient_id=uid, kind=kind, for_date=plan.day, item_ids=item_ids)
            for kind, uid, item_ids in plan.entries()
        ],
        ignore_conflicts=True,
    )
    return list(
        ReminderDelivery.objects.filter(
            for_date=plan.day,
            action_item__isnull=True,
            status__in=[ReminderDelivery.Status.PENDING, ReminderDelivery.Status.SENDING],
        ).values_list("pk", flat=True)
    )


def run_sweep(*, day: date | None = None) -> list[int]:
    """Plan and record the day's reminders, then enqueue one task per delivery after commit."""
    from incidents import tasks

    day = day or reminder_today()
    with transaction.atomic():
        delivery_ids = record_sweep(plan_sweep(day))
        for delivery_id in delivery_ids:
            transaction.on_commit(
                lambda pk=delivery_id: tasks.deliver_reminder.delay(delivery_id=pk)
            )
    logger.info("reminder sweep for %s enqueued %d deliveries", day, len(delivery_ids))
    return delivery_ids


def claim_delivery(delivery_id: int) -> ReminderDelivery | None:
    """Claim a delivery for sending; return None when it is done or another worker has it."""
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.REMINDER_CLAIM_STALE_SECONDS)
    claimed = ReminderDelivery.objects.filter(
        Q(status=ReminderDelivery.Status.PENDING)
        | Q(status=ReminderDelivery.Status.SENDING, claimed_at__lt=stale_before),
        pk=delivery_id,
    ).update(status=ReminderDelivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if claimed == 0:
        return None
    return ReminderDelivery.objects.select_related("recipient").get(pk=delivery_id)


def release_delivery(delivery: ReminderDelivery, error: Exception) -> None:
    """Hand a claimed delivery back after a transient failure, so a retry can claim it."""
    ReminderDelivery.objects.filter(pk=delivery.pk).update(
        status=ReminderDelivery.Status.PENDING, last_error=repr(error)[:2000]
    )


def fail_delivery(delivery_id: int, error: Exception) -> None:
    """Mark a delivery failed for good; it stays listed in the admin with the error."""
    ReminderDelivery.objects.filter(pk=delivery_id).update(
        status=ReminderDelivery.Status.FAILED, last_error=repr(error)[:2000]
    )
    logger.error("reminder delivery %s failed for good: %r", delivery_id, error)


def _finish(delivery: ReminderDelivery, status: str) -> None:
    ReminderDelivery.objects.filter(pk=delivery.pk).update(
        status=status, sent_at=timezone.now(), last_error=""
    )


def _open_items(item_ids: list[int], recipient: User) -> list[ActionItem]:
    # Visibility is asked again at sending: an incident may have turned private since.
    return list(
        ActionItem.objects.visible_to(recipient)
        .open()
        .filter(pk__in=item_ids)
        .select_related("incident", "owner")
        .order_by("due_date", "pk")
    )


def send_claimed_delivery(delivery: ReminderDelivery) -> None:
    """Send the email of a claimed delivery and mark it sent; SMTP errors propagate."""
    recipient = delivery.recipient
    if not recipient.is_active or not recipient.email:
        _finish(delivery, ReminderDelivery.Status.SKIPPED)
        return
    if delivery.kind == ReminderDelivery.Kind.ASSIGNMENT:
        items = _open_items([delivery.action_item_id], recipient) if delivery.action_item_id else []
        items = [item for item in items if item.owner_id == recipient.pk]
    else:
        items = _open_items(delivery.item_ids, recipient)
    if not items:
        _finish(delivery, ReminderDelivery.Status.SKIPPED)
        return
    send = {
        ReminderDelivery.Kind.DIGEST: emails.send_owner_digest,
        ReminderDelivery.Kind.ESCALATION: emails.send_manager_escalation,
        ReminderDelivery.Kind.ASSIGNMENT: emails.send_assignment_notice,
    }[delivery.kind]
    send(delivery=delivery, recipient=recipient, items=items)
    _finish(delivery, ReminderDelivery.Status.SENT)


def create_assignment_notice(*, action_item_id: int, recipient_id: int) -> int | None:
    """Store the notice for a new owner and return its id, or None when it exists already."""
    delivery, created = ReminderDelivery.objects.get_or_create(
        recipient_id=recipient_id,
        kind=ReminderDelivery.Kind.ASSIGNMENT,
        for_date=reminder_today(),
        action_item_id=action_item_id,
    )
    return delivery.pk if created or delivery.status == ReminderDelivery.Status.PENDING else None
