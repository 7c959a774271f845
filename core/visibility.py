"""Which private incidents a viewer may see, asked once per request and remembered.

Inside a request (VisibilityScopeMiddleware), which private incidents a viewer may see is
asked once: each query then says "not private, or one of these", which PostgreSQL plans in
a moment, where the rule's seven subplans took it longer to plan (tens of ms on a busy
machine) than to run, for every query of a page. Outside a request the rule is asked in
each query, as before. Any change recorded in the request asks again (forget_visibility).

The rule itself belongs to the incidents app, which sets it here from its AppConfig.ready
(set_private_incidents_rule); this module only keeps its answers for the request.
"""

import contextvars
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

_private_seen: contextvars.ContextVar[dict[int, frozenset[int]] | None] = contextvars.ContextVar(
    "private_incidents_seen", default=None
)
_rule: Callable[[int], Iterable[int]] | None = None


def set_private_incidents_rule(rule: Callable[[int], Iterable[int]]) -> None:
    """Set how to ask for the ids of the private incidents the user with a given id may see."""
    global _rule
    _rule = rule


@contextmanager
def visibility_scope() -> Iterator[None]:
    """Within the block, remember per viewer which private incidents they may see."""
    token = _private_seen.set({})
    try:
        yield
    finally:
        _private_seen.reset(token)


def forget_visibility() -> None:
    """Ask the rule again in this scope: something that decides who sees what may have changed."""
    seen = _private_seen.get()
    if seen:
        seen.clear()


def private_incidents_seen(user) -> frozenset[int] | None:
    """Return the ids of the private incidents the user may see, or None outside a scope."""
    seen = _private_seen.get()
    # No rule set (the incidents app not installed): callers ask the rule in each query.
    if seen is None or _rule is None:
        return None
    if user.pk not in seen:
        seen[user.pk] = frozenset(_rule(user.pk))
    return seen[user.pk]
