"""@mentions in comments and narrative text: who is named, and who may be told.

A mention is `@username`, as the autocomplete writes it. Only people who may see the
incident count: naming an outsider in a private incident's comment tells them nothing and
lists nothing to them.
"""

import re
from collections.abc import Iterable

from django.db.models import IntegerField, Q, Value

from incidents.models import Incident, User, visibility_condition

# Not after a word character, so an e-mail address (ann@example.com) is no mention.
MENTION = re.compile(r"(?<![\w@/])@(?P<name>[\w.+-]*\w)")


def mentioned_names(text: str) -> set[str]:
    """Return the lower-cased user names mentioned in the text."""
    return {match["name"].lower() for match in MENTION.finditer(text or "")}


def viewers_among(incident: Incident, user_ids: Iterable[int]) -> set[int]:
    """Return those of the users who may see the incident, in one query (none if public).

    The visibility rule is asked once per user, all in one UNION, so it stays the one rule.
    """
    ids = sorted(set(user_ids))
    if not ids:
        return set()
    if not incident.is_private:
        return set(ids)
    queries = [
        Incident.objects.filter(pk=incident.pk)
        .filter(visibility_condition(uid))
        .order_by()
        .values_list(Value(uid, output_field=IntegerField()), flat=True)
        for uid in ids
    ]
    return set(queries[0].union(*queries[1:], all=True))


def mentioned_users(text: str, *, incident: Incident) -> list[User]:
    """Return the active users the text mentions who may see the incident."""
    names = mentioned_names(text)
    if not names:
        return []
    users = [
        user
        for user in User.objects.filter(is_active=True, username__iregex=_any_of(names))
        if user.username.lower() in names
    ]
    allowed = viewers_among(incident, [user.pk for user in users])
    return [user for user in users if user.pk in allowed]


def new_mentions(old: str, new: str, *, incident: Incident) -> list[User]:
    """Return the users mentioned in new text who were not mentioned in its old version."""
    added = mentioned_names(new) - mentioned_names(old)
    return [u for u in mentioned_users(new, incident=incident) if u.username.lower() in added]


def _any_of(names: set[str]) -> str:
    return r"^(" + "|".join(re.escape(name) for name in sorted(names)) + r")$"


def people_for_autocomplete(incident: Incident, query: str, *, limit: int = 8) -> list[User]:
    """Return up to `limit` active users matching what was typed who may see the incident."""
    query = query.strip().lstrip("@")

    people = User.objects.filter(is_active=True).order_by("username")
    if query:
        people = people.filter(
            Q(username__istartswith=query)
            | Q(first_name__istartswith=query)
            | Q(last_name__istartswith=query)
        )
    if not incident.is_private:
        return list(people[:limit])
    # Private: ask the rule of a few more candidates than shown, in one query.
    candidates = list(people[: limit * 5])
    allowed = viewers_among(incident, [user.pk for user in candidates])
    return [user for user in candidates if user.pk in allowed][:limit]
