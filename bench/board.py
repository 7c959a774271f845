"""Board and dashboard response times on 100,000 action items and 10,000 incidents.

Prints the median and 95th percentile of each page on an empty database and on the large
one, with the query count of each, so a change that makes a page grow with the data shows.
Requests go through Django's test client in-process: no network, the same code path.
"""

import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import fresh_database, setup

setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

INCIDENTS, ITEMS, OWNERS, TEAMS = 10_000, 100_000, 2_000, 40
REPEAT = 15
PAGES = {
    "board (open, overdue)": "/incidents/action-items/?status=open&overdue=on",
    "board (team, sorted)": "/incidents/action-items/?team={team}&sort=-due",
    "board (free text)": "/incidents/action-items/?q=item+77",
    "board (SEV1, a month)": (
        "/incidents/action-items/?severity=SEV1&incident_from={month_from}&incident_to={month_to}"
    ),
    "incident list (a month)": "/incidents/?started_after={month_from}&started_before={month_to}",
    "dashboard": "/incidents/dashboard/",
    "dashboard (one team)": "/incidents/dashboard/?team={team}",
}


def build_large() -> None:
    from incidents.models import ActionItem, Incident, Team, User

    now = timezone.now()
    User.objects.bulk_create(
        [User(username=f"u{n}", email=f"u{n}@example.com", password="!") for n in range(OWNERS)],
        batch_size=2000,
    )
    users = list(User.objects.values_list("pk", flat=True))
    teams = Team.objects.bulk_create(
        [Team(name=f"Team {n}", manager_id=users[n]) for n in range(TEAMS)]
    )
    severities = ["SEV1", "SEV2", "SEV3", "SEV4"]
    incidents = Incident.objects.bulk_create(
        [
            Incident(
                title=f"Incident {n}",
                severity=severities[n % 4],
                status="resolved",
                started_at=(start := now - timedelta(hours=n * 0.8)),
                detected_at=start + timedelta(minutes=n % 30),
                mitigated_at=start + timedelta(minutes=30 + n % 90),
                resolved_at=start + timedelta(minutes=120 + n % 600),
                team_id=teams[n % TEAMS].pk,
            )
            for n in range(INCIDENTS)
        ],
        batch_size=2000,
    )
    statuses = ["open", "open", "in_progress", "done", "wont_do"]
    items = []
    for n in range(ITEMS):
        status = statuses[n % 5]
        items.append(
            ActionItem(
                incident_id=incidents[n % INCIDENTS].pk,
                title=f"Action item {n}",
                owner_id=users[n % OWNERS],
                due_date=(now - timedelta(days=(n % 120) - 60)).date(),
                status=status,
                completed_at=now - timedelta(days=n % 80)
                if status in ("done", "wont_do")
                else None,
                created_at=now - timedelta(days=n % 90),
            )
        )
    ActionItem.objects.bulk_create(items, batch_size=5000)


def measure(label: str) -> None:
    from incidents.models import Team, User

    manager = User.objects.create_superuser("bench-manager", "m@example.com", "x")
    team = Team.objects.order_by("pk").first()
    client = Client()
    client.force_login(manager)
    print(f"  {label}")
    for name, url in PAGES.items():
        today = timezone.localdate()
        url = url.format(
            team=team.pk if team else "",
            month_from=today - timedelta(days=90),
            month_to=today - timedelta(days=60),
        )
        client.get(url)  # warm caches
        timings = []
        for _ in range(REPEAT):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        p95 = statistics.quantiles(timings, n=20)[-1]
        print(
            f"    {name:<24} median {statistics.median(timings):7.1f} ms   "
            f"p95 {p95:7.1f} ms   {len(queries)} queries"
        )


def main() -> None:
    print(f"Action items board and dashboard, {REPEAT} requests each")
    fresh_database()
    measure("empty database")
    fresh_database()
    started = time.perf_counter()
    build_large()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    built_in = time.perf_counter() - started
    print(f"  (built {INCIDENTS:,} incidents, {ITEMS:,} action items in {built_in:.0f} s)")
    measure(f"{ITEMS:,} action items, {INCIDENTS:,} incidents")


if __name__ == "__main__":
    main()
