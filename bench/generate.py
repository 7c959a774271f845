"""Build a realistic data set in the bench database with bulk inserts, and say how long it took.

    .venv/bin/python bench/generate.py [--incidents 10000] [--events 200000]
        [--action-items 100000] [--users 2000] [--keep]

The database (BENCH_DATABASE_URL, default postmortems_bench) is dropped, created and
migrated first unless --keep is given. The data is the same on every run (fixed seed).
"""

import argparse
import random
import time
from datetime import UTC, datetime, timedelta

try:
    from bench import _setup
except ModuleNotFoundError:  # run as a script: bench/ is on the path, the root is not
    import _setup

BATCH = 5000
SEED = 20261125
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

WORDS = [
    "database",
    "failover",
    "cache",
    "queue",
    "latency",
    "certificate",
    "deploy",
    "rollback",
    "DNS",
    "disk",
    "memory",
    "timeout",
    "retry",
    "replica",
    "index",
    "migration",
    "load-balancer",
    "CDN",
    "token",
    "quota",
    "config",
    "flag",
    "scheduler",
    "payment",
    "search",
    "login",
    "upload",
    "webhook",
]
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Etc/GMT-2", "Africa/Cairo"]


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    lines = [sentence(rng, rng.randint(6, 14)) for _ in range(rng.randint(2, 5))]
    return " ".join(lines) + f"\n\n- **{rng.choice(WORDS)}**: {sentence(rng, 5)}"


