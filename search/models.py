"""The search index (one full-text document per incident, PostgreSQL only), and the links
between incidents with the same root cause."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Greatest, Least
from django.utils import timezone

from incidents.models import ActionItem, Incident


class IncidentSearchDocument(models.Model):
    """Everything written about an incident, as one weighted tsvector.

    Title weighs A; summary and impact B; the postmortem's narrative and the causes C; the
    timeline and the action items D. search.index writes these rows; on SQLite the table
    stays empty and search falls back to icontains (search.matching).
    """

    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    document = SearchVectorField()
    # The title, summary and impact alone (the A and B parts of the document), which the
    # board matches items' incidents against: filtering the whole document down to them
    # on every row read cost more than the rest of the board's query.
    head = SearchVectorField(null=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            GinIndex(fields=["document"], name="search_document_gin"),
            GinIndex(fields=["head"], name="search_document_head_gin"),
        ]

    def __str__(self) -> str:
        return f"Search document of {self.incident_id}"


class ActionItemSearchDocument(models.Model):
    """An action item's title and description as a tsvector, for the board's free text.

    The incident's document says which incidents mention a word, not which of their items
    do; parsing every item's text at query time costs most of a second on 100,000 items.
    """

    item = models.OneToOneField(
        ActionItem, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    document = SearchVectorField()

    class Meta:
        indexes = [GinIndex(fields=["document"], name="search_item_document_gin")]

    def __str__(self) -> str:
        return f"Search document of action item {self.item_id}"


class RecurrenceLink(models.Model):
    """Two incidents an author judged to have the same root cause.

    One row per pair, whichever side it was marked from (the constraint orders the pair).
    `incident` is the one it was marked on, `same_as` the similar incident chosen there.
    """

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="recurrence_links"
    )
    same_as = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Least("incident", "same_as"),
                Greatest("incident", "same_as"),
                name="recurrence_link_unique_pair",
            ),
            models.CheckConstraint(
                condition=~Q(incident=F("same_as")), name="recurrence_link_not_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"INC-{self.incident_id} has the same root cause as INC-{self.same_as_id}"

    def other(self, incident: Incident) -> Incident:
        """Return the incident of the pair that is not `incident`."""
        return self.same_as if self.incident_id == incident.pk else self.incident
