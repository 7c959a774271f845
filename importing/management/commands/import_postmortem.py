import json
import sys
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from importing.errors import PostmortemImportError
from importing.parse import parse_postmortem
from importing.saving import postmortem_import, refusal_text


class Command(BaseCommand):
    help = "Import Markdown postmortems as incidents; a bad file is reported and skipped."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "files", nargs="+", type=Path, help="Markdown files, or folders of .md files."
        )
        parser.add_argument("--dry-run", action="store_true", help="Parse only, save nothing.")
        parser.add_argument("--json", action="store_true", help="Print what was parsed as JSON.")
        parser.add_argument("--date", help="Date for documents that give no date (YYYY-MM-DD).")
        parser.add_argument("--time-zone", help="Zone for documents that name none.")

    def handle(self, *args, files, dry_run, json: bool, date, time_zone, **options) -> None:
        default_date = _parse_date(date) if date else timezone.localdate()
        files = _expand(files)
        results, failures, warned = [], 0, 0
        known_owners: dict = {}
        progress = tqdm(files, unit="file", disable=len(files) < 5, file=sys.stderr)
        for path in progress:
            try:
                text = path.read_text(encoding="utf-8")
                parsed = parse_postmortem(text, default_date=default_date, time_zone=time_zone)
                incident = None
                if not dry_run:
                    # One transaction per document: a refused one leaves nothing behind.
                    with transaction.atomic():
                        incident = postmortem_import(
                            parsed=parsed, actor=None, known_owners=known_owners
                        )
            except (OSError, UnicodeDecodeError) as error:
                failures += 1
                self.stderr.write(f"{path}: cannot read the file: {error}")
                continue
            except PostmortemImportError as error:
                failures += 1
                self.stderr.write(f"{path}: {error}")
                continue
            except ValidationError as error:
                failures += 1
                self.stderr.write(f"{path}: not imported: {refusal_text(error)}")
                continue
            entry = {"file": str(path), **parsed.as_json()}
            if incident is not None:
                entry["reference"] = incident.reference
            results.append(entry)
            warned += bool(parsed.warnings)
            if not json:
                where = "parsed" if dry_run else f"imported as {entry['reference']}"
                self.stdout.write(
                    f"{path}: {where}: {parsed.title!r}, {len(parsed.events)} events, "
                    f"{len(parsed.action_items)} action items, {len(parsed.warnings)} warnings"
                )
                for warning in parsed.warnings:
                    self.stdout.write(f"  warning: {warning}")
        if json:
            self.stdout.write(_dumps(results))
        elif len(files) > 1:
            self.stdout.write(
                f"{len(results)} of {len(files)} documents "
                f"{'parsed' if dry_run else 'imported'}: "
                f"{sum(len(r['events']) for r in results)} timeline entries, "
                f"{sum(len(r['action_items']) for r in results)} action items, "
                f"{sum(len(r['warnings']) for r in results)} warnings in {warned} documents"
                + (f", {failures} could not be imported" if failures else "")
            )
        if failures and not results:
            raise CommandError(f"None of the {failures} files could be imported.")


def _expand(paths: list[Path]) -> list[Path]:
    """Return the files named, with each folder replaced by its .md files in name order."""
    files = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix.lower() in {".md", ".markdown"})
        else:
            files.append(path)
    return files


def _dumps(results: list) -> str:
    return json.dumps(results, indent=2, ensure_ascii=False)


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--date {text!r} is not a date; use YYYY-MM-DD.") from None
