"""Sending one unlock-link e-mail row: claimed first, so it goes out once."""

from accounts import emails
from accounts.lockout import is_user_locked_out
from accounts.models import UnlockLinkEmail
from accounts.tokens import unlock_token
from core import deliveries


def claim(email_id: int) -> UnlockLinkEmail | None:
    return deliveries.claim(UnlockLinkEmail, email_id)


def send_claimed(email: UnlockLinkEmail) -> None:
    """Send a claimed row's unlock link and mark it sent; SMTP errors propagate.

    Skipped when the account was unlocked, emptied of its address or deactivated since: a
    link that unlocks nothing would only confuse.
    """
    recipient = email.recipient
    if (
        not recipient.is_active
        or not recipient.email
        or not is_user_locked_out(recipient.get_username())
    ):
        deliveries.finish(email, UnlockLinkEmail.Status.SKIPPED)
        return
    if not deliveries.renew_claim(email):
        return  # the claim went stale and another worker took the row over: it sends
    emails.send_unlock_link(user=recipient, token=unlock_token(recipient))
    # Straight after the SMTP server's acceptance: a crash between the two is the only way
    # this link can go out twice.
    deliveries.finish(email, UnlockLinkEmail.Status.SENT)
