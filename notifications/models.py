"""Who follows what, what each person was told, how they like to be told, and the e-mails."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.models import Delivery
from incidents.models import Incident


class Kind(models.TextChoices):
    """What a notification is about; each can be turned off per person."""

    REVIEW_REQUESTED = "review_requested", "Review requested of you"
    REVIEW_DECISION = "review_decision", "Review decisions on what you wrote"
    COMMENT = "comment", "Comments on postmortems you write or follow"
    REPLY = "reply", "Replies in your threads"
    MENTION = "mention", "Mentions of you"
    PUBLISHED = "published", "Postmortems published that you or your team follow"
    ACTION_ITEM = "action_item", "Changes by others to your action items"
    THREAD_RESOLVED = "thread_resolved", "Threads you wrote in, resolved by others"


# Assignment has its own e-mail already (incidents' assignment notice): shown in the inbox
# only, so nobody gets two e-mails for one assignment.
ASSIGNED = "assigned"
ALL_KINDS = [*Kind.values, ASSIGNED]


class Follow(models.Model):
    """Someone's choice to follow an incident, or (following=False) to stop.

    Authors, reviewers and the commander follow without a row; a row with following=False
    is how they stop, and a row with following=True is how anyone else starts.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="follows")
    following = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "incident"], name="one_follow_per_incident")
        ]

    def __str__(self) -> str:
        return f"{self.user} {'follows' if self.following else 'unfollowed'} {self.incident}"


class NotificationEmail(Delivery):
    """One e-mail to one person, collecting the notifications of a digest window.

    Notifications join it while it is pending and its window (next_attempt_at) is open;
    once a worker claims it, later ones start the next e-mail. Claimed with a token
    (core.deliveries), so a retry or a killed worker never sends it twice.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_emails"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "status"])]

    def __str__(self) -> str:
        return f"Notification e-mail {self.pk} to {self.recipient}"


class NotificationQuerySet(models.QuerySet):
    def inbox_of(self, user) -> "NotificationQuerySet":
        """Return what the user's inbox lists, newest first."""
        return self.filter(recipient=user, in_inbox=True)

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One thing someone was told, shown in their inbox until read."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=[*Kind.choices, (ASSIGNED, "Assigned")])
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications_caused",
    )
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    record = models.ForeignKey(
        "core.ChangeRecord", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField(max_length=300)
    excerpt = models.CharField(max_length=300, blank=True)
    url = models.CharField(max_length=300, help_text="Where it happened, with its #anchor.")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # False when the person turned this kind off in the inbox but wants its e-mail.
    in_inbox = models.BooleanField(default=True)
    email = models.ForeignKey(
        NotificationEmail,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True, in_inbox=True),
                name="unread_by_recipient",
            ),
        ]
        constraints = [
            # A consumer that handles an event twice (after a crash) tells nobody twice.
            models.UniqueConstraint(
                fields=["recipient", "record"], name="one_notification_per_event_and_person"
            )
        ]

    def __str__(self) -> str:
        return self.text

    def get_absolute_url(self) -> str:
        return reverse("notifications:open", args=[self.pk])


class NotificationPreference(models.Model):
    """How someone wants one kind told: no row means both in the inbox and by e-mail."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    in_app = models.BooleanField("in the inbox", default=True)
    email = models.BooleanField("by e-mail", default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind}"
