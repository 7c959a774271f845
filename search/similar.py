"""Reads and writes of similar incidents and of "same root cause" links.

Similar incidents are the past incidents someone may see that share a service, a tag or a
cause category with an incident, closest text first: on PostgreSQL ts_rank of their search
documents against the words of the incident's own title, summary and impact; on SQLite the
number of things shared. Each function makes a fixed number of queries.
"""

import re
from dataclasses import dataclass, field

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from core.events import record_event
from core.models import ChangeRecord
from incidents.models import ActionItem, Cause, Incident, Service, Tag, User
from incidents.permissions import can_view_incident
from search.index import is_supported
from search.models import IncidentSearchDocument, RecurrenceLink

MAX_SIMILAR = 5
# The lexemes of the incident's title, summary and impact that make up the query: enough
# to rank by, few enough that ts_rank stays cheap.
MAX_WORDS = 40
_LEXEME = re.compile(r"^[^\W_]+$")


@dataclass
class SimilarIncident:
    """A similar incident, why it matched, its open action items and any link to it."""

    incident: Incident
    services: list[Service] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    open_items: list[ActionItem] = field(default_factory=list)
    link: RecurrenceLink | None = None

    @property
    def reasons(self) -> str:
        """Return why it matched, e.g. "shares service Website; cause category Configuration"."""
        parts = []
        if self.services:
            noun = "services" if len(self.services) > 1 else "service"
            parts.append(f"{noun} {', '.join(s.name for s in self.services)}")
        if self.tags:
            noun = "tags" if len(self.tags) > 1 else "tag"
            parts.append(f"{noun} {', '.join(t.name for t in self.tags)}")
        if self.categories:
            noun = "cause categories" if len(self.categories) > 1 else "cause category"
            parts.append(f"{noun} {', '.join(self.categories)}")
        return "shares " + "; ".join(parts) if parts else ""


def _tags_of(incident: Incident) -> list[Tag]:
    """Return the tags of the incident and of its causes, as the filters treat them.

    From the page's prefetched rows when it has them all, else one query.
    """
    prefetched = getattr(incident, "_prefetched_objects_cache", {})
    if "tags" in prefetched and "causes" in prefetched:
        causes = list(incident.causes.all())
        if all("tags" in getattr(cause, "_prefetched_objects_cache", {}) for cause in causes):
            found = {tag.pk: tag for tag in incident.tags.all()}
            found.update({tag.pk: tag for cause in causes for tag in cause.tags.all()})
            return list(found.values())
    return list(Tag.objects.filter(Q(incidents=incident) | Q(causes__incident=incident)).distinct())


def _text_query(incident: Incident) -> SearchQuery | None:
    """Return an OR of the lexemes of the incident's title, summary and impact (one query)."""
    lexemes = Func(F("head"), function="tsvector_to_array", output_field=ArrayField(TextField()))
    row = (
        IncidentSearchDocument.objects.filter(incident=incident)
        .values_list(lexemes, flat=True)
        .first()
    )
    lexemes = [lexeme for lexeme in row or [] if _LEXEME.match(lexeme)][:MAX_WORDS]
    if not lexemes:
        return None
    # Letters and digits only, so nothing here is tsquery syntax; 'simple' keeps the stems.
    return SearchQuery(" | ".join(lexemes), search_type="raw", config="simple")


