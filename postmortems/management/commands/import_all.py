import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from postmortems.exporting.backup import BackupError, import_data


class Command(BaseCommand):
    help = "Restore a file written by export_all into an empty database, keeping ids."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a file written by export_all")

    def handle(self, *args, file: str, **options) -> None:
        try:
            data = json.loads(Path(file).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"{file} does not exist.") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(f"{file} is not a JSON file: {error}") from None
        try:
            counts = import_data(data)
        except BackupError as error:
            raise CommandError(str(error)) from None
        summary = ", ".join(f"{count} {label}" for label, count in counts.items())
        self.stdout.write(f"Restored {summary}.")
        if not data.get("includes_passwords"):
            self.stdout.write("The file held no passwords: set new ones before people log in.")
