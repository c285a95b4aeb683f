"""send_digests [--date YYYY-MM-DD] [--user U] → `sent=N skipped=N failed=N`."""

import datetime as dt

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from digests import services


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date must be YYYY-MM-DD, got {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Send the digests due now (each user's local hour), or with --date that day's digest "
        "to every user due one, whatever the hour. Safe to re-run: a digest goes out once per period."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="YYYY-MM-DD: send that day's digests, whatever the hour")
        parser.add_argument("--user", help="only this user (username)")

    def handle(self, *args, **options) -> None:
        date = _date(options["date"]) if options["date"] else None
        user_ids = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user named {options['user']!r}")
            user_ids = [user.pk]
        result = services.digest_send_all(now=timezone.now(), date=date, user_ids=user_ids)
        for user_id, period, _today in result.failed:
            self.stderr.write(f"failed: user {user_id} period {period} (see DigestLog.last_error)")
        self.stdout.write(result.summary)
