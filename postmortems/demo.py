"""Demo data: the example postmortem as structured data, plus a few other incidents.

Every function here is idempotent, so `loaddemo` can run on each `make run`.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from incidents.models import ActionItem, Cause, Incident, Service, Team, TimelineEvent, User
from postmortems.models import Postmortem
from postmortems.services import postmortem_start

DEMO_PASSWORD = "postmortems-demo"  # noqa: S105 - printed for the demo login on purpose

DEMO_USERS = [
    # username, first name, last name, is_staff
    ("alice", "Alice", "Author", False),
    ("bob", "Bob", "Reviewer", False),
    ("carol", "Carol", "Manager", True),
    ("dave", "Dave", "Owner", False),
    ("erin", "Erin", "Other-team", False),
]

EXAMPLE_TITLE = "Real Housing and Estate Website Outage"
EXAMPLE_ZONE = "Etc/GMT-2"  # IANA spells GMT+2 with the sign inverted.

EXAMPLE_TIMELINE = [
    # (hour, minute, kind, dead end, description)
    (9, 0, "detection", False,
     "The issue was detected when users reported being unable to access the Real Housing "
     "and Estate website."),
    (9, 5, "escalation", False,
     "The incident was escalated to the technical team after multiple user complaints "
     "were received."),
    (9, 10, "investigation", False,
     "Initial investigations were conducted, focusing on server logs and network "
     "connectivity to identify the cause of the outage."),
    (9, 30, "hypothesis", True,
     "The team assumed that the issue could be related to a server overload due to "
     "increased traffic or a software bug causing server instability."),
    (10, 0, "investigation", True,
     "Additional debugging paths were explored, including checking server resource "
     "utilization and analyzing error logs."),
    (11, 30, "escalation", False,
     "The incident was escalated to senior engineers for further analysis and assistance."),
    (12, 0, "investigation", False,
     "The root cause was identified as a misconfiguration in the server settings, "
     "specifically related to the web server configuration file."),
    (12, 30, "mitigation", False,
     "The misconfiguration was corrected, and the server was restarted."),
    (13, 0, "resolution", False,
     "The website was fully restored, and users could access the site without any issues."),
]  # fmt: skip

EXAMPLE_MEASURES = [
    # (title, description, kind, owner, days from today until due, done)
    ("Configuration management",
     "Implement stricter configuration management practices to ensure accurate and "
     "consistent server configurations across all environments.",
     "prevent", "dave", -10, False),
    ("Automated testing",
     "Introduce automated testing procedures to validate server configurations before "
     "deploying them to production environments.",
     "prevent", "alice", -2, False),
    ("Monitoring and alerting",
     "Set up robust monitoring and alerting systems to promptly detect any anomalies or "
     "misconfigurations in the server settings.",
     "detect", "dave", 2, False),
    ("Incident response protocol",
     "Establish a clear incident response protocol, including defined roles and "
     "responsibilities, to ensure efficient handling of future incidents.",
     "process", "carol", 14, False),
    ("Documentation and knowledge sharing",
     "Document the incident, including the root cause analysis and resolution steps, and "
     "share it with the team to enhance collective knowledge and prevent similar issues "
     "from recurring.",
     "documentation", "alice", -5, True),
]  # fmt: skip


@dataclass(frozen=True)
class DemoResult:
    users: list[User]
    example: Incident


def _demo_users() -> dict[str, User]:
    users = {}
    for username, first, last, is_staff in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.com",
                "is_staff": is_staff,
                "is_superuser": is_staff,
                "time_zone": "Europe/Berlin",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        users[username] = user
    return users


def _set_demo_status(item: ActionItem, status: str) -> None:
    """Save the item with a history that looks lived-in: done a few days after it was opened,
    so that the dashboard's opened-versus-closed weeks are not all this week."""
    item.set_status(status, at=min(item.created_at + timedelta(days=4), timezone.now()))
    item.save()


