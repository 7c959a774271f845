"""Random incidents a user could make, exported as Markdown in each template (the built-in
ones and a team's own) and imported back."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importing.parse import parse_postmortem
from importing.saving import postmortem_import
from incidents.models import ActionItem, Cause, Incident, Service, TimelineEvent
from incidents.selectors import incident_for_document
from incidents.tags import tags_named
from postmortems.exporting.exporters import export_markdown
from postmortems.layouts.builtin_templates import CLASSIC, GOOGLE_SRE
from postmortems.layouts.sections import ensure_builtin_templates
from postmortems.models import PostmortemTemplate, TemplateSection
from postmortems.services import postmortem_start
from tests.factories import UserFactory
from tests.hypothesis_profiles import examples

pytestmark = pytest.mark.django_db

# Zones with summer time on both hemispheres, a fixed offset and a half-hour one.
ZONES = [
    "Europe/Berlin",
    "America/Los_Angeles",
    "Australia/Sydney",
    "America/Santiago",
    "Europe/London",
    "Asia/Kolkata",
    "Etc/GMT-2",
    "UTC",
]
WORDS = st.sampled_from(
    ["the", "cache", "was", "cold", "at", "09:00", "owner:", "a|b", "`code`", "**bold**",
     "x\\y", "#42", "status:", "done", "PST", "2026-01-01", "—", "✅", "(dead end)", "ABC-12"]
)  # fmt: skip
SENTENCE = st.lists(WORDS, min_size=1, max_size=8).map(" ".join)
BLOCK = st.one_of(
    SENTENCE,
    SENTENCE.map(lambda s: f"### {s}"),
    SENTENCE.map(lambda s: f"## {s}"),
    st.lists(SENTENCE, min_size=1, max_size=3).map(
        lambda items: "\n".join(f"- {i}" for i in items)
    ),
    st.lists(SENTENCE, min_size=1, max_size=3).map(
        lambda items: "\n".join(f"{n}. {i}" for n, i in enumerate(items, 1))
    ),
    st.tuples(SENTENCE, SENTENCE).map(lambda pair: f"- {pair[0]}\n  - {pair[1]}"),
)
TEXT = st.lists(BLOCK, min_size=1, max_size=4).map("\n\n".join)
NARRATIVE = st.one_of(st.just(""), TEXT)
MINUTES = st.integers(0, 600).map(lambda m: timedelta(minutes=m))


@st.composite
def incidents(draw):
    users = [UserFactory(username=f"rt{n}") for n in range(3)]
    zone = draw(st.sampled_from(ZONES))
    started = draw(
        st.datetimes(datetime(2020, 1, 1), datetime(2030, 12, 31), timezones=st.just(UTC))
    ).replace(second=0, microsecond=0)
    resolved = started + draw(MINUTES)
    detected = draw(st.one_of(st.none(), st.just(started + (resolved - started) / 4)))
    mitigated = draw(st.one_of(st.none(), st.just(started + (resolved - started) / 2)))
    incident = Incident.objects.create(
        title=draw(SENTENCE),
        severity=draw(st.sampled_from(Incident.Severity.values)),
        status=draw(st.sampled_from(Incident.Status.values)),
        started_at=started,
        detected_at=detected and detected.replace(second=0, microsecond=0),
        mitigated_at=mitigated and mitigated.replace(second=0, microsecond=0),
        resolved_at=resolved,
        time_zone=zone,
        summary=draw(NARRATIVE),
        impact=draw(NARRATIVE),
        users_affected=draw(st.one_of(st.just(""), SENTENCE)),
    )
    for position in range(draw(st.integers(0, 6))):
        TimelineEvent.objects.create(
            incident=incident,
            occurred_at=started + draw(st.integers(-120, 900).map(lambda m: timedelta(minutes=m))),
            kind=draw(st.sampled_from(TimelineEvent.Kind.values)),
            description=draw(TEXT),
            is_dead_end=draw(st.booleans()),
            position=position,
        )
    incident.commander = draw(st.sampled_from([None, *users]))
    incident.save(update_fields=["commander"])
    incident.services.set(draw(st.lists(st.sampled_from(services()), unique=True, max_size=2)))
    incident.tags.set(tags_named(draw(st.lists(TAG, unique_by=str.lower, max_size=3))))
    for position in range(draw(st.integers(0, 3))):
        Cause.objects.create(
            incident=incident,
            role=draw(st.sampled_from(Cause.Role.values)),
            category=draw(st.sampled_from(Cause.Category.values)),
            description=draw(TEXT),
            resolution=draw(NARRATIVE),
            position=position,
        ).tags.set(tags_named(draw(st.lists(TAG, unique_by=str.lower, max_size=2))))
    for position in range(draw(st.integers(0, 5))):
        ActionItem.objects.create(
            incident=incident,
            title=draw(SENTENCE),
            description=draw(NARRATIVE),
            kind=draw(st.sampled_from(ActionItem.Kind.values)),
            priority=draw(st.sampled_from(ActionItem.Priority.values)),
            owner=draw(st.sampled_from([None, *users])),
            due_date=draw(st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2031, 1, 1)))),
            status=draw(st.sampled_from(ActionItem.Status.values)),
            tracker_url=draw(st.sampled_from(["", "https://tracker.example.com/ABC-12"])),
            position=position,
        )
    template = templates()[draw(st.sampled_from(TEMPLATE_NAMES))]
    postmortem_start(
        incident=incident,
        template=template,
        bodies={
            section.key: draw(NARRATIVE)
            for section in template.sections.all()
            if section.kind in {"markdown", "resolution"}
        },
    )
    incident.postmortem.authors.set(draw(st.lists(st.sampled_from(users), unique=True)))
    incident.postmortem.reviewers.set(draw(st.lists(st.sampled_from(users), unique=True)))
    return incident


TAG = st.sampled_from(["database", "DNS", "capacity planning", "on-call", "Ünïcode"])


def services() -> list[Service]:
    return [Service.objects.get_or_create(name=name)[0] for name in ("web", "payments-api")]


SECURITY = "Security incident"
TEMPLATE_NAMES = [CLASSIC, GOOGLE_SRE, SECURITY]


def templates() -> dict[str, PostmortemTemplate]:
    """Return the built-in templates and a team's own, with sections of its own."""
    found = ensure_builtin_templates()
    security, created = PostmortemTemplate.objects.get_or_create(name=SECURITY)
    if created:
        specs = [
            ("summary", "Summary", "summary"),
            ("data_exposure", "Data exposure", "markdown"),
            ("causes", "Why it happened", "causes"),
            ("timeline", "Timeline", "timeline"),
            ("who_was_told", "Who was told, and when", "markdown"),
            ("action_items", "Follow-up", "action_items"),
            ("fix", "How we closed it", "resolution"),
            ("unplaced_text", "Other notes", "markdown"),
        ]
        TemplateSection.objects.bulk_create(
            TemplateSection(template=security, key=k, title=t, kind=kind, position=n)
            for n, (k, t, kind) in enumerate(specs)
        )
    return {**found, SECURITY: security}


