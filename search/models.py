"""The search index: one full-text document per incident (PostgreSQL only)."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
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
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [GinIndex(fields=["document"], name="search_document_gin")]

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
