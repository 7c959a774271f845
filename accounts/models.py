"""The e-mails sign-in owes people: one row per unlock link (see core.deliveries)."""

from django.conf import settings
from django.db import models

from core.models import Delivery


class UnlockLinkEmail(Delivery):
    """One e-mail with an unlock link to the owner of a locked account, owed until sent.

    A lockout starts inside the sign-in request; the request only writes this row, and a
    worker sends it, so a mail server that is down or slow never turns a lockout into an
    error page. The link is signed when the e-mail is sent (it is never stored), so its
    lifetime counts from the moment it can be read.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unlock_link_emails"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="unlock_link_owed_idx")]

    def __str__(self) -> str:
        return f"Unlock link {self.pk} to {self.recipient}"
