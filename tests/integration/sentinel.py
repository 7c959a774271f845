"""The sentinel task: the test's worker loads it (celery worker --include) beside the app's.

Sent to the test's queue after the work, it runs once the worker (one process, one task at
a time, in order) has run every task queued before it: a duplicate on its way would have
arrived by then. Tasks waiting on a countdown (retries) are not in front of it.
"""

from pathlib import Path

from celery import shared_task

NAME = "tests.integration.sentinel.reached"


@shared_task(name=NAME)
def reached(path: str) -> None:
    """Mark that the worker got this far."""
    Path(path).touch()
