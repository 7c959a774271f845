"""Owed deliveries: claim, finish, hand back, give up, and recover what the broker lost.

Every outgoing message is a row (see models.Delivery). The row, not the broker, says what is
owed: a task only nudges a worker to try it. A worker claims the row with one conditional
UPDATE that also sets a new claim token; finishing, handing back and failing are UPDATEs
guarded by that token, so a worker whose claim went stale (and was taken over) changes
nothing. Recovery, run by beat every few minutes, nudges again every row whose nudge was
lost: pending with no retry due, or claimed longer ago than the stale limit. A second nudge
for a row that is still queued is harmless: only one claim wins.

Each kind of delivery registers itself here (register_owed) with the function that nudges
a worker, so one recovery serves reminders, assignment notices and whatever comes later.
"""

import logging
import smtplib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.models import Delivery

logger = logging.getLogger(__name__)

# How many owed rows one recovery run nudges per kind; the next run takes the rest.
RECOVERY_BATCH = 2000


def stale_before(now: datetime) -> datetime:
    """Return the instant before which a claim counts as abandoned by its worker."""
    return now - timedelta(seconds=settings.DELIVERY_CLAIM_STALE_SECONDS)


def claim(model: type[Delivery], pk: int) -> Delivery | None:
    """Claim a delivery for sending; return it with its claim token, or None.

    None means it is done, failed, or another worker holds a claim that is not stale yet.
    """
    now = timezone.now()
    token = uuid.uuid4()
    claimed = model.objects.filter(
        Q(status=Delivery.Status.PENDING)
        | Q(status=Delivery.Status.SENDING, claimed_at__lt=stale_before(now)),
        pk=pk,
    ).update(
        status=Delivery.Status.SENDING,
        claimed_at=now,
        claim_token=token,
        attempts=F("attempts") + 1,
    )
    if claimed == 0:
        return None
    return model.objects.get(pk=pk, claim_token=token)


def _guarded(row: Delivery) -> models.QuerySet:
    """Return the row for an update that only applies while this claim still holds."""
    return type(row).objects.filter(
        pk=row.pk, status=Delivery.Status.SENDING, claim_token=row.claim_token
    )


def renew_claim(row: Delivery) -> bool:
    """Refresh the claim just before sending; return False when another worker took it over.

    A worker that stalled past the stale limit finds its claim gone here and sends nothing.
    """
    now = timezone.now()
    renewed = _guarded(row).update(claimed_at=now) == 1
    if renewed:
        row.claimed_at = now
    return renewed


def finish(row: Delivery, status: str) -> bool:
    """Mark a claimed delivery sent or skipped; return False when the claim was lost."""
    done = _guarded(row).update(status=status, sent_at=timezone.now(), last_error="") == 1
    if not done:
        logger.warning(
            "%s %s: claim lost before it was marked %s", row._meta.verbose_name, row.pk, status
        )
    return done


def release(row: Delivery, error: Exception, *, retry_in: int) -> bool:
    """Hand a claimed delivery back after a transient error, to be tried in retry_in seconds."""
    return (
        _guarded(row).update(
            status=Delivery.Status.PENDING,
            next_attempt_at=timezone.now() + timedelta(seconds=retry_in),
            last_error=repr(error)[:2000],
        )
        == 1
    )


def fail(row: Delivery, error: Exception) -> bool:
    """Give up on a claimed delivery; it stays listed in the admin with the error."""
    failed = _guarded(row).update(status=Delivery.Status.FAILED, last_error=repr(error)[:2000]) == 1
    if failed:
        logger.error("%s %s failed for good: %r", row._meta.verbose_name, row.pk, error)
    return failed


@dataclass(frozen=True)
class FailedTry:
    """What became of a claimed row after a failed try."""

    # Seconds until the next try when the row was handed back for one, else None.
    retry_in: int | None = None
    # True when this call gave the row up for good (only one caller ever does).
    failed: bool = False


def retry_or_fail(
    row: Delivery,
    error: Exception,
    *,
    may_retry: bool,
    retry_in: int | None = None,
    max_wait: int | None = None,
) -> FailedTry:
    """Hand a claimed row back for another try, or give it up when may_retry is False.

    The next try waits retry_in seconds (what the other side asked for), else the backoff
    for the row's attempts, at most max_wait. When the claim was lost, neither happens: the
    worker that took the row over owns it now. Every kind of delivery ends a failed try
    here, so the rules of handing back and giving up are written once.
    """
    if not may_retry:
        return FailedTry(failed=fail(row, error))
    wait = retry_in or retry_delay(row.attempts)
    if max_wait is not None:
        wait = min(wait, max_wait)
    wait = max(1, wait)
    if not release(row, error, retry_in=wait):
        return FailedTry()
    logger.warning(
        "%s %s: try %d failed, trying again in %ss: %s",
        row._meta.verbose_name, row.pk, row.attempts, wait, error,
    )  # fmt: skip
    return FailedTry(retry_in=wait)