def _example_incident(users: dict[str, User], team: Team, service: Service, today: date):
    zone = ZoneInfo(EXAMPLE_ZONE)
    day = today - timedelta(days=21)

    def at(hour: int, minute: int) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=zone)

    incident = Incident.objects.create(
        title=EXAMPLE_TITLE,
        severity=Incident.Severity.SEV1,
        status=Incident.Status.RESOLVED,
        started_at=at(9, 0),
        detected_at=at(9, 0),
        mitigated_at=at(12, 30),
        resolved_at=at(13, 0),
        time_zone=EXAMPLE_ZONE,
        summary=(
            "The Real Housing and Estate website was completely down for 4 hours after a "
            "web server misconfiguration crashed the server."
        ),
        impact=(
            "The Real Housing and Estate website experienced a complete outage, resulting in "
            "users being unable to access the site and perform any activities. All users were "
            "affected by this incident."
        ),
        users_affected="All users",
        commander=users["alice"],
        team=team,
        created_by=users["alice"],
    )
    incident.services.add(service)
    for position, (hour, minute, kind, dead_end, text) in enumerate(EXAMPLE_TIMELINE):
        TimelineEvent.objects.create(
            incident=incident,
            occurred_at=at(hour, minute),
            kind=kind,
            is_dead_end=dead_end,
            description=text,
            author=users["alice"],
            position=position,
        )
    Cause.objects.create(
        incident=incident,
        role=Cause.Role.ROOT,
        category=Cause.Category.CONFIGURATION,
        description=(
            "The root cause of the issue was identified as a server misconfiguration that led "
            "to a critical service failure. The misconfiguration caused the server to crash, "
            "resulting in the website becoming inaccessible."
        ),
        resolution=(
            "The issue was resolved by identifying and correcting the misconfiguration in the "
            "web server configuration file. Once the correction was made, the server was "
            "restarted, leading to the restoration of the website's functionality."
        ),
    )
    for position, (title, text, kind, owner, due_in, done) in enumerate(EXAMPLE_MEASURES):
        item = ActionItem(
            incident=incident,
            title=title,
            description=text,
            kind=kind,
            priority=ActionItem.Priority.P2,
            owner=users[owner],
            due_date=today + timedelta(days=due_in),
            position=position,
            created_at=at(13, 0) + timedelta(days=1),
        )
        _set_demo_status(item, ActionItem.Status.DONE if done else ActionItem.Status.OPEN)
    narrative = dict(
        resolution=(
            "The root cause of the outage was determined to be a misconfiguration in the web "
            "server settings. This misconfiguration caused the server to crash, resulting in "
            "the website becoming inaccessible. The issue was resolved by identifying and "
            "correcting the misconfiguration in the web server configuration file. Once the "
            "correction was made, the server was restarted, leading to the restoration of the "
            "website's functionality."
        ),
        closing_remarks=(
            "By implementing these measures, we aim to improve the stability and reliability "
            "of the Real Housing and Estate website, providing a seamless user experience for "
            "our customers."
        ),
    )
    postmortem = postmortem_start(
        incident=incident,
        bodies=narrative,
        status=Postmortem.Status.PUBLISHED,
        published_at=at(13, 0) + timedelta(days=2),
    )
    postmortem.authors.add(users["alice"])
    postmortem.reviewers.add(users["bob"])
    return incident


def _other_incidents(users: dict[str, User], team: Team, services: list[Service], today: date):
    berlin = ZoneInfo("Europe/Berlin")
    specs = [
        ("Checkout API errors after a bad deploy", "SEV2", 40, 14, 45, "Europe/Berlin",
         "code_change", "A deploy shipped a migration that locked the orders table.",
         [("Add a lock timeout to migrations", "prevent", "dave", -3, "in_progress"),
          ("Alert on checkout 5xx rate", "detect", "alice", 5, "open")]),
        ("TLS certificate expired on the API gateway", "SEV2", 75, 7, 90, "America/New_York",
         "process", "Certificate renewal depended on a calendar reminder nobody owned.",
         [("Automate certificate renewal", "prevent", "dave", 20, "open"),
          ("Alert 14 days before any certificate expires", "detect", "carol", -30, "done")]),
        ("Search results stale for a day", "SEV3", 5, 16, 600, "UTC",
         "dependency", "The indexing queue consumer stalled after a broker upgrade.",
         []),
    ]  # fmt: skip
    for title, severity, days_ago, hour, minutes, zone, category, cause, items in specs:
        start = datetime.combine(today - timedelta(days=days_ago), time(hour, 0), tzinfo=berlin)
        resolved = days_ago > 6
        incident = Incident.objects.create(
            title=title,
            severity=severity,
            status=Incident.Status.RESOLVED if resolved else Incident.Status.MONITORING,
            started_at=start,
            detected_at=start + timedelta(minutes=10),
            mitigated_at=start + timedelta(minutes=minutes // 2),
            resolved_at=start + timedelta(minutes=minutes) if resolved else None,
            time_zone=zone,
            summary=f"{title}.",
            impact="Some users saw errors.",
            commander=users["alice"],
            team=team,
        )
        incident.services.add(*services)
        TimelineEvent.objects.create(
            incident=incident, occurred_at=start + timedelta(minutes=10), kind="detection",
            description="An alert fired and the on-call engineer acknowledged it.",
        )  # fmt: skip
        Cause.objects.create(incident=incident, category=category, description=cause)
        for title_, kind, owner, due_in, status in items:
            item = ActionItem(
                incident=incident,
                title=title_,
                kind=kind,
                owner=users[owner],
                due_date=today + timedelta(days=due_in),
                created_at=start + timedelta(days=1),
            )
            _set_demo_status(item, status)
        postmortem_start(incident=incident)


@transaction.atomic
def load_demo(*, today: date) -> DemoResult:
    """Create the demo users, team, services and incidents unless they exist already."""
    users = _demo_users()
    team, _ = Team.objects.get_or_create(name="Web Platform", defaults={"manager": users["carol"]})
    team.members.add(users["alice"], users["bob"], users["dave"])
    other_team, _ = Team.objects.get_or_create(name="Data", defaults={"manager": users["carol"]})
    other_team.members.add(users["erin"])
    website, _ = Service.objects.get_or_create(name="Website", defaults={"team": team})
    api, _ = Service.objects.get_or_create(name="Public API", defaults={"team": team})
    example = Incident.objects.filter(title=EXAMPLE_TITLE).first()
    if example is None:
        example = _example_incident(users, team, website, today)
        _other_incidents(users, team, [api], today)
    return DemoResult(users=list(users.values()), example=example)