INCIDENT_FIELDS = [
    "title", "severity", "status", "started_at", "detected_at", "mitigated_at", "resolved_at",
    "time_zone", "summary", "impact", "users_affected",
]  # fmt: skip
INCIDENT_FIELDS = [
    "title", "severity", "status", "started_at", "detected_at", "mitigated_at", "resolved_at",
    "time_zone", "summary", "impact", "users_affected",
]  # fmt: skip
ITEM_FIELDS = [
    "title", "description", "kind", "priority", "owner_id", "status", "due_date", "tracker_url",
]  # fmt: skip


def names(rows) -> set[str]:
    return {row.name for row in rows}


def facts(incident: Incident) -> dict:
    pm = incident.postmortem
    return {
        "incident": [getattr(incident, name) for name in INCIDENT_FIELDS],
        "events": [
            (e.occurred_at, e.kind, e.description, e.is_dead_end)
            for e in incident.timeline_events.all()
        ],
        "causes": [
            (c.role, c.category, c.description, c.resolution, names(c.tags.all()))
            for c in incident.causes.all()
        ],
        "commander": incident.commander_id,
        "services": names(incident.services.all()),
        "tags": names(incident.tags.all()),
        "authors": {user.pk for user in pm.authors.all()},
        "reviewers": {user.pk for user in pm.reviewers.all()},
        "items": [[getattr(a, name) for name in ITEM_FIELDS] for a in incident.action_items.all()],
        "template": pm.template.name,
        "sections": [
            (s.key, s.title, s.in_template, s.body) for s in pm.sections.order_by("position")
        ],
    }


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(incidents())
def test_every_template_of_the_markdown_export_imports_back_to_the_same_incident(incident):
    markdown = export_markdown(incident_for_document(None).get(pk=incident.pk))
    parsed = parse_postmortem(markdown, default_date=date(1999, 1, 1))
    assert parsed.warnings == []
    again = postmortem_import(parsed=parsed, actor=None)
    assert facts(again) == facts(incident), markdown
