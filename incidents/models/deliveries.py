"""Reminder emails owed to people, one row per email (see core.deliveries)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import Delivery
from incidents.models.action_items import ActionItem


class ReminderDelivery(Delivery):
    """One email to one person for one day: claimed before sending, so it goes out once."""

    class Kind(models.TextChoices):
        DIGEST = "digest", "Owner digest"
        ESCALATION = "escalation", "Manager escalation"
        ASSIGNMENT = "assignment", "Assignment notice"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_deliveries"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    for_date = models.DateField()
    action_item = models.ForeignKey(
        ActionItem,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignment_notices",
        help_text="Set for assignment notices only.",
    )
    item_ids = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-for_date", "-id"]
        verbose_name_plural = "reminder deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "for_date"],
                condition=Q(action_item__isnull=True),
                name="one_reminder_per_recipient_kind_day",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "for_date", "action_item"],
                condition=Q(action_item__isnull=False),
                name="one_assignment_notice_per_item_day",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "for_date"]),
            models.Index(fields=["status", "created_at"], name="reminder_owed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} for {self.for_date}"
