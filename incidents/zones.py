"""Time zone names typed by people, written in documents or set in the environment."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_or_none(name: str) -> ZoneInfo | None:
    """Return the IANA zone of that name, or None when the name is no zone.

    zoneinfo raises more than ZoneInfoNotFoundError for odd names: ValueError for a path
    such as '../x' and OSError for a name longer than the file system allows.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
