from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError

from core import deliveries
from incidents import reminders, tasks
from incidents.models import ActionItem, ReminderDelivery, User


class Command(BaseCommand):
    help = "Run the reminder sweep now: one digest per owner, escalations to managers."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Print, send nothing.")
        parser.add_argument("--date", help="Sweep as if today were YYYY-MM-DD.")
        parser.add_argument(
            "--status",
            action="store_true",
            help="Print how many deliveries of the last days are pending, sending, sent, "
            "failed or skipped, and how many are overdue; send nothing.",
        )
        parser.add_argument("--days", type=int, default=7, help="With --status: how many days.")

    def handle(self, *args, dry_run: bool, date: str | None, status: bool, days: int, **options):
        day = _parse_day(date) if date else reminders.reminder_today()
        if status:
            self._print_status(day, days)
        elif dry_run:
            self._print_plan(day)
        else:
            count = tasks.send_reminders_sweep(day.isoformat())
            self.stdout.write(f"Enqueued {count} reminder deliveries for {day}.")

    def _print_status(self, day: date, days: int) -> None:
        since = day - timedelta(days=max(days, 1) - 1)
        counts = deliveries.status_counts(
            ReminderDelivery.objects.filter(for_date__gte=since, for_date__lte=day), "for_date"
        )
        statuses = ReminderDelivery.Status.values
        self.stdout.write(f"Reminder deliveries from {since} to {day}:")
        self.stdout.write("day         " + "".join(f"{name:>9}" for name in statuses))
        for offset in range((day - since).days + 1):
            current = since + timedelta(days=offset)
            row = counts.get(current, dict.fromkeys(statuses, 0))
            self.stdout.write(f"{current}  " + "".join(f"{row[name]:>9}" for name in statuses))
        overdue = deliveries.overdue_counts()
        late = ", ".join(f"{name} {count}" for name, count in overdue.items())
        self.stdout.write(f"Owed for longer than the stale limit: {late or 'nothing'}.")

    def _print_plan(self, day: date) -> None:
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
