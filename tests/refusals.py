"""Proof that a refused request changed nothing: no statement that writes reached the database."""

from collections.abc import Iterable

WRITES = ("INSERT", "UPDATE", "DELETE")


def writes(queries: list[dict], *, besides: Iterable[str] = ('"django_session"',)) -> list[str]:
    """Return the statements in `queries` that changed data, but those naming a `besides` table.

    The signed-in person's session (and an API token's last use) are bookkeeping of the
    request itself, not data the request was refused to change.
    """
    return [
        query["sql"]
        for query in queries
        if query["sql"].lstrip().upper().startswith(WRITES)
        and not any(table in query["sql"] for table in besides)
    ]
