"""Reminder emails about open action items, each delivered exactly once.

The sweep plans one digest per owner (and one escalation per manager) for a day and stores
each as a ReminderDelivery row; the unique constraints make planning twice harmless. A task
per row then claims it (core.deliveries) before sending, so two workers never send
the same row. A claim whose worker died is taken over once it is older than
DELIVERY_CLAIM_STALE_SECONDS, and recovery nudges rows whose task the broker lost; the only
window left for a duplicate is between the SMTP server accepting a message and the row
being marked sent, which follows at once.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import IntegerField, Q, Value
from django.utils import timezone

from core import deliveries
from incidents import emails
from incidents.models import (
    ActionItem,
    Incident,
    ReminderDelivery,
    TrackerIssue,
    User,
    visibility_condition,
)

logger = logging.getLogger(__name__)

MONDAY = 0


@dataclass(frozen=True)
class ReminderChannel:
    """Another way than e-mail to send the day's digests and escalations, lent from above.

    The chat app registers one from its ready(): `recorded(day)` owes its own rows for the
    day's reminder rows, in the sweep's transaction; `without_email(user_ids)` returns who
    of them wants the reminders there instead of e-mail (their e-mail row is skipped).
    """

    name: str
    recorded: Callable[[date], None]
    without_email: Callable[[set[int]], set[int]]


_channels: dict[str, ReminderChannel] = {}


def register_channel(channel: ReminderChannel) -> None:
    """Let the sweep tell this channel what it recorded; registering twice replaces."""
    _channels[channel.name] = channel


def _wants_no_email(user_id: int) -> bool:
    return any(user_id in c.without_email({user_id}) for c in _channels.values())


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
        # Work whose tracker issue is closed is done; the item follows at the next sync.
        .exclude(tracker_issue__state=TrackerIssue.State.CLOSED)
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
    for channel in _channels.values():
        channel.recorded(plan.day)
    return list(
        ReminderDelivery.objects.filter(
            for_date=plan.day,
            action_item__isnull=True,
            status__in=[ReminderDelivery.Status.PENDING, ReminderDelivery.Status.SENDING],
        ).values_list("pk", flat=True)
    )


def record_day(day: date | None = None) -> list[int]:
    """Plan and record the day's reminders; return the ids of the deliveries still owed."""
    day = day or reminder_today()
    delivery_ids = record_sweep(plan_sweep(day))
    logger.info("reminder sweep for %s owes %d deliveries", day, len(delivery_ids))
    return delivery_ids


def claim_delivery(delivery_id: int) -> ReminderDelivery | None:
    """Claim a delivery for sending; return None when it is done or another worker has it."""
    return deliveries.claim(ReminderDelivery, delivery_id)


def _open_items(item_ids: list[int], recipient: User) -> list[ActionItem]:
    # Visibility is asked again at sending: an incident may have turned private since.
    return list(
        ActionItem.objects.visible_to(recipient)
        .open()
        .filter(pk__in=item_ids)
        .exclude(tracker_issue__state=TrackerIssue.State.CLOSED)
        .select_related("incident", "owner")
        .order_by("due_date", "pk")
    )


def send_claimed_delivery(delivery: ReminderDelivery) -> None:
    """Send the email of a claimed delivery and mark it sent; SMTP errors propagate."""
    recipient = delivery.recipient
    if not recipient.is_active or not recipient.email:
        deliveries.finish(delivery, ReminderDelivery.Status.SKIPPED)
        return
    if delivery.kind == ReminderDelivery.Kind.ASSIGNMENT:
        items = _open_items([delivery.action_item_id], recipient) if delivery.action_item_id else []
        items = [item for item in items if item.owner_id == recipient.pk]
    else:
        items = _open_items(delivery.item_ids, recipient)
    if not items or (
        delivery.kind != ReminderDelivery.Kind.ASSIGNMENT and _wants_no_email(recipient.pk)
    ):
        # Skipped too when the person wants reminders only in chat (another row sends it).
        deliveries.finish(delivery, ReminderDelivery.Status.SKIPPED)
        return
    if not deliveries.renew_claim(delivery):
        return  # the claim went stale and another worker took the row over: it sends
    send = {
        ReminderDelivery.Kind.DIGEST: emails.send_owner_digest,
        ReminderDelivery.Kind.ESCALATION: emails.send_manager_escalation,
        ReminderDelivery.Kind.ASSIGNMENT: emails.send_assignment_notice,
    }[delivery.kind]
    send(delivery=delivery, recipient=recipient, items=items)
    # Straight after the SMTP server's acceptance: a crash between the two is the only way
    # this message can go out twice.
    deliveries.finish(delivery, ReminderDelivery.Status.SENT)


def record_assignment_notices(assignments: list[tuple[int, int]]) -> list[int]:
    """Store a notice per (action item id, new owner id) for today; return the ids owed.

    A notice already stored for the same item, owner and day is not stored again.
    """
    # An item deleted since its event was recorded needs no notice.
    existing = set(
        ActionItem.objects.filter(pk__in={item_id for item_id, _ in assignments}).values_list(
            "pk", flat=True
        )
    )
    assignments = [(item_id, owner) for item_id, owner in assignments if item_id in existing]
    if not assignments:
        return []
    today = reminder_today()
    ReminderDelivery.objects.bulk_create(
        [
            ReminderDelivery(
                recipient_id=owner_id,
                kind=ReminderDelivery.Kind.ASSIGNMENT,
                for_date=today,
                action_item_id=item_id,
            )
            for item_id, owner_id in assignments
        ],
        ignore_conflicts=True,
    )
    wanted = Q()
    for item_id, owner_id in assignments:
        wanted |= Q(action_item_id=item_id, recipient_id=owner_id)
    return list(
        ReminderDelivery.objects.filter(
            wanted,
            kind=ReminderDelivery.Kind.ASSIGNMENT,
            for_date=today,
            status=ReminderDelivery.Status.PENDING,
        ).values_list("pk", flat=True)
    )
