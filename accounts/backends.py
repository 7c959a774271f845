"""The password backend: Django's, refusing everyone but superusers when PASSWORD_LOGIN=false."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class PasswordBackend(ModelBackend):
    """Sign in with user name and password while password sign-in is on.

    With PASSWORD_LOGIN=false only superusers may (the break-glass path), through every
    form that uses the password (our login page, the admin's), and password sessions of
    everyone else end at their next request.
    """

    def user_can_authenticate(self, user) -> bool:
        if not super().user_can_authenticate(user):
            return False
        return settings.PASSWORD_LOGIN or user.is_superuser
