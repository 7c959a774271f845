"""Writing the search documents: an INSERT … ON CONFLICT each, for any number of incidents."""

from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from incidents.models import ActionItem, Cause, Incident, TimelineEvent
from postmortems.models import Postmortem, PostmortemSection
from search.models import ActionItemSearchDocument, IncidentSearchDocument

CONFIG = "english"


def _upsert_sql(where: str) -> str:
    # Every section's text is searched, whatever template it is in, with the text an import
    # could not place and sections no longer in the template.
    return f"""
        INSERT INTO {IncidentSearchDocument._meta.db_table}
            (incident_id, head, document, updated_at)
        SELECT i.id, i.head,
            i.head
            || setweight(to_tsvector('{CONFIG}', concat_ws(' ', n.text, c.text)), 'C')
            || setweight(to_tsvector('{CONFIG}', concat_ws(' ', t.text, a.text)), 'D'),
            %s
        FROM (
            SELECT i.*,
                setweight(to_tsvector('{CONFIG}', i.title), 'A')
                || setweight(to_tsvector('{CONFIG}', concat_ws(' ', i.summary, i.impact)), 'B')
                AS head
            FROM {Incident._meta.db_table} i
        ) i
        LEFT JOIN {Postmortem._meta.db_table} p ON p.incident_id = i.id
        LEFT JOIN LATERAL (
            SELECT string_agg(body, ' ' ORDER BY position, id) AS text
            FROM {PostmortemSection._meta.db_table} WHERE postmortem_id = p.id
        ) n ON TRUE
        LEFT JOIN LATERAL (
            SELECT string_agg(concat_ws(' ', description, resolution), ' ') AS text
            FROM {Cause._meta.db_table} WHERE incident_id = i.id
        ) c ON TRUE
        LEFT JOIN LATERAL (
            SELECT string_agg(description, ' ') AS text
            FROM {TimelineEvent._meta.db_table} WHERE incident_id = i.id
        ) t ON TRUE
        LEFT JOIN LATERAL (
            SELECT string_agg(concat_ws(' ', title, description), ' ') AS text
            FROM {ActionItem._meta.db_table} WHERE incident_id = i.id
        ) a ON TRUE
        {where}
        ON CONFLICT (incident_id) DO UPDATE
            SET head = EXCLUDED.head, document = EXCLUDED.document,
                updated_at = EXCLUDED.updated_at
    """  # noqa: S608  (table and column names come from the models, values are parameters)


def _items_sql(where: str) -> str:
    return f"""
        INSERT INTO {ActionItemSearchDocument._meta.db_table} (item_id, document)
        SELECT a.id, to_tsvector('{CONFIG}', concat_ws(' ', a.title, a.description))
        FROM {ActionItem._meta.db_table} a
        {where}
        ON CONFLICT (item_id) DO UPDATE SET document = EXCLUDED.document
    """  # noqa: S608  (table and column names come from the models, values are parameters)


def is_supported() -> bool:
    """Return True when the database has full-text search (PostgreSQL)."""
    return connection.vendor == "postgresql"


def update_documents(incident_ids: Iterable[int]) -> int:
    """Recompute the documents of these incidents and their action items (two statements).

    Return how many incidents were indexed.
    """
    ids = sorted(set(incident_ids))
    if not ids or not is_supported():
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_items_sql("WHERE a.incident_id = ANY(%s)"), [ids])
        cursor.execute(_upsert_sql("WHERE i.id = ANY(%s)"), [timezone.now(), ids])
        return cursor.rowcount


def rebuild_documents() -> int:
    """Recompute the document of every incident and action item; return how many incidents."""
    if not is_supported():
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_items_sql(""))
        cursor.execute(_upsert_sql(""), [timezone.now()])
        return cursor.rowcount
