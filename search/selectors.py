"""Reads of the search page: ranking, and the highlighted snippets of a page of results.

Each function makes a fixed number of queries, whatever the number of incidents.
"""

import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import reduce

from django.contrib.postgres.search import SearchHeadline, SearchRank, SearchVector
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import F, FloatField, Q, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, Concat
from django.utils.safestring import SafeString
from django.utils.text import capfirst

from incidents.filters import IncidentFilter, referenced_pk
from incidents.models import ActionItem, Cause, Incident, TimelineEvent
from postmortems.models import PostmortemSection
from search.highlight import START, STOP, has_match, mark_words, marked, plain_text
from search.index import CONFIG, is_supported
from search.matching import search_query, unindexed_matches, words
from search.models import IncidentSearchDocument

MAX_SNIPPETS = 4


@dataclass
class Snippet:
    label: str
    html: SafeString


@dataclass
class Result:
    """One incident found, its title with the matches marked, and where else it matched."""

    incident: Incident
    title: SafeString
    snippets: list[Snippet] = field(default_factory=list)


def ranked(queryset: QuerySet, text: str) -> QuerySet:
    """Order the incidents best match first (title matches weigh most), then newest."""
    query = search_query(text) if is_supported() else None
    if query is None:
        return queryset.order_by("-started_at", "-pk")
    rank = SearchRank(F("search_document__document"), query)
    return queryset.annotate(rank=Coalesce(rank, Value(0.0), output_field=FloatField())).order_by(
        "-rank", "-started_at", "-pk"
    )


class _CountedPage(Sequence):
    """One page of a longer list whose length is known: what a Paginator needs to show it."""

    def __init__(self, rows: list, *, total: int, offset: int) -> None:
        self.rows, self.total, self.offset = rows, total, offset

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("Only the page read can be sliced out of a counted page.")
        return self.rows[index.start - self.offset : index.stop - self.offset]


def _apart_from_text(filterset: IncidentFilter) -> QuerySet:
    """Return the filterset's incidents filtered by everything but the text typed."""
    queryset = filterset.queryset
    for name, value in filterset.form.cleaned_data.items():
        if name != "q":
            queryset = filterset.filters[name].filter(queryset, value)
    return queryset


