"""The Celery app; workers and beat read their settings from Django's, prefixed CELERY_."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("postmortems")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _refuse_to_work_without_secret_key(**kwargs) -> None:
    from config.env import require_secret_key

    require_secret_key()
