import json

from django.core.management.base import BaseCommand, CommandError

from incidents.selectors import incident_for_document
from postmortems.exporting import exporters


class Command(BaseCommand):
    help = "Print an incident's postmortem as Markdown, standalone HTML or JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument("reference", help="The incident, e.g. INC-1 (or just 1).")
        parser.add_argument("--format", choices=sorted(exporters.FORMATS), default="md")

    def handle(self, *args, reference: str, format: str, **options) -> None:
        number = reference.upper().removeprefix("INC-")
        if not number.isdigit():
            raise CommandError(f"{reference!r} is not an incident reference such as INC-1.")
        incident = incident_for_document(None).filter(pk=int(number)).first()
        if incident is None:
            raise CommandError(f"There is no incident {reference}.")
        if format == "md":
            self.stdout.write(exporters.export_markdown(incident), ending="")
        elif format == "html":
            self.stdout.write(exporters.export_html(incident))
        else:
            data = exporters.export_json(incident)
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
