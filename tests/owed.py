"""What recovery and /health/ count: one figure for every kind of owed delivery."""

from core import deliveries

# The kinds an operator reads on /health/; a kind registered later is checked as well.
KNOWN_KINDS = {
    "reminder", "event", "webhook", "webhook_disabled_email", "tracker_issue", "tracker_state",
    "publication", "notification_email", "unlock_link", "chat_message", "confluence_page",
    "chat_command",
}  # fmt: skip


def owed_counts(**counts: int) -> dict[str, int]:
    """Return every registered kind with the given counts and 0 for the others."""
    registered = {kind.name for kind in deliveries.owed_kinds()}
    assert registered >= KNOWN_KINDS, KNOWN_KINDS - registered
    return {name: counts.get(name, 0) for name in registered}
