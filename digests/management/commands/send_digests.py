"""send_digests [--date YYYY-MM-DD] [--user U] → `sent=N skipped=N failed=N`."""

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from crm.command_options import date_option, user_option
from digests import services


class Command(BaseCommand):
    help = (
        "Send the digests due now (each user's local hour), or with --date that day's digest "
        "to every user due one, whatever the hour. Safe to re-run: a digest goes out once per period."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="YYYY-MM-DD: send that day's digests, whatever the hour")
        parser.add_argument("--user", help="only this user (username)")

    def handle(self, *args, **options) -> None:
        date = date_option(options["date"]) if options["date"] else None
        user_ids = [user_option(options["user"]).pk] if options["user"] else None
        result = services.digest_send_all(now=timezone.now(), date=date, user_ids=user_ids)
        for user_id, period, _today in result.failed:
            self.stderr.write(f"failed: user {user_id} period {period} (see DigestLog.last_error)")
        self.stdout.write(result.summary)
