"""Time zone names typed by people, written in documents or set in the environment."""

from contextlib import suppress
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from zoneinfo import TZPATH, ZoneInfo, ZoneInfoNotFoundError, available_timezones


def zone_or_none(name: str) -> ZoneInfo | None:
    """Return the IANA zone of that name, or None when the name is no zone.

    zoneinfo raises more than ZoneInfoNotFoundError for odd names: ValueError for a path
    such as '../x' and OSError for a name longer than the file system allows.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


# Old names tzdata keeps as links to a canonical zone (Africa/Asmera → Africa/Asmara). Used
# only when no zone.tab is installed to read the canonical names from.
_ALIASES = {
    "Africa/Asmera", "Africa/Timbuktu", "America/Argentina/ComodRivadavia", "America/Atka",
    "America/Buenos_Aires", "America/Catamarca", "America/Coral_Harbour", "America/Cordoba",
    "America/Ensenada", "America/Fort_Wayne", "America/Godthab", "America/Indianapolis",
    "America/Jujuy", "America/Knox_IN", "America/Louisville", "America/Mendoza",
    "America/Montreal", "America/Porto_Acre", "America/Rosario", "America/Santa_Isabel",
    "America/Shiprock", "America/Virgin", "Antarctica/South_Pole", "Asia/Ashkhabad",
    "Asia/Calcutta", "Asia/Chongqing", "Asia/Chungking", "Asia/Dacca", "Asia/Harbin",
    "Asia/Istanbul", "Asia/Kashgar", "Asia/Katmandu", "Asia/Macao", "Asia/Rangoon",
    "Asia/Saigon", "Asia/Tel_Aviv", "Asia/Thimbu", "Asia/Ujung_Pandang", "Asia/Ulan_Bator",
    "Atlantic/Faeroe", "Atlantic/Jan_Mayen", "Australia/ACT", "Australia/Canberra",
    "Australia/LHI", "Australia/NSW", "Australia/North", "Australia/Queensland",
    "Australia/South", "Australia/Tasmania", "Australia/Victoria", "Australia/West",
    "Australia/Yancowinna", "Europe/Belfast", "Europe/Kiev", "Europe/Nicosia",
    "Europe/Tiraspol", "Pacific/Enderbury", "Pacific/Johnston", "Pacific/Ponape",
    "Pacific/Samoa", "Pacific/Truk", "Pacific/Yap",
}  # fmt: skip


def _zone_tab_names() -> set[str]:
    """Return the zone names listed in zone.tab and zone1970.tab, or none if not installed.

    Those files list one canonical zone per region and country, never an alias.
    """
    names: set[str] = set()
    folders = [Path(p) for p in TZPATH]
    with suppress(ModuleNotFoundError):  # the tzdata package is optional where the OS has zones
        folders.append(Path(str(resources.files("tzdata").joinpath("zoneinfo"))))
    for folder in folders:
        for tab in ("zone.tab", "zone1970.tab"):
            try:
                lines = (folder / tab).read_text(encoding="utf-8").splitlines()
            except OSError:
                continue
            names |= {line.split("\t")[2] for line in lines if line and not line.startswith("#")}
    return names


@cache
def canonical_zone_names() -> tuple[str, ...]:
    """Return the IANA names a person picks from: no links or aliases such as Africa/Asmera.

    UTC and the fixed offsets (Etc/GMT-2 is GMT+2, as postmortems often write times) stay.
    """
    available = available_timezones()
    names = _zone_tab_names() & available or {
        name for name in available if "/" in name and name not in _ALIASES
    }
    names = {n for n in names if not n.startswith(("SystemV/", "US/", "posix/", "right/"))}
    fixed = {n for n in available if n.startswith("Etc/GMT") and n not in {"Etc/GMT0"}}
    fixed -= {"Etc/GMT+0", "Etc/GMT-0", "Etc/GMT", "Etc/Greenwich"}
    return ("UTC", *sorted(names | fixed - {"UTC"}))


# zoneinfo keeps only the last few zones it loaded: the ~600 of a zone picker would be read
# from disk again for every form (a third of a second). These are kept for the process.
_zone = lru_cache(maxsize=1024)(ZoneInfo)


def utc_offset(name: str, at: datetime | None = None) -> str:
    """Return the zone's offset from UTC at a moment (now by default): 'UTC+05:30'."""
    offset = (at or datetime.now(UTC)).astimezone(_zone(name)).utcoffset() or timedelta()
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def zone_choices(
    *, first: str | None = None, keep: str | None = None, at: datetime | None = None
) -> list[tuple[str, str]]:
    """Return (name, label) choices of the canonical zones with their current UTC offset.

    first (the person's own zone) leads the list; keep, a zone already stored that is no
    longer canonical (an old alias), is added so that the form can show it.
    """
    names = list(canonical_zone_names())
    for extra in (keep, first):
        if extra and extra not in names and zone_or_none(extra):
            names.append(extra)
    if first in names:
        names.remove(first)
        names.insert(0, first)
    choices = []
    for name in names:
        label = name
        if name == "UTC":
            pass
        elif name.startswith("Etc/GMT"):
            # IANA inverts the sign: Etc/GMT-2 is two hours ahead of UTC.
            label = f"{name} (fixed {utc_offset(name, at).replace(':00', '')})"
        else:
            label = f"{name} ({utc_offset(name, at)})"
        choices.append((name, label))
    return choices
