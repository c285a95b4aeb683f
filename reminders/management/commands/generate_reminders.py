"""`manage.py generate_reminders [--date YYYY-MM-DD] [--user U]` → prints `created=N` last."""

from django.core.management.base import BaseCommand, CommandParser

from crm.command_options import date_option, user_option
from reminders.services import reminders_generate


class Command(BaseCommand):
    help = "Raise the reminders that are due, for every user or one (idempotent; safe to run twice)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            help="\"today\" in every user's time zone, as YYYY-MM-DD (default: each one's own today)",
        )
        parser.add_argument("--user", help="only this username")

    def handle(self, *args, **options) -> None:
        today = date_option(options["date"]) if options["date"] else None
        user_ids = [user_option(options["user"]).pk] if options["user"] else None
        created = reminders_generate(today=today, user_ids=user_ids)
        self.stdout.write(f"created={created}")
