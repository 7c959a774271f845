"""Receivers for django-axes' signals; each hands over to a service at once."""

from axes.signals import user_locked_out
from django.dispatch import receiver

from accounts import services


@receiver(user_locked_out, dispatch_uid="accounts.email_unlock_link_on_lockout")
def email_unlock_link_on_lockout(sender, request, username=None, **kwargs) -> None:
    """E-mail the owner of a user name that was just locked a link that unlocks it."""
    if username:
        services.request_unlock_link(identifier=username)
