"""`manage.py sync_sources [--user U]` → prints `logged=N ignored=N failed=N` last."""

from django.core.management.base import BaseCommand, CommandParser

from crm.command_options import user_option
from sources.services import sources_sync


class Command(BaseCommand):
    help = "Read every calendar and mailbox source now (what the hourly beat runs); idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", help="only this username")

    def handle(self, *args, **options) -> None:
        user_ids = [user_option(options["user"]).pk] if options["user"] else None
        counts = sources_sync(user_ids=user_ids)
        if counts.pending:
            self.stdout.write(f"waiting for review: {counts.pending}")
        self.stdout.write(counts.line())
