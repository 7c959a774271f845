"""The search index as a consumer of events (see core.events)."""

from core import events
from core.models import ChangeRecord
from search import index

SEARCH_INDEX = "search_index"

# Every event that can change text the index holds. Names are '<model>.<what>' (see
# incidents.services.event_name). Status changes, moves and reviews change no indexed text.
INDEXED_EVENTS = [
    f"{model}.{what}"
    for model in ("incident", "timeline_event", "cause", "action_item", "postmortem")
    for what in ("created", "updated", "deleted")
]


@events.subscribe(SEARCH_INDEX, INDEXED_EVENTS)
def update_search_documents(records: list[ChangeRecord]) -> None:
    """Recompute the documents of the incidents these events touched, in one statement."""
    index.update_documents({record.incident_id for record in records})
