"""Telling people: notifications in the inbox, e-mails collected per digest window, follows.

`notify` takes what the consumers decided (who, what, where) and applies the rules every
kind shares: nobody is told of their own doing, nor of an incident they may not see; one
notification per person and event (the most specific kind); each person's preferences;
and e-mail through a NotificationEmail row that collects a burst into one message.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import BigIntegerField, Case, Value, When
from django.utils import timezone

from core.models import ChangeRecord
from incidents.models import Incident, User
from notifications.models import (
    ASSIGNED,
    Follow,
    Kind,
    Notification,
    NotificationEmail,
    NotificationPreference,
)
from postmortems.collaboration.mentions import viewers_among

# When one event tells someone several things, the most specific wins.
PRECEDENCE = [
    Kind.MENTION,
    Kind.REPLY,
    Kind.REVIEW_REQUESTED,
    Kind.REVIEW_DECISION,
    Kind.ACTION_ITEM,
    Kind.THREAD_RESOLVED,
    ASSIGNED,
    Kind.COMMENT,
    Kind.PUBLISHED,
]
# Kinds told in the inbox only, because another e-mail already says it.
INBOX_ONLY = {ASSIGNED}


@dataclass(frozen=True)
class Intent:
    """That recipient should be told text (about record), linking to url."""

    recipient_id: int
    kind: str
    record: ChangeRecord
    text: str
    url: str
    excerpt: str = ""


@dataclass(frozen=True)
class NotificationChannel:
    """Another way than e-mail to tell people, lent from above (chat's direct messages).

    `recorded(pairs)` is called in notify's transaction with the (recipient id, record id)
    of every notification just stored that its recipient wants told outside the inbox;
    `without_email(user_ids)` returns who of them wants it there instead of by e-mail.
    """

    name: str
    recorded: Callable[[set[tuple[int, int]]], None]
    without_email: Callable[[set[int]], set[int]]


_channels: dict[str, NotificationChannel] = {}


def register_channel(channel: NotificationChannel) -> None:
    """Let notify tell this channel what it stored; registering twice replaces."""
    _channels[channel.name] = channel


def digest_window() -> timedelta:
    return timedelta(minutes=settings.NOTIFICATION_DIGEST_MINUTES)


def _visible(intents: list[Intent]) -> list[Intent]:
    by_incident: dict[int, set[int]] = {}
    incidents: dict[int, Incident] = {}
    for intent in intents:
        by_incident.setdefault(intent.record.incident_id, set()).add(intent.recipient_id)
        incidents[intent.record.incident_id] = intent.record.incident
    allowed = {
        incident_id: viewers_among(incidents[incident_id], user_ids)
        for incident_id, user_ids in by_incident.items()
    }
    return [i for i in intents if i.recipient_id in allowed[i.record.incident_id]]


def _most_specific(intents: list[Intent]) -> list[Intent]:
    chosen: dict[tuple[int, int], Intent] = {}
    rank = {kind: n for n, kind in enumerate(PRECEDENCE)}
    for intent in intents:
        key = (intent.recipient_id, intent.record.pk)
        if key not in chosen or rank[intent.kind] < rank[chosen[key].kind]:
            chosen[key] = intent
    return list(chosen.values())


@transaction.atomic
def notify(intents: list[Intent]) -> list[int]:
    """Store the notifications and owe their e-mails; return the e-mail rows just made.

    Runs in a fixed number of queries whatever the number of intents (one per private
    incident involved to ask who may see it).
    """
    intents = [i for i in intents if i.recipient_id != i.record.actor_id]
    if not intents:
        return []
    intents = _most_specific(_visible(intents))
    recipient_ids = {i.recipient_id for i in intents}
    active = dict(
        User.objects.filter(pk__in=recipient_ids, is_active=True).values_list("pk", "email")
    )
    preferences = {
        (p.user_id, p.kind): p
        for p in NotificationPreference.objects.filter(user_id__in=recipient_ids)
    }
    no_email = set().union(*(c.without_email(recipient_ids) for c in _channels.values()))
    rows, wants_email, told_outside = [], set(), set()
    for intent in intents:
        if intent.recipient_id not in active:
            continue
        preference = preferences.get((intent.recipient_id, intent.kind))
        in_inbox = preference.in_app if preference else True
        # "By e-mail" in the preferences: told outside the inbox, by e-mail or where the
        # person chose instead (a chat channel registered here).
        outside = intent.kind not in INBOX_ONLY and (preference.email if preference else True)
        email = (
            outside and bool(active[intent.recipient_id]) and intent.recipient_id not in no_email
        )
        if not (in_inbox or outside):
            continue
        rows.append(
            Notification(
                recipient_id=intent.recipient_id,
                kind=intent.kind,
                actor_id=intent.record.actor_id,
                incident_id=intent.record.incident_id,
                record=intent.record,
                text=intent.text[:300],
                excerpt=" ".join(intent.excerpt.split())[:300],
                url=intent.url[:300],
                in_inbox=in_inbox,
            )
        )
        if email:
            wants_email.add((intent.recipient_id, intent.record.pk))
        if outside:
            told_outside.add((intent.recipient_id, intent.record.pk))
    # ignore_conflicts: an event handled again after a crash tells nobody twice.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if told_outside:
        for channel in _channels.values():
            channel.recorded(told_outside)
    if not wants_email:
        return []
    return _collect_into_emails(wants_email)


def _collect_into_emails(wanted: set[tuple[int, int]]) -> list[int]:
    """Put each new notification into its recipient's open e-mail, or a new one."""
    now = timezone.now()
    recipients = {recipient for recipient, _ in wanted}
    # Locked so a worker claiming one of them waits until these notifications are in it;
    # one it claimed first no longer matches (PostgreSQL re-checks the condition).
    open_emails = {
        email.recipient_id: email.pk
        for email in NotificationEmail.objects.select_for_update()
        .filter(
            recipient_id__in=recipients,
            status=NotificationEmail.Status.PENDING,
            claimed_at__isnull=True,
            next_attempt_at__gt=now,
        )
        .order_by("pk")
    }
    made = NotificationEmail.objects.bulk_create(
        [
            NotificationEmail(recipient_id=r, next_attempt_at=now + digest_window())
            for r in sorted(recipients - open_emails.keys())
        ]
    )
    open_emails.update({email.recipient_id: email.pk for email in made})
    ids = list(
        Notification.objects.filter(
            recipient_id__in=recipients,
            record_id__in={record for _, record in wanted},
            email__isnull=True,
        ).values_list("pk", "recipient_id", "record_id")
    )
    ids = [(pk, recipient) for pk, recipient, record in ids if (recipient, record) in wanted]
    if ids:
        Notification.objects.filter(pk__in=[pk for pk, _ in ids]).update(
            email_id=Case(
                *[When(recipient_id=r, then=Value(open_emails[r])) for r in recipients],
                output_field=BigIntegerField(),
            )
        )
    return [email.pk for email in made]


def followers(
    *,
    incident: Incident,
    authors: set[int],
    reviewers: set[int],
    follows: dict[int, bool],
) -> set[int]:
    """Return who follows the incident: its people unless they stopped, and who chose to."""
    automatic = {*authors, *reviewers, *([incident.commander_id] if incident.commander_id else [])}
    return {u for u in automatic if follows.get(u, True)} | {u for u, on in follows.items() if on}


def is_following(*, user: User, incident: Incident) -> bool:
    """Return True when the user follows the incident, automatically or by choice."""
    choice = Follow.objects.filter(user=user, incident=incident).values_list("following", flat=True)
    chosen = next(iter(choice), None)
    if chosen is not None:
        return chosen
    if incident.commander_id == user.pk:
        return True
    postmortem = getattr(incident, "postmortem", None)
    if postmortem is None:
        return False
    # The pages with the follow button have the authors prefetched already.
    if any(author.pk == user.pk for author in postmortem.authors.all()):
        return True
    return postmortem.reviewers.filter(pk=user.pk).exists()


def follow_set(*, user: User, incident: Incident, following: bool) -> None:
    """Follow the incident, or stop following it (authors and commanders too)."""
    Follow.objects.update_or_create(user=user, incident=incident, defaults={"following": following})


def follow_on_taking_part(pairs: set[tuple[int, int]]) -> None:
    """Make each (user, incident) a follower, unless they chose not to follow it."""
    Follow.objects.bulk_create(
        [Follow(user_id=user, incident_id=incident) for user, incident in sorted(pairs)],
        ignore_conflicts=True,
    )


def mark_read(*, user: User, notification_ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when no ids are given)."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())


def mark_unread(*, user: User, notification_id: int) -> int:
    return Notification.objects.filter(recipient=user, pk=notification_id).update(read_at=None)


def preferences_of(user: User) -> dict[str, NotificationPreference]:
    """Return the user's preference for every kind (unsaved defaults where none is stored)."""
    stored = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    return {kind: stored.get(kind, NotificationPreference(user=user, kind=kind)) for kind in Kind}


@transaction.atomic
def preferences_save(*, user: User, choices: dict[str, tuple[bool, bool]]) -> None:
    """Store, per kind, whether the user wants it (in the inbox, by e-mail)."""
    for kind, (in_app, email) in choices.items():
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"in_app": in_app, "email": email}
        )


def unsubscribe_all_email(user: User) -> None:
    """Turn every kind's e-mail off for the user, keeping the inbox as it was."""
    current = preferences_of(user)
    preferences_save(user=user, choices={k: (p.in_app, False) for k, p in current.items()})
