"""Chat as a notification channel: reminders and notifications by DM, news in a team channel.

The rows that say what is owed elsewhere stay the source: the reminder sweep's
ReminderDelivery rows, the Notification rows notify() stores, the events of the team's
incidents. From each, chat owes a ChatDelivery row (once, by unique constraints), and a
worker claims it with a token before posting (core.deliveries), so each is posted once.
Chat lends this to the apps below from its ready() (incidents.reminders.register_channel,
notifications.services.register_channel, a core.events consumer); they never import chat.

Private incidents stay private: nothing of one goes to a team channel, ever; a DM about
one goes only to someone who may see it, asked again when it is posted.
"""

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q

from chat.clients import client_for
from chat.models import ChatConnection, ChatDelivery, ChatNotifyChoice, ChatUserLink
from core import deliveries
from core.models import ChangeRecord
from incidents.models import (
    ActionItem,
    Incident,
    ReminderDelivery,
    TrackerIssue,
    User,
    rows_visible_to,
)
from notifications.models import Notification

Via = ChatNotifyChoice.Via
REMINDERS, NOTIFICATIONS = "reminders", "notifications"
# Team news posted in the channel, and how each reads.
CHANNEL_EVENTS = {
    "incident.created": "opened",
    "postmortem.submitted": "postmortem submitted for review",
    "postmortem.published": "postmortem published",
    "action_item.created": "action item added",
}
CHANNEL_ITEMS_SHOWN = 15
DM_ITEMS_SHOWN = 20


class ChatRefused(Exception):
    """Why a chat message could not be posted, in words for the connection's page."""

    def __repr__(self) -> str:  # core.deliveries keeps repr(error) as the row's last_error
        return str(self)


# Who wants what, where.


def dm_links(user_ids: Iterable[int]) -> dict[int, ChatUserLink]:
    """Return, per user, their link on a connection of one of their teams (the oldest one).

    Only such a link may carry a DM: a link on another team's workspace is not theirs to use.
    """
    mine = Q(connection__team__members=F("user_id")) | Q(connection__team__manager=F("user_id"))
    links: dict[int, ChatUserLink] = {}
    for link in (
        ChatUserLink.objects.filter(mine, user_id__in=set(user_ids), user__is_active=True)
        .select_related("connection")
        .order_by("user_id", "connection_id")
    ):
        links.setdefault(link.user_id, link)
    return links


def _choosing(topic: str, user_ids: set[int], vias: set[str]) -> set[int]:
    if not user_ids:
        return set()
    return set(
        ChatNotifyChoice.objects.filter(
            user_id__in=user_ids, **{f"{topic}__in": sorted(vias)}
        ).values_list("user_id", flat=True)
    )


def chat_links(topic: str, user_ids: set[int]) -> dict[int, ChatUserLink]:
    """Return the links of the users who want this topic in chat (alone or with e-mail)."""
    wanting = _choosing(topic, user_ids, {Via.CHAT, Via.BOTH})
    return dm_links(wanting) if wanting else {}


def without_email(topic: str, user_ids: set[int]) -> set[int]:
    """Return who wants this topic in chat only, and can be reached there."""
    chat_only = _choosing(topic, set(user_ids), {Via.CHAT})
    return set(dm_links(chat_only)) if chat_only else set()


def choice_of(user: User) -> ChatNotifyChoice:
    """Return the user's choice (an unsaved default of e-mail when none is stored)."""
    return ChatNotifyChoice.objects.filter(user=user).first() or ChatNotifyChoice(user=user)


def choice_save(*, user: User, reminders: str, notifications: str) -> None:
    ChatNotifyChoice.objects.update_or_create(
        user=user, defaults={"reminders": reminders, "notifications": notifications}
    )


def team_connections(user: User) -> models.QuerySet:
    """Return the connections of the user's teams (as member or manager)."""
    mine = Q(team__members=user) | Q(team__manager=user)
    return ChatConnection.objects.filter(
        pk__in=ChatConnection.objects.filter(mine).values("pk")
    ).select_related("team")