def similar_incidents(
    incident: Incident, user: User, *, links: list[RecurrenceLink] | None = None
) -> list[SimilarIncident]:
    """Return up to MAX_SIMILAR past incidents the user may see that look like this one.

    `links` are the incident's links (links_of), when the caller has them already.
    """
    # From the page's prefetched rows when there are some, else three small queries.
    service_ids = [service.pk for service in incident.services.all()]
    tags_by_pk = {tag.pk: tag for tag in _tags_of(incident)}
    tag_ids = sorted(tags_by_pk)
    categories = {
        cause.category
        for cause in incident.causes.all()
        if cause.category != Cause.Category.UNKNOWN
    }
    shares = (
        Exists(
            Incident.services.through.objects.filter(
                incident=OuterRef("pk"), service_id__in=service_ids
            )
        ),
        Q(Exists(Incident.tags.through.objects.filter(incident=OuterRef("pk"), tag_id__in=tag_ids)))
        | Q(
            Exists(
                Cause.tags.through.objects.filter(
                    cause__incident=OuterRef("pk"), tag_id__in=tag_ids
                )
            )
        ),
        Exists(Cause.objects.filter(incident=OuterRef("pk"), category__in=categories)),
    )
    condition = Q()
    for shared, wanted in zip(shares, (service_ids, tag_ids, categories), strict=True):
        if wanted:
            condition |= Q(shared)
    if not condition:
        return []
    score = sum(
        (
            Case(When(shared, then=Value(1)), default=Value(0))
            for shared, wanted in zip(shares, (service_ids, tag_ids, categories), strict=True)
            if wanted
        ),
        start=Value(0),
    )
    candidates = (
        Incident.objects.visible_to(user)
        .filter(condition, started_at__lte=incident.started_at)
        .exclude(pk=incident.pk)
        .annotate(shared=ExpressionWrapper(score, output_field=IntegerField()))
    )
    order = ["-shared", "-started_at", "-pk"]
    query = _text_query(incident) if is_supported() else None
    if query is not None:
        rank = SearchRank(F("search_document__document"), query)
        candidates = candidates.annotate(rank=Coalesce(rank, Value(0.0), output_field=FloatField()))
        order = ["-rank", *order]
    found = list(
        candidates.order_by(*order).prefetch_related(
            Prefetch("services", Service.objects.filter(pk__in=service_ids)),
            Prefetch("causes", Cause.objects.filter(category__in=categories)),
            Prefetch(
                "action_items",
                ActionItem.objects.open().select_related("owner").order_by("due_date", "pk"),
                to_attr="open_items",
            ),
        )[:MAX_SIMILAR]
    )
    shared_tags = _shared_tags([other.pk for other in found], tags_by_pk)
    if links is None:
        links = links_of(incident, user) if found else []
    linked = {link.other(incident).pk: link for link in links}
    return [
        SimilarIncident(
            incident=other,
            services=list(other.services.all()),
            tags=shared_tags.get(other.pk, []),
            categories=sorted({cause.get_category_display() for cause in other.causes.all()}),
            open_items=other.open_items,
            link=linked.get(other.pk),
        )
        for other in found
    ]


def _shared_tags(incident_ids: list[int], tags_by_pk: dict[int, Tag]) -> dict[int, list[Tag]]:
    """Return, per incident, which of these tags it or one of its causes has (one query)."""
    if not incident_ids or not tags_by_pk:
        return {}
    on_incidents = Incident.tags.through.objects.filter(
        incident_id__in=incident_ids, tag_id__in=tags_by_pk
    ).values_list("incident_id", "tag_id")
    on_causes = Cause.tags.through.objects.filter(
        cause__incident_id__in=incident_ids, tag_id__in=tags_by_pk
    ).values_list("cause__incident_id", "tag_id")
    found: dict[int, set[int]] = {}
    for incident_id, tag_id in on_incidents.union(on_causes):
        found.setdefault(incident_id, set()).add(tag_id)
    return {
        incident_id: sorted((tags_by_pk[pk] for pk in pks), key=lambda tag: tag.name.lower())
        for incident_id, pks in found.items()
    }


def links_of(incident: Incident, user: User) -> list[RecurrenceLink]:
    """Return the "same root cause" links of the incident whose other side the user may see."""
    links = (
        RecurrenceLink.objects.filter(Q(incident=incident) | Q(same_as=incident))
        .select_related("incident", "same_as", "created_by")
        .order_by("created_at", "pk")
    )
    # An incident has a few links: the visibility rule is asked of each other side, which
    # inside a request reads the viewer's private incidents asked once for the page.
    return [link for link in links if can_view_incident(user, link.other(incident))]


def _record_link(*, event: str, link: RecurrenceLink, actor: User | None) -> None:
    """Record the link's change in both incidents' history, each naming the other one."""
    pair = sorted([link.incident, link.same_as], key=lambda incident: incident.pk)
    for incident, other in (pair, pair[::-1]):
        record_event(
            event=event,
            incident=incident,
            actor=actor,
            action=(
                ChangeRecord.Action.CREATED
                if event == "recurrence.linked"
                else ChangeRecord.Action.DELETED
            ),
            target=other,
            values={"link": link.pk, "incident": incident.pk, "same_as": other.pk},
        )


def link_create(*, incident: Incident, same_as: Incident, actor: User) -> RecurrenceLink | None:
    """Mark the two incidents as having the same root cause; None if they already are.

    Both incidents' histories record it ("recurrence.linked").
    """
    link = RecurrenceLink(incident=incident, same_as=same_as, created_by=actor)
    link.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            link.save()
            _record_link(event="recurrence.linked", link=link, actor=actor)
    except IntegrityError:  # linked already, from either side
        return None
    return link


@transaction.atomic
def link_delete(*, link: RecurrenceLink, actor: User | None = None) -> None:
    """Remove the link: the two incidents are no longer marked as the same root cause.

    Both incidents' histories record it ("recurrence.unlinked").
    """
    _record_link(event="recurrence.unlinked", link=link, actor=actor)
    link.delete()
