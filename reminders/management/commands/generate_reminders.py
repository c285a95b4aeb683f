"""`manage.py generate_reminders [--date YYYY-MM-DD] [--user U]` → prints `created=N` last."""

from datetime import date

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reminders.services import reminders_generate


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date must be a date as YYYY-MM-DD, got {value!r}") from exc


class Command(BaseCommand):
    help = "Raise the reminders that are due, for every user or one (idempotent; safe to run twice)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            help="\"today\" in every user's time zone, as YYYY-MM-DD (default: each one's own today)",
        )
        parser.add_argument("--user", help="only this username")

    def handle(self, *args, **options) -> None:
        today = _parse_date(options["date"]) if options["date"] else None
        user_ids = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user named {options['user']!r}")
            user_ids = [user.pk]
        created = reminders_generate(today=today, user_ids=user_ids)
        self.stdout.write(f"created={created}")
