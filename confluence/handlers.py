"""The Confluence consumer of events: a page owed when a postmortem is published, and the
page withdrawn when its incident is made private. It writes rows only; workers call
Confluence after commit."""

from contextlib import suppress

from confluence import services
from confluence.models import ConfluenceConnection, ConfluencePage
from core import events
from core.models import ChangeRecord
from postmortems.models import Postmortem

CONSUMER = "confluence"


@events.subscribe(CONSUMER, ["postmortem.published", "incident.updated"])
def on_events(records: list[ChangeRecord]) -> None:
    """Owe pages for published postmortems of connected teams; withdraw those made private."""
    published = [r for r in records if r.event == "postmortem.published"]
    privatized = [
        r for r in records
        if r.event == "incident.updated"
        and ((r.values or {}).get("is_private") or [None, None])[1] is True
    ]  # fmt: skip
    if published:
        team_ids = {r.incident.team_id for r in published if r.incident.team_id is not None}
        connected = set(
            ConfluenceConnection.objects.filter(team_id__in=team_ids).values_list(
                "team_id", flat=True
            )
        )
        for record in published:
            incident = record.incident
            # Read now, not from the record: the incident may have been made private since.
            if incident.team_id in connected and not incident.is_private:
                # Reopened since (NotPublishable): the next publication owes the page.
                with suppress(services.NotPublishable):
                    services.publish_request(incident=incident, actor=record.actor)
    if privatized:
        ids = {r.incident_id for r in privatized}
        live = ConfluencePage.objects.filter(
            postmortem__incident_id__in=ids, withdrawn_at__isnull=True
        ).exclude(page_id="")
        for postmortem in Postmortem.objects.filter(pk__in=live.values("postmortem_id")):
            services.withdraw_request(postmortem=postmortem)
