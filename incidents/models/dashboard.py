"""Figures the dashboard reads instead of counting 100,000 action items on every view."""

from django.conf import settings
from django.db import models

from incidents.models.people import Team


class OpenItemCount(models.Model):
    """How many open action items of public incidents one team, or one owner, has, and how
    many of them were overdue on the day `as_of`.

    Derived from the action items, never edited: the dashboard_counts consumer counts again
    the rows of the teams and owners each recorded change touched, and a daily rebuild
    (rebuild_dashboard_counts) makes them all again and moves `as_of` to that day. Every row
    has the same `as_of`: readers add the items that fell due between it and their today.
    Private incidents are left out, so the rows read the same to everyone; each viewer's own
    private incidents are added to them. Several rows may share a key (a deleted team or
    owner leaves theirs to null, as the items do): readers sum them.
    """

    class Per(models.TextChoices):
        TEAM = "team", "Team"
        OWNER = "owner", "Owner"

    per = models.CharField(max_length=5, choices=Per.choices)
    team = models.ForeignKey(Team, null=True, on_delete=models.SET_NULL, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    open_items = models.PositiveIntegerField()
    overdue_items = models.PositiveIntegerField()
    as_of = models.DateField()

    def __str__(self) -> str:
        who = self.team_id if self.per == self.Per.TEAM else self.owner_id
        return f"{self.per} {who}: {self.open_items} open, {self.overdue_items} overdue"
