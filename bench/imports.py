"""Import 1,000 postmortems: parse and save each, print the time in all against the target."""

import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import fresh_database, setup

setup()

from django.db import connection  # noqa: E402

SAMPLES = sorted((Path(__file__).resolve().parents[1] / "tests/postmortems/samples").glob("0*.md"))
SAMPLES += sorted(
    (Path(__file__).resolve().parents[1] / "tests/postmortems/samples").glob("10*.md")
)
COUNT = 1000
# Issue 11: "Keep the import of 1,000 documents under 30 s".
TARGET_SECONDS = 30
# Memory is traced on a pass of its own: tracemalloc makes Python code about three times
# slower, so tracing the timed pass would measure the tracer.
TRACED_COUNT = 100


def main() -> None:
    from core import events
    from importing.parse import parse_postmortem
    from importing.saving import postmortem_import

    fresh_database()
    texts = [SAMPLES[n % len(SAMPLES)].read_text() for n in range(COUNT)]
    # The consumers of the import's events (the search index, webhooks, notices) run in a
    # worker after commit, not in the import: collect their nudges here and time them apart.
    nudged: set[str] = set()
    events.set_nudge(nudged.update)
    parse_seconds = save_seconds = 0.0
    queries = 0

    def count_queries(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    # One run of the import command: owner names are looked up once for the run.
    known_owners: dict = {}
    with connection.execute_wrapper(count_queries):
        for text in texts:
            started = time.perf_counter()
            parsed = parse_postmortem(text, default_date=date(2026, 1, 10))
            parsed_at = time.perf_counter()
            postmortem_import(parsed=parsed, actor=None, known_owners=known_owners)
            parse_seconds += parsed_at - started
            save_seconds += time.perf_counter() - parsed_at
    started = time.perf_counter()
    for name in sorted(nudged):
        while events.handle_pending(name, batch_size=500).more:
            pass
    consumer_seconds = time.perf_counter() - started

    tracemalloc.start()
    for text in texts[:TRACED_COUNT]:
        parsed = parse_postmortem(text, default_date=date(2026, 1, 10))
        postmortem_import(parsed=parsed, actor=None, known_owners=known_owners)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    total = parse_seconds + save_seconds
    verdict = "within" if total <= TARGET_SECONDS else "OVER"
    print(f"Import of {COUNT:,} postmortems ({len(SAMPLES)} shapes)")
    print(
        f"  {COUNT:,} documents in {total:.1f} s (target {TARGET_SECONDS} s: {verdict}): "
        f"parse {parse_seconds:.1f} s, save {save_seconds:.1f} s, "
        f"{COUNT / total:.0f} documents/s, {queries / COUNT:.1f} queries per document"
    )
    print(
        f"  then, after commit (a worker's work): {', '.join(sorted(nudged)) or 'no consumer'} "
        f"handled the events in {consumer_seconds:.1f} s "
        f"(import and consumers together {total + consumer_seconds:.1f} s)"
    )
    print(f"  peak traced memory over {TRACED_COUNT} more documents: {peak / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
