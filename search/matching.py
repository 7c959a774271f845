"""Which incidents and action items match the text typed, on PostgreSQL and on SQLite.

PostgreSQL matches against the search documents (search.index): English stemming
("timeouts" finds "timeout"), phrases in double quotes, `-word` to exclude, `or`, and a
prefix match on the last word as it is being typed ("datab" finds "database"). An incident
that has no document yet (written outside the services, before `rebuild_search_index`) is
matched as on SQLite, through a separate query so that the indexed path stays a pure
index scan.

SQLite has no such index: there every word typed must occur, in any letter case, in the
title, summary, impact, postmortem narrative, timeline, causes or action items.
"""

import re

from django.contrib.postgres.search import SearchQuery
from django.db.models import Count, Exists, Func, OuterRef, Q, Subquery, Value

from incidents.models import ActionItem, Cause, Incident, TimelineEvent
from postmortems.models import PostmortemSection
from search.index import CONFIG, is_supported
from search.models import ActionItemSearchDocument, IncidentSearchDocument

# The last word when it is plain letters and digits, not in quotes nor negated.
_LAST_WORD = re.compile(r"(?:^|\s)([^\W_]+)\s*$")
_WORD = re.compile(r'[^\s"]+')
# Words and nothing else: no quotes, no -word, no "or" (all websearch syntax).
_PLAIN_WORDS = re.compile(r"^(?!.*\b(?i:or)\b)[^\W_]+(?:\s+[^\W_]+)*$")
# Past this many incidents without a document (a bulk load not yet indexed), they are named
# by a subquery instead of a list of ids: slower, until `rebuild_search_index` has run.
MAX_UNINDEXED = 1000


def search_query(text: str) -> SearchQuery | None:
    """Return the tsquery for the text typed: websearch syntax, the last word as a prefix."""
    text = text.strip()
    if not text:
        return None
    query = SearchQuery(text, search_type="websearch", config=CONFIG)
    last = _LAST_WORD.search(text)
    if last:
        # Only letters and digits go into the raw tsquery, so nothing here is syntax.
        prefix = SearchQuery(f"{last.group(1)}:*", search_type="raw", config=CONFIG)
        rest = text[: last.start(1)].strip()
        if rest:
            prefix = SearchQuery(rest, search_type="websearch", config=CONFIG) & prefix
        if _PLAIN_WORDS.match(text):
            # "disk ful:*" finds all that "disk full" finds: the prefix alone is the same
            # match, and half the work for the index and for every row it checks.
            return prefix
        query = query | prefix
    return query


def words(text: str) -> list[str]:
    """Return the words of the text for the plain fallback, quotes and operators dropped."""
    found = [word.lstrip("-") for word in _WORD.findall(text)]
    return [word for word in found if word and word.lower() != "or"]


def _contains(word: str) -> Q:
    """Return the condition of an incident with `word` anywhere in its text (icontains)."""
    narrative = Exists(
        PostmortemSection.objects.filter(postmortem__incident=OuterRef("pk"), body__icontains=word)
    )
    return (
        Q(title__icontains=word)
        | Q(summary__icontains=word)
        | Q(impact__icontains=word)
        | narrative
        | Exists(TimelineEvent.objects.filter(incident=OuterRef("pk"), description__icontains=word))
        | Exists(
            Cause.objects.filter(
                Q(description__icontains=word) | Q(resolution__icontains=word),
                incident=OuterRef("pk"),
            )
        )
        | Exists(
            ActionItem.objects.filter(
                Q(title__icontains=word) | Q(description__icontains=word),
                incident=OuterRef("pk"),
            )
        )
    )


def _plain_incidents(text: str):
    condition = Q()
    for word in words(text):
        condition &= _contains(word)
    return Incident.objects.filter(condition)


def indexed(query: SearchQuery):
    """Return the ids of incidents whose document matches the query (the GIN index)."""
    return IncidentSearchDocument.objects.filter(document=query).values("incident_id")


def unindexed_ids():
    """Return the ids of incidents that have no search document yet (usually None).

    Usually none: the events consumer indexes what the services write, and
    `rebuild_search_index` the rest. Asking first keeps the common case a pure GIN query;
    an OR with the icontains fallback in the same statement made PostgreSQL read every
    incident instead of starting from the index. Every document belongs to one incident
    (the primary key is the incident's), so equal counts mean none is missing: two index
    counts, where listing the missing ones joined both tables on every search.
    Past MAX_UNINDEXED, return a subquery.
    """
    missing = Incident.objects.aggregate(
        missing=Count("pk")
        - Subquery(
            IncidentSearchDocument.objects.order_by()
            .values(total=Func(Value(1), function="COUNT"))
            .values("total")
        )
    )["missing"]
    if not missing:
        return None
    unindexed = Incident.objects.filter(search_document__isnull=True).order_by()
    ids = list(unindexed.values_list("pk", flat=True)[: MAX_UNINDEXED + 1])
    if len(ids) > MAX_UNINDEXED:
        return unindexed.values("pk")
    return ids or None


def incident_matches(text: str, incident: str = "") -> Q:
    """Return the condition of an incident (at path `incident`) that matches the text."""
    pk = f"{incident}pk__in"
    if not words(text):
        return Q()
    if not is_supported():
        return Q(**{pk: _plain_incidents(text).values("pk")})
    condition = Q(**{pk: indexed(search_query(text))})
    unindexed = unindexed_matches(text, incident=incident)
    if unindexed is not None:
        condition |= unindexed
    return condition


def unindexed_matches(text: str, *, incident: str = "") -> Q | None:
    """Return the condition of a match among incidents without a document yet, or None
    when every incident has one (the usual case)."""
    unindexed = unindexed_ids()
    if unindexed is None:
        return None
    plain = _plain_incidents(text).filter(pk__in=unindexed).values("pk")
    return Q(**{f"{incident}pk__in": plain})


def action_item_matches(text: str) -> Q:
    """Return the condition of an item whose title or description, or whose incident's
    title, summary or impact, matches the text.

    On PostgreSQL both sides read the index tables: the items' own documents, and the
    incidents' heads (their title, summary and impact).
    """
    text = text.strip()
    if not words(text):
        return Q()
    plain = Q(title__icontains=text) | Q(incident__title__icontains=text)
    if not is_supported():
        return plain
    query = search_query(text)
    items = ActionItemSearchDocument.objects.filter(document=query).values("item_id")
    incidents = IncidentSearchDocument.objects.filter(head=query).values("incident_id")
    condition = Q(pk__in=items) | Q(incident_id__in=incidents)
    unindexed = unindexed_ids()
    if unindexed is not None:
        condition |= Q(incident_id__in=unindexed) & plain
    return condition
