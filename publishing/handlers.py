"""The publishing consumer of events: a published postmortem is owed to its repositories.

It writes rows only; a worker makes the calls after commit.
"""

from core import events
from core.models import ChangeRecord
from postmortems.models import PublishedVersion
from publishing import services, tasks

CONSUMER = "publishing"


@events.subscribe(CONSUMER, ["postmortem.published"])
def on_published(records: list[ChangeRecord]) -> None:
    """Owe each newly published version to the repositories of its incident."""
    owed = []
    for record in records:
        if record.incident.is_private:
            continue
        version = (
            PublishedVersion.objects.filter(postmortem__incident_id=record.incident_id)
            .select_related("postmortem__incident")
            .order_by("-number")
            .first()
        )
        if version is None:
            continue
        owed += services.publication_owe(version=version, actor=record.actor)
    tasks.nudge_publications_after_commit([row.pk for row in owed])