def ranked_page(filterset: IncidentFilter, *, number, per_page: int) -> Page:
    """Return the page `number` of the filtered incidents, best match first, in two queries.

    One statement ranks and counts every match, carrying only ids and ranks (ranking the
    full rows, then counting them again, took three times as long for a word in nearly
    every incident); the second loads the page's incidents. The documents are read once,
    for their ranks: the incidents filtered by everything else are joined to those, plus
    any named by reference or not indexed yet. A page past the end shows the last one, as
    Paginator.get_page does.
    """
    text = filterset.form.cleaned_data.get("q") or ""
    query = search_query(text) if is_supported() else None
    if query is None:
        return Paginator(ranked(filterset.qs, text), per_page).get_page(number)
    try:
        wanted = max(int(number), 1)
    except (TypeError, ValueError):
        wanted = 1
    ranks_sql, ranks_params = (
        IncidentSearchDocument.objects.filter(document=query)
        .values("incident_id", rank=SearchRank(F("document"), query))
        .query.sql_with_params()
    )
    found = _apart_from_text(filterset).order_by()
    found_sql, found_params = found.values(
        found_id=F("pk"), found_start=F("started_at")
    ).query.sql_with_params()
    # Matches the index does not rank: an incident named by reference, or not indexed yet.
    also = [Q(pk=pk) for pk in [referenced_pk(text)] if pk is not None]
    also += [condition for condition in [unindexed_matches(text)] if condition is not None]
    also_sql, also_params = "", []
    if also:
        sql, also_params = (
            Incident.objects.filter(reduce(operator.or_, also))
            .order_by()
            .values("pk")
            .query.sql_with_params()
        )
        also_sql = f"OR found.found_id IN ({sql})"
    # Ranks and incidents are each read once, in a statement of their own: inlined,
    # PostgreSQL carried every document through the count and the sort (and spilled them to
    # disk), or, misjudging how many match a prefix, looked incidents up one by one.
    statement = f"""
        WITH ranks AS MATERIALIZED ({ranks_sql}), found AS MATERIALIZED ({found_sql})
        SELECT found_id, COUNT(*) OVER () FROM found
        LEFT JOIN ranks ON ranks.incident_id = found.found_id
        WHERE ranks.incident_id IS NOT NULL {also_sql}
        ORDER BY COALESCE(ranks.rank, 0) DESC, found_start DESC, found_id DESC
        LIMIT %s OFFSET %s
    """  # noqa: S608  (the inner statements are Django's, their values are parameters)
    params = [*ranks_params, *found_params, *also_params]

    def read(page_number: int) -> tuple[list[int], int]:
        with connection.cursor() as cursor:
            cursor.execute(statement, [*params, per_page, (page_number - 1) * per_page])
            rows = cursor.fetchall()
        return [pk for pk, _ in rows], (rows[0][1] if rows else 0)

    ids, total = read(wanted)
    if not ids and wanted > 1:
        ids, total = read(1)
        if total > per_page:
            wanted = -(-total // per_page)
            ids, total = read(wanted)
        else:
            wanted = 1
    by_pk = Incident.objects.select_related("team").in_bulk(ids)
    rows = [by_pk[pk] for pk in ids]
    paginator = Paginator(_CountedPage(rows, total=total, offset=(wanted - 1) * per_page), per_page)
    return paginator.page(wanted)


def results(incidents: list[Incident], text: str) -> list[Result]:
    """Return a Result for each incident, in order, with snippets of where the text matched."""
    if not words(text):
        return [Result(incident, marked(incident.title)) for incident in incidents]
    snippets_of = _headlines if is_supported() else _plain_snippets
    found = snippets_of(incidents, text)
    return [found[incident.pk] for incident in incidents]


def _label(model, name: str) -> str:
    return capfirst(str(model._meta.get_field(name).verbose_name))


def _headline(expression, query, *, whole: bool = False) -> SearchHeadline:
    """Return ts_headline of the expression: the whole text marked, or an excerpt of it.

    One excerpt around the best match, whole sentences' words kept (ts_headline's fragment
    mode drops the words before a match and the final punctuation). An excerpt leaves out
    what looks like an HTML tag (PostgreSQL's parser drops it); the whole text keeps it.
    Either way the result is escaped before it is shown (highlight.marked).
    """
    if whole:
        return SearchHeadline(
            expression, query, config=CONFIG, start_sel=START, stop_sel=STOP, highlight_all=True
        )
    return SearchHeadline(
        expression,
        query,
        config=CONFIG,
        start_sel=START,
        stop_sel=STOP,
        max_words=30,
        min_words=12,
    )


def _headlines(incidents: list[Incident], text: str) -> dict[int, Result]:
    """Snippets by PostgreSQL's ts_headline: at most five queries for any number of incidents."""
    query = search_query(text)
    ids = [incident.pk for incident in incidents]
    found = {incident.pk: Result(incident, marked(incident.title)) for incident in incidents}
    snippets: dict[int, list[Snippet]] = {pk: [] for pk in ids}

    def add(incident_id: int, label: str, headline: str) -> None:
        if headline and has_match(headline):
            snippets[incident_id].append(Snippet(label, marked(plain_text(headline))))

    rows = Incident.objects.filter(pk__in=ids).values_list(
        "pk",
        _headline("title", query, whole=True),
        _headline("summary", query),
        _headline("impact", query),
    )
    for pk, title, summary, impact in rows:
        if has_match(title):
            found[pk].title = marked(title)
        add(pk, _label(Incident, "summary"), summary)
        add(pk, _label(Incident, "impact"), impact)
    narrative = (
        PostmortemSection.objects.filter(postmortem__incident_id__in=ids)
        .annotate(vector=SearchVector("body", config=CONFIG))
        .filter(vector=query)
        .order_by("postmortem__incident_id", "-in_template", "position", "pk")
        .values_list("postmortem__incident_id", "title", _headline("body", query))
    )
    for incident_id, title, headline in narrative:
        add(incident_id, title, headline)
    rows_of = (
        (
            Cause,
            "Cause",
            Concat("description", Value("\n"), "resolution", output_field=TextField()),
        ),
        (TimelineEvent, "Timeline", F("description")),
        (
            ActionItem,
            "Action item",
            Concat("title", Value(": "), "description", output_field=TextField()),
        ),
    )
    for model, label, text_of in rows_of:
        # An incident with its snippets already shown needs no more: for a common word
        # the title, summary and narrative fill them, and the rows are not read at all.
        ids = [pk for pk in ids if len(snippets[pk]) < MAX_SNIPPETS]
        if not ids:
            break
        rows = (
            model.objects.filter(incident_id__in=ids)
            .annotate(vector=SearchVector(text_of, config=CONFIG))
            .filter(vector=query)
            .order_by("incident_id", "position", "pk")
            .values_list("incident_id", _headline(text_of, query))
        )
        for incident_id, headline in rows:
            add(incident_id, label, headline)
    for pk, result in found.items():
        result.snippets = snippets[pk][:MAX_SNIPPETS]
    return found


def _plain_snippets(incidents: list[Incident], text: str) -> dict[int, Result]:
    """Snippets of the SQLite fallback, cut around the words typed: four queries."""
    typed = words(text)
    rows = (
        Incident.objects.filter(pk__in=[incident.pk for incident in incidents])
        .select_related("postmortem")
        .prefetch_related("timeline_events", "causes", "action_items", "postmortem__sections")
    )
    found = {incident.pk: Result(incident, marked(incident.title)) for incident in incidents}
    for row in rows:
        result = found[row.pk]
        result.title = marked(mark_words(row.title, typed, excerpt=False) or row.title)
        texts = [
            (_label(Incident, "summary"), row.summary),
            (_label(Incident, "impact"), row.impact),
        ]
        postmortem = getattr(row, "postmortem", None)
        if postmortem is not None:
            texts += [(section.title, section.body) for section in postmortem.sections.all()]
        texts += [("Cause", f"{c.description}\n{c.resolution}") for c in row.causes.all()]
        texts += [("Timeline", event.description) for event in row.timeline_events.all()]
        texts += [("Action item", f"{i.title}: {i.description}") for i in row.action_items.all()]
        for label, value in texts:
            snippet = mark_words(plain_text(value), typed)
            if snippet is not None and len(result.snippets) < MAX_SNIPPETS:
                result.snippets.append(Snippet(label, marked(snippet)))
    return found
