"""How much of the shape documents the importer reads: print, for the documents named (all of
tests/postmortems/samples/shapes/ by default), the share of expected timeline entries and
action items it imports and the share of documents whose first and last times it places.

The expectations are the shape test's EXPECTED, so the figures and the test cannot drift.
Times are compared in the zone the document means, so a wrong zone costs its entries.

    python bench/imports_held_out.py [--list FILE] [NAME ...]

FILE holds one document name a line (a batch); the issue tracker's held-out figures are
measured the same way: entries and items together, and first and last times per document.
"""

import argparse
import os
import sys
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]


def _setup() -> None:
    # Parsing reads text only: Django is started for the models' choices, no database is used.
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    import django

    django.setup()


def _title(text: str) -> str:
    return " ".join(text.lower().split()).rstrip(".")


def measure(names: list[str]) -> dict:
    """Return the counts for the named documents, and print a line for each."""
    from tests.postmortems.test_importer_shapes import EXPECTED, parse

    totals = Counter()
    for name in names:
        expected = EXPECTED[name]
        try:
            parsed = parse(name)
        except Exception as error:  # a refused document: nothing of it is read
            print(f"  REFUSED {name}: {error}")
            parsed = None
        zone = ZoneInfo(expected.zone)
        times = (
            [e.occurred_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") for e in parsed.events]
            if parsed
            else []
        )
        items = (
            [(_title(a.title), a.owner, a.status) for a in parsed.action_items] if parsed else []
        )
        wanted_items = [(_title(t), o, s) for t, o, s in expected.items]
        entries_read = sum((Counter(times) & Counter(expected.times)).values())
        items_read = sum((Counter(items) & Counter(wanted_items)).values())
        placed = bool(
            expected.times
            and times
            and times[0] == expected.times[0]
            and times[-1] == expected.times[-1]
        )
        totals["documents"] += 1
        totals["refused"] += parsed is None
        totals["expected"] += len(expected.times) + len(wanted_items)
        totals["read"] += entries_read + items_read
        totals["timed documents"] += bool(expected.times)
        totals["placed"] += placed
        missing = len(expected.times) - entries_read + len(wanted_items) - items_read
        flag = "" if not missing and (placed or not expected.times) else "  <--"
        print(
            f"  {name:45} entries {entries_read}/{len(expected.times)}"
            f"  items {items_read}/{len(wanted_items)}"
            f"  first/last {'ok' if placed else ('-' if not expected.times else 'WRONG')}{flag}"
        )
    return totals


def main() -> None:
    _setup()
    from tests.postmortems.test_importer_shapes import EXPECTED

    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--list", type=Path, help="a file with one document name a line")
    arguments.add_argument("names", nargs="*")
    options = arguments.parse_args()
    names = list(options.names)
    if options.list:
        names += [line.strip() for line in options.list.read_text().splitlines() if line.strip()]
    totals = measure(names or sorted(EXPECTED))
    read_share = 100 * totals["read"] / max(totals["expected"], 1)
    placed_share = 100 * totals["placed"] / max(totals["timed documents"], 1)
    print(
        f"{totals['documents']} documents ({totals['refused']} refused): "
        f"{read_share:.0f}% of entries and items imported ({totals['read']}/{totals['expected']}), "
        f"first and last times right for {placed_share:.0f}% of documents "
        f"({totals['placed']}/{totals['timed documents']})"
    )


if __name__ == "__main__":
    main()
