"""Who may manage a team's tracker connection: the team's manager, and superusers."""

from webhooks.permissions import can_manage_webhooks, manageable_teams

# The same rule as webhooks: both send the team's data to a place the manager chose.
can_manage_tracker = can_manage_webhooks

__all__ = ["can_manage_tracker", "manageable_teams"]
