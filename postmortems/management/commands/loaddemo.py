from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from postmortems.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load demo users and incidents, the example postmortem among them. Safe to re-run."

    def handle(self, *args, **options) -> None:
        result = load_demo(today=timezone.localdate())
        names = ", ".join(user.username for user in result.users)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {result.example}"))
        self.stdout.write(f"Open {settings.SITE_URL}/ and log in as alice / {DEMO_PASSWORD}")
        self.stdout.write(f"(all demo users share that password: {names}; carol is a manager)")