def generate(*, incidents: int, events: int, action_items: int, users: int) -> dict[str, int]:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from incidents.models import (
        ActionItem,
        Cause,
        Incident,
        Service,
        Tag,
        Team,
        TimelineEvent,
        User,
    )
    from postmortems.layouts.sections import default_template
    from postmortems.models import Postmortem, PostmortemSection, Review

    rng = random.Random(SEED)
    # One hash for everybody: hashing 2,000 passwords would take longer than the rest.
    password = make_password(_setup.BENCH_PASSWORD)
    with transaction.atomic():
        people = User.objects.bulk_create(
            [
                User(
                    username=_setup.BENCH_USERNAME if n == 0 else f"user{n}",
                    first_name=f"First{n}",
                    last_name=f"Last{n}",
                    email=f"user{n}@example.com",
                    password=password,
                    time_zone=rng.choice(ZONES),
                    calendar_token=f"bench-token-{n}",
                )
                for n in range(users)
            ],
            batch_size=BATCH,
        )
        team_count = max(1, users // 50)
        teams = Team.objects.bulk_create(
            [
                Team(name=f"Team {n}", manager=people[(n * 50 + 1) % users])
                for n in range(team_count)
            ]
        )
        Membership = Team.members.through
        Membership.objects.bulk_create(
            [
                Membership(team_id=teams[i % team_count].pk, user_id=p.pk)
                for i, p in enumerate(people)
            ],
            batch_size=BATCH,
        )
        services = Service.objects.bulk_create(
            [Service(name=f"service-{n}", team=teams[n % team_count]) for n in range(100)]
        )
        tags = Tag.objects.bulk_create([Tag(name=f"tag-{n}") for n in range(30)])

        incident_rows = []
        for n in range(incidents):
            started = NOW - timedelta(minutes=rng.randint(60, 3 * 365 * 24 * 60))
            resolved = rng.random() < 0.95
            incident_rows.append(
                Incident(
                    title=f"{sentence(rng, 4)[:-1]} #{n}",
                    severity=rng.choices(["SEV1", "SEV2", "SEV3", "SEV4"], [1, 3, 8, 4])[0],
                    status="resolved" if resolved else rng.choice(["investigating", "monitoring"]),
                    started_at=started,
                    detected_at=started + timedelta(minutes=rng.randint(1, 30)),
                    mitigated_at=started + timedelta(minutes=rng.randint(31, 180)),
                    resolved_at=started + timedelta(minutes=rng.randint(181, 900))
                    if resolved
                    else None,
                    time_zone=rng.choice(ZONES),
                    summary=paragraph(rng),
                    impact=paragraph(rng),
                    users_affected=f"{rng.randint(1, 90)}% of users",
                    commander=rng.choice(people),
                    team=rng.choice(teams),
                )
            )
        # One in fifty is private, seen by its team: pages then ask the visibility rule for
        # real. A random generator of its own keeps the rest of the data as it was.
        private = random.Random(SEED + 1)
        for row in incident_rows:
            row.is_private = private.random() < 0.02
        incident_list = Incident.objects.bulk_create(incident_rows, batch_size=BATCH)
        Incident.allowed_teams.through.objects.bulk_create(
            [
                Incident.allowed_teams.through(incident_id=i.pk, team_id=i.team_id)
                for i in incident_list
                if i.is_private
            ],
            batch_size=BATCH,
        )
        IncidentServices = Incident.services.through
        IncidentTags = Incident.tags.through
        IncidentServices.objects.bulk_create(
            [
                IncidentServices(incident_id=i.pk, service_id=s.pk)
                for i in incident_list
                for s in rng.sample(services, rng.randint(1, 3))
            ],
            batch_size=BATCH,
        )
        IncidentTags.objects.bulk_create(
            [
                IncidentTags(incident_id=i.pk, tag_id=t.pk)
                for i in incident_list
                for t in rng.sample(tags, rng.randint(0, 2))
            ],
            batch_size=BATCH,
        )

        kinds = [k for k, _ in TimelineEvent.Kind.choices]
        batch: list = []
        for n in range(events):
            incident = incident_list[n % incidents]
            batch.append(
                TimelineEvent(
                    incident=incident,
                    occurred_at=incident.started_at + timedelta(minutes=rng.randint(0, 600)),
                    kind=rng.choice(kinds),
                    description=sentence(rng, rng.randint(5, 20)),
                    author=rng.choice(people),
                    is_dead_end=rng.random() < 0.1,
                    position=n // incidents,
                )
            )
            if len(batch) == BATCH:
                TimelineEvent.objects.bulk_create(batch)
                batch = []
        TimelineEvent.objects.bulk_create(batch)

        Cause.objects.bulk_create(
            [
                Cause(
                    incident=i,
                    role="root" if k == 0 else "contributing",
                    category=rng.choice([c for c, _ in Cause.Category.choices]),
                    description=sentence(rng, 12),
                    resolution=sentence(rng, 8),
                    position=k,
                )
                for i in incident_list
                for k in range(rng.randint(1, 3))
            ],
            batch_size=BATCH,
        )

        today = NOW.date()
        batch = []
        for n in range(action_items):
            incident = incident_list[n % incidents]
            status = rng.choices(["open", "in_progress", "done", "wont_do"], [4, 2, 6, 1])[0]
            done = status in ("done", "wont_do")
            batch.append(
                ActionItem(
                    incident=incident,
                    title=sentence(rng, 6)[:200],
                    description=sentence(rng, 15),
                    kind=rng.choice([k for k, _ in ActionItem.Kind.choices]),
                    priority=rng.choice(["P1", "P2", "P3", "P4"]),
                    owner=rng.choice(people) if rng.random() < 0.9 else None,
                    due_date=today + timedelta(days=rng.randint(-120, 90)),
                    status=status,
                    completed_at=incident.started_at + timedelta(days=rng.randint(1, 60))
                    if done
                    else None,
                    position=n // incidents,
                    created_at=incident.started_at + timedelta(hours=rng.randint(2, 72)),
                )
            )
            if len(batch) == BATCH:
                ActionItem.objects.bulk_create(batch)
                batch = []
        ActionItem.objects.bulk_create(batch)

        classic = default_template()
        sections = list(classic.sections.all())
        written = ("resolution", "trigger", "detection", "went_well", "went_wrong", "got_lucky",
                   "closing_remarks")  # fmt: skip
        postmortems = Postmortem.objects.bulk_create(
            [
                Postmortem(
                    incident=i,
                    template=classic,
                    status=rng.choices(["draft", "in_review", "published"], [2, 1, 5])[0],
                )
                for i in incident_list
            ],
            batch_size=BATCH,
        )
        PostmortemSection.objects.bulk_create(
            [
                PostmortemSection(
                    postmortem=p,
                    key=s.key,
                    title=s.title,
                    kind=s.kind,
                    group=s.group,
                    position=s.position,
                    body=paragraph(rng) if s.key in written else "",
                )
                for p in postmortems
                for s in sections
            ],
            batch_size=BATCH,
        )
        Authors = Postmortem.authors.through
        Authors.objects.bulk_create(
            [Authors(postmortem_id=p.pk, user_id=p.incident.commander_id) for p in postmortems],
            batch_size=BATCH,
        )
        Review.objects.bulk_create(
            [
                Review(postmortem=p, reviewer=rng.choice(people), decision="approve", body="LGTM.")
                for p in postmortems
                if p.status == "published"
            ],
            batch_size=BATCH,
        )
    return {
        "users": len(people),
        "teams": len(teams),
        "incidents": len(incident_list),
        "timeline_events": events,
        "action_items": action_items,
        "postmortems": len(postmortems),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--action-items", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--keep", action="store_true", help="reuse the database if it has data")
    args = parser.parse_args()

    started = time.perf_counter()
    _setup.create_database(recreate=not args.keep)
    _setup.setup_django()
    from django.core.management import call_command

    from incidents.models import Incident

    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()
    if args.keep and Incident.objects.exists():
        print(f"generate: kept the data in {_setup.database_url()}")
        return
    counts = generate(
        incidents=args.incidents,
        events=args.events,
        action_items=args.action_items,
        users=args.users,
    )
    # Search documents, as the events consumers keep them for every incident in a running
    # app: without them the search and the similar incidents take their slow fallback.
    from search import index

    counts["search documents"] = index.rebuild_documents()
    from django.db import connection

    with connection.cursor() as cursor:
        # VACUUM as autovacuum soon would on a real database: counts then read the indexes
        # alone (index-only scans need the visibility map that VACUUM writes).
        cursor.execute("VACUUM ANALYZE")
    done = time.perf_counter()
    summary = ", ".join(f"{count:,} {name}" for name, count in counts.items())
    print(f"generate: {summary}")
    print(
        f"generate: database ready in {migrated - started:.1f} s, "
        f"data built in {done - migrated:.1f} s"
    )


if __name__ == "__main__":
    main()
