from datetime import date

from django.core.management.base import BaseCommand, CommandError

from incidents import reminders, tasks
from incidents.models import ActionItem, User


class Command(BaseCommand):
    help = "Run the reminder sweep now: one digest per owner, escalations to managers."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Print, send nothing.")
        parser.add_argument("--date", help="Sweep as if today were YYYY-MM-DD.")

    def handle(self, *args, dry_run: bool, date: str | None, **options) -> None:
        day = _parse_day(date) if date else reminders.reminder_today()
        if not dry_run:
            count = tasks.send_reminders_sweep(day.isoformat())
            self.stdout.write(f"Enqueued {count} reminder deliveries for {day}.")
            return
        plan = reminders.plan_sweep(day)
        entries = list(plan.entries())
        users = User.objects.in_bulk({uid for _, uid, _ in entries})
        items = ActionItem.objects.in_bulk({pk for *_, ids in entries for pk in ids})
        self.stdout.write(f"Dry run for {day}: {len(entries)} emails, nothing sent.")
        for kind, uid, item_ids in entries:
            self.stdout.write(f"{kind} to {users[uid].email}:")
            for pk in item_ids:
                item = items[pk]
                overdue = item.days_overdue(day)
                when = f"{overdue} days overdue" if overdue else f"due {item.due_date}"
                self.stdout.write(f"  - {item.title} ({when})")


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--date {text!r} is not a date; use YYYY-MM-DD.") from None