def link_by_email(user: User) -> list[str]:
    """Find the user in each chat of their teams by their e-mail and keep the link.

    Return what was found, in words, one line per connection (raises nothing: a chat that
    fails is reported in its line).
    """
    said = []
    for connection in team_connections(user).order_by("pk"):
        if ChatUserLink.objects.filter(connection=connection, user=user).exists():
            said.append(f"{connection.name}: already linked.")
            continue
        try:
            found = client_for(connection).user_by_email(user.email) if user.email else None
        except Exception as error:  # a ChatError, or anything a broken chat answers
            said.append(f"{connection.name}: {error}")
            continue
        if found is None:
            said.append(f"{connection.name}: nobody there has the address {user.email}.")
            continue
        taken = ChatUserLink.objects.filter(connection=connection, chat_user_id=found.id)
        if taken.exclude(user=user).exists():
            said.append(f"{connection.name}: {found.name} is linked to someone else already.")
            continue
        ChatUserLink.objects.get_or_create(
            connection=connection,
            user=user,
            defaults={"chat_user_id": found.id, "chat_username": found.name},
        )
        said.append(f"{connection.name}: you are {found.name}.")
    return said


# Owing rows: called by the apps below, in their transactions.


def _owed_after_commit(rows: models.QuerySet) -> None:
    from chat import notify_tasks

    ids = list(rows.filter(status=ChatDelivery.Status.PENDING).values_list("pk", flat=True))
    if ids:
        transaction.on_commit(lambda: notify_tasks.nudge_chat(ids), robust=True)


def reminders_recorded(day: date) -> None:
    """Owe a DM for each of the day's digests and escalations whose recipient wants chat,
    and a channel post for each team whose connection posts overdue items."""
    reminders = dict(
        ReminderDelivery.objects.filter(
            for_date=day,
            kind__in=[ReminderDelivery.Kind.DIGEST, ReminderDelivery.Kind.ESCALATION],
        ).values_list("pk", "recipient_id")
    )
    links = chat_links(REMINDERS, set(reminders.values()))
    rows = [
        ChatDelivery(
            kind=ChatDelivery.Kind.REMINDER,
            reminder_id=reminder_id,
            recipient_id=recipient_id,
            connection_id=links[recipient_id].connection_id,
            chat_user_id=links[recipient_id].chat_user_id,
        )
        for reminder_id, recipient_id in reminders.items()
        if recipient_id in links
    ]
    channels = ChatConnection.objects.filter(notify_reminders=True).exclude(notify_channel_id="")
    rows += [
        ChatDelivery(
            kind=ChatDelivery.Kind.CHANNEL_REMINDERS,
            connection_id=pk,
            channel_id=channel_id,
            for_date=day,
        )
        for pk, channel_id in channels.values_list("pk", "notify_channel_id")
    ]
    if not rows:
        return
    ChatDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    _owed_after_commit(
        ChatDelivery.objects.filter(
            Q(reminder__for_date=day) | Q(kind=ChatDelivery.Kind.CHANNEL_REMINDERS, for_date=day)
        )
    )


def notifications_recorded(pairs: set[tuple[int, int]]) -> None:
    """Owe a DM for each notification (recipient, record) whose recipient wants chat."""
    links = chat_links(NOTIFICATIONS, {recipient for recipient, _ in pairs})
    if not links:
        return
    wanted = {(r, record) for r, record in pairs if r in links}
    found = Notification.objects.filter(
        recipient_id__in={r for r, _ in wanted}, record_id__in={record for _, record in wanted}
    ).values_list("pk", "recipient_id", "record_id")
    ids = [(pk, r) for pk, r, record in found if (r, record) in wanted]
    if not ids:
        return
    ChatDelivery.objects.bulk_create(
        [
            ChatDelivery(
                kind=ChatDelivery.Kind.NOTIFICATION,
                notification_id=pk,
                recipient_id=r,
                connection_id=links[r].connection_id,
                chat_user_id=links[r].chat_user_id,
            )
            for pk, r in ids
        ],
        ignore_conflicts=True,
    )
    _owed_after_commit(ChatDelivery.objects.filter(notification_id__in=[pk for pk, _ in ids]))