# What a failed SMTP send raises that a later try may get past.
TRANSIENT_MAIL_ERRORS = (smtplib.SMTPException, OSError)


def retry_mail_or_fail(row: Delivery, error: Exception) -> FailedTry:
    """End a failed send of an e-mail row: tried again up to DELIVERY_MAX_RETRIES, then failed."""
    return retry_or_fail(row, error, may_retry=row.attempts <= settings.DELIVERY_MAX_RETRIES)


def try_again_later(task, countdown: int | None, **kwargs) -> None:
    """Enqueue the task's next try after countdown seconds, when there is one.

    Run in-process (tests, CELERY_TASK_ALWAYS_EAGER) a countdown is not waited out: the row
    stays pending with its retry time, and recovery nudges it when it is due.
    """
    if countdown is None or task.request.is_eager:
        return
    task.apply_async(kwargs=kwargs, countdown=countdown)


def status_counts(rows: models.QuerySet, day_field: str) -> dict[date, dict[str, int]]:
    """Return {day: {status: count}} of the rows, by the date in day_field, oldest first."""
    counts: dict[date, dict[str, int]] = {}
    for row in rows.values(day_field, "status").annotate(total=Count("pk")).order_by(day_field):
        day_counts = counts.setdefault(row[day_field], dict.fromkeys(Delivery.Status.values, 0))
        day_counts[row["status"]] = row["total"]
    return counts


def retry_delay(attempts: int) -> int:
    """Return the seconds to wait before try number attempts + 1: 1, 2, 4, … up to a cap."""
    return min(2 ** max(attempts - 1, 0), settings.DELIVERY_RETRY_BACKOFF_MAX)


@dataclass(frozen=True)
class OwedKind:
    """A kind of row that is owed until done, and how to nudge a worker to do it."""

    name: str
    owed: Callable[[datetime], models.QuerySet]
    nudge: Callable[[list[int]], None]
    overdue: Callable[[datetime], models.QuerySet]


_kinds: dict[str, OwedKind] = {}


def register_owed(kind: OwedKind) -> None:
    """Let recovery and the health check see this kind of row; registering twice replaces."""
    _kinds[kind.name] = kind


def register_owed_rows(name: str, model: type[Delivery], nudge: Callable[[list[int]], None]):
    """Register a Delivery model whose owed and overdue rows are read the common way."""
    register_owed(
        OwedKind(
            name=name,
            owed=lambda now: owed_deliveries(model, now),
            overdue=lambda now: overdue_deliveries(model, now),
            nudge=nudge,
        )
    )


def owed_kinds() -> Iterable[OwedKind]:
    return _kinds.values()


def _with_due_since(model: type[Delivery]) -> models.QuerySet:
    # When a pending row is due: at its scheduled retry, else since it was made.
    return model.objects.alias(due_since=Coalesce("next_attempt_at", "created_at"))


def owed_deliveries(model: type[Delivery], now: datetime) -> models.QuerySet:
    """Return the rows of a Delivery model whose nudge is lost and that are not expired.

    Pending rows count once they have waited DELIVERY_RECOVER_AFTER_SECONDS past their
    creation or their scheduled retry, so a row whose task is simply still queued is left
    alone; claimed rows count once the claim is stale.
    """
    waited = now - timedelta(seconds=settings.DELIVERY_RECOVER_AFTER_SECONDS)
    return _with_due_since(model).filter(
        Q(status=Delivery.Status.PENDING, due_since__lte=waited)
        | Q(status=Delivery.Status.SENDING, claimed_at__lt=stale_before(now)),
        created_at__gte=now - timedelta(days=settings.DELIVERY_EXPIRE_DAYS),
    )


def overdue_deliveries(model: type[Delivery], now: datetime) -> models.QuerySet:
    """Return rows that should have gone out more than the stale limit ago."""
    late = stale_before(now)
    return _with_due_since(model).filter(
        Q(status=Delivery.Status.PENDING, due_since__lt=late)
        | Q(status=Delivery.Status.SENDING, claimed_at__lt=late),
        created_at__gte=now - timedelta(days=settings.DELIVERY_EXPIRE_DAYS),
    )


def recover_owed(now: datetime | None = None) -> dict[str, int]:
    """Nudge a worker for every owed row of every registered kind; return counts by kind."""
    now = now or timezone.now()
    counts = {}
    for kind in owed_kinds():
        ids = list(kind.owed(now).order_by("pk").values_list("pk", flat=True)[:RECOVERY_BATCH])
        if ids:
            kind.nudge(ids)
            logger.warning("recovery nudged %d owed %s rows", len(ids), kind.name)
        counts[kind.name] = len(ids)
    return counts


def overdue_counts(now: datetime | None = None) -> dict[str, int]:
    """Return, by kind, how many rows are owed for longer than the stale limit."""
    now = now or timezone.now()
    return {kind.name: kind.overdue(now).count() for kind in owed_kinds()}
