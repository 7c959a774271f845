from django.core.management.base import BaseCommand

from search import index


class Command(BaseCommand):
    help = (
        "Recompute the search document of every incident (PostgreSQL). Run it after "
        "loading data that bypassed the services, such as import_all."
    )

    def handle(self, *args, **options) -> None:
        if not index.is_supported():
            self.stdout.write("This database has no full-text index; search uses icontains.")
            return
        count = index.rebuild_documents()
        self.stdout.write(f"Indexed {count} incidents.")
