from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from postmortems.exporting.backup import dump_json, export_data


class Command(BaseCommand):
    help = "Write every user, team, incident and postmortem to one JSON file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="where to write the backup, '-' for standard output")
        parser.add_argument(
            "--include-passwords",
            action="store_true",
            help="also write password hashes, so people keep their passwords after a restore",
        )

        parser.add_argument(
            "--include-private",
            action="store_true",
            help="also write private incidents; only for a backup kept where only "
            "superusers can read it",
        )

    def handle(
        self, *args, file: str, include_passwords: bool, include_private: bool, **options
    ) -> None:
        data = export_data(include_passwords=include_passwords, include_private=include_private)
        text = dump_json(data)
        if file == "-":
            self.stdout.write(text)
            return
        Path(file).write_text(text + "\n", encoding="utf-8")
        counts = ", ".join(f"{len(rows)} {label}" for label, rows in data["models"].items())
        self.stderr.write(f"Wrote {file}: {counts}")