def team_news_recorded(records: list[ChangeRecord]) -> None:
    """Owe a channel post for each event of a team's incident, never of a private one."""
    shown = [
        r
        for r in records
        if r.event in CHANNEL_EVENTS and r.incident.team_id and not r.incident.is_private
    ]
    if not shown:
        return
    channels: dict[int, list[tuple[int, str]]] = {}
    for pk, team_id, channel_id in (
        ChatConnection.objects.filter(
            team_id__in={r.incident.team_id for r in shown}, notify_notifications=True
        )
        .exclude(notify_channel_id="")
        .values_list("pk", "team_id", "notify_channel_id")
    ):
        channels.setdefault(team_id, []).append((pk, channel_id))
    rows = [
        ChatDelivery(
            kind=ChatDelivery.Kind.CHANNEL_EVENT,
            connection_id=pk,
            channel_id=channel_id,
            record=record,
        )
        for record in shown
        for pk, channel_id in channels.get(record.incident.team_id, [])
    ]
    if rows:
        ChatDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        _owed_after_commit(ChatDelivery.objects.filter(record__in=[r.pk for r in shown]))


# The messages. Slack reads mrkdwn, Mattermost Markdown: what people wrote is escaped for
# each, so a title never links, pings a channel or formats the message.


def escape(text: str, kind: str) -> str:
    """Return text that the chat shows as written."""
    text = " ".join(str(text).split())
    # A zero-width space keeps @channel, @here and @all from pinging anyone.
    text = text.replace("@", "@\u200b")
    if kind == ChatConnection.Kind.SLACK:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "".join(f"\\{c}" if c in "\\`*_{}[]()<>#+-.!|~" else c for c in text)


def link(url: str, label: str, kind: str) -> str:
    """Return a link with an escaped label, in the chat's markup."""
    if kind == ChatConnection.Kind.SLACK:
        return f"<{url}|{escape(label, kind).replace('|', '¦')}>"
    return f"[{escape(label, kind)}]({url.replace(')', '%29')})"


def absolute(path: str) -> str:
    return path if "://" in path else settings.SITE_URL.rstrip("/") + path


def _item_line(item: ActionItem, kind: str, day: date, *, owner: bool) -> str:
    due = f"due {item.due_date.isoformat()}" if item.due_date else "no due date"
    late = item.days_overdue(day) if item.due_date else 0
    if late > 0:
        due += f", {late} day{'s' if late != 1 else ''} overdue"
    who = f", {escape(item.owner, kind)}" if owner and item.owner_id else ""
    title = f"{item.incident.reference}: {item.title}"
    return f"• {link(absolute(item.get_absolute_url()), title, kind)} ({due}{who})"


def _lines(items: list[ActionItem], limit: int, kind: str, day: date, *, owner: bool) -> str:
    lines = [_item_line(i, kind, day, owner=owner) for i in items[:limit]]
    if len(items) > limit:
        lines.append(f"… and {len(items) - limit} more")
    return "\n".join(lines)


def _open_items(queryset: models.QuerySet) -> list[ActionItem]:
    return list(
        queryset.open()
        .exclude(tracker_issue__state=TrackerIssue.State.CLOSED)
        .select_related("incident", "owner")
        .order_by("due_date", "pk")
    )


def reminder_text(row: ChatDelivery, kind: str) -> str | None:
    """Return the DM of a digest or an escalation, or None when nothing is left to say."""
    reminder, recipient = row.reminder, row.recipient
    # Visibility is asked again at posting: an incident may have turned private since.
    items = _open_items(ActionItem.objects.visible_to(recipient).filter(pk__in=reminder.item_ids))
    if not items:
        return None
    n = len(items)
    if reminder.kind == ReminderDelivery.Kind.ESCALATION:
        head = f"{n} action item{'s are' if n != 1 else ' is'} long overdue on your team:"
    else:
        plural = "s" if n != 1 else ""
        head = f"Reminder: {n} open action item{plural} of yours due soon or overdue:"
    owner = reminder.kind == ReminderDelivery.Kind.ESCALATION
    return f"{head}\n{_lines(items, DM_ITEMS_SHOWN, kind, reminder.for_date, owner=owner)}"


