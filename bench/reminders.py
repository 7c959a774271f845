"""Time the reminder sweep on 100,000 open action items across 5,000 owners.

Prints wall time, query count and peak Python memory for planning and recording the sweep,
at two sizes, to show that the query count does not grow with the number of items.
Run with `make bench` (or `python bench/reminders.py`); it uses its own database.
"""

import sys
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import fresh_database, setup

setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

DAY = date(2026, 3, 18)


def build(owners: int, items: int) -> None:
    from incidents.models import ActionItem, Incident, Team, User

    User.objects.bulk_create(
        [
            User(username=f"bench-owner-{n}", email=f"owner{n}@example.com", password="!")
            for n in range(owners)
        ],
        batch_size=2000,
    )
    users = list(User.objects.values_list("pk", flat=True))
    teams = Team.objects.bulk_create(
        [Team(name=f"bench-team-{n}", manager_id=users[n]) for n in range(owners // 50)]
    )
    through = Team.members.through
    through.objects.bulk_create(
        [through(team_id=teams[n % len(teams)].pk, user_id=uid) for n, uid in enumerate(users)],
        batch_size=5000,
    )
    start = timezone.now() - timedelta(days=30)
    incidents = Incident.objects.bulk_create(
        [Incident(title=f"Bench incident {n}", started_at=start) for n in range(items // 10)],
        batch_size=2000,
    )
    ActionItem.objects.bulk_create(
        [
            ActionItem(
                incident_id=incidents[n % len(incidents)].pk,
                title=f"Bench item {n}",
                owner_id=users[n % len(users)],
                due_date=DAY + timedelta(days=(n % 20) - 12),
            )
            for n in range(items)
        ],
        batch_size=5000,
    )


def measure(owners: int, items: int) -> dict:
    from incidents import reminders
    from incidents.models import ReminderDelivery

    fresh_database()
    build(owners, items)
    reset_queries()
    tracemalloc.start()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        plan = reminders.plan_sweep(DAY)
        delivery_ids = reminders.record_sweep(plan)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert ReminderDelivery.objects.count() == len(delivery_ids)
    sample = delivery_ids[:200]
    with CaptureQueriesContext(connection) as send_queries:
        for delivery_id in sample:
            delivery = reminders.claim_delivery(delivery_id)
            reminders.send_claimed_delivery(delivery)
    return {
        "queries_per_email": round(len(send_queries) / len(sample), 1),
        "owners": owners,
        "items": items,
        "deliveries": len(delivery_ids),
        "seconds": round(elapsed, 2),
        "queries": len(queries),
        "peak_mib": round(peak / 2**20, 1),
    }


def main() -> None:
    print("Reminder sweep (plan + record delivery rows; sending is one task per row)")
    for owners, items in ((500, 10_000), (5_000, 100_000)):
        result = measure(owners, items)
        print(
            f"  {result['items']:>7,} open items, {result['owners']:>5,} owners: "
            f"{result['seconds']:>6.2f} s, {result['queries']} queries, "
            f"peak {result['peak_mib']} MiB, {result['deliveries']:,} deliveries, "
            f"{result['queries_per_email']} queries per email sent"
        )


if __name__ == "__main__":
    main()