def channel_reminders_text(row: ChatDelivery, kind: str) -> str | None:
    """Return the team channel's overdue items, of incidents that are not private."""
    team = row.connection.team
    items = _open_items(
        ActionItem.objects.filter(incident__team=team, incident__is_private=False).overdue(
            row.for_date
        )
    )
    if not items:
        return None
    n = len(items)
    head = f"{n} overdue action item{'s' if n != 1 else ''} of {escape(team.name, kind)}:"
    return f"{head}\n{_lines(items, CHANNEL_ITEMS_SHOWN, kind, row.for_date, owner=True)}"


def notification_text(row: ChatDelivery, kind: str) -> str | None:
    """Return the DM of one notification, when its recipient may still see its incident."""
    notification = (
        rows_visible_to(
            Notification.objects.filter(pk=row.notification_id),
            row.recipient,
            incident="incident__",
        )
        .select_related("incident")
        .first()
    )
    if notification is None:
        return None
    text = link(absolute(notification.url), notification.text, kind)
    if notification.excerpt:
        text += f"\n> {escape(notification.excerpt, kind)}"
    return text


def channel_event_text(row: ChatDelivery, kind: str) -> str | None:
    """Return the channel's line about an event, never about a private incident."""
    record = row.record
    incident = Incident.objects.filter(pk=record.incident_id, is_private=False).first()
    if incident is None or incident.team_id != row.connection.team_id:
        return None
    what = CHANNEL_EVENTS.get(record.event, record.event)
    title = f"{incident.reference} {incident.title}"
    text = f"{link(absolute(incident.get_absolute_url()), title, kind)}: {escape(what, kind)}"
    if record.event == "action_item.created" and record.object_repr:
        text += f": {escape(record.object_repr, kind)}"
    return text


TEXTS = {
    ChatDelivery.Kind.REMINDER: reminder_text,
    ChatDelivery.Kind.NOTIFICATION: notification_text,
    ChatDelivery.Kind.CHANNEL_REMINDERS: channel_reminders_text,
    ChatDelivery.Kind.CHANNEL_EVENT: channel_event_text,
}


# Posting one claimed row.


def claim(delivery_id: int) -> ChatDelivery | None:
    return deliveries.claim(ChatDelivery, delivery_id)


def _is_channel_post(row: ChatDelivery) -> bool:
    return row.kind in (ChatDelivery.Kind.CHANNEL_REMINDERS, ChatDelivery.Kind.CHANNEL_EVENT)


def post_claimed(row: ChatDelivery) -> None:
    """Post a claimed row's message and mark it sent; ChatError propagates."""
    row = ChatDelivery.objects.select_related(
        "connection__team", "recipient", "reminder", "record"
    ).get(pk=row.pk)
    if not _is_channel_post(row) and not (row.recipient and row.recipient.is_active):
        deliveries.finish(row, ChatDelivery.Status.SKIPPED)
        return
    kind = row.connection.kind
    text = TEXTS[row.kind](row, kind)
    if text is None:
        deliveries.finish(row, ChatDelivery.Status.SKIPPED)
        return
    if not deliveries.renew_claim(row):
        return  # the claim went stale and another worker took the row over: it posts
    client = client_for(row.connection)
    channel_id = row.channel_id or client.direct_channel(row.chat_user_id)
    message_id = client.post_message(channel_id, text)
    # Straight after the chat took it: a crash between the two is the only way this
    # message can be posted twice.
    if deliveries.finish(row, ChatDelivery.Status.SENT):
        ChatDelivery.objects.filter(pk=row.pk).update(message_id=str(message_id)[:64])
