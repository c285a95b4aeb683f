"""seed_demo: a realistic, deterministic demo network for one user (prints the login)."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils import timezone

from contacts.demo import DEMO_PASSWORD, DEMO_TIMEZONE, demo_network_create


class Command(BaseCommand):
    help = (
        "Create a demo user (password keepwarm-demo) with a realistic network of contacts and interactions, "
        "as after some months of use: then its schedule, warmth, reminders and today's focus are computed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", default="demo", help="username (created when missing; default demo)")
        parser.add_argument("--contacts", type=int, default=60, help="how many contacts (default 60)")
        parser.add_argument(
            "--interactions", type=int, default=200, help="how many interactions (default 200)"
        )
        parser.add_argument(
            "--seed", type=int, default=42, help="random seed: same seed, same network (default 42)"
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when the user already exists with contacts"
        )

    def handle(self, *args, **options) -> None:
        username: str = options["user"].strip()
        contacts: int = options["contacts"]
        interactions: int = options["interactions"]
        if not username or len(username) > 150:
            raise CommandError("--user must be a non-empty username of at most 150 characters")
        if not 1 <= contacts <= 100_000:
            raise CommandError("--contacts must be between 1 and 100000")
        if not 0 <= interactions <= 1_000_000:
            raise CommandError("--interactions must be between 0 and 1000000")
        existing = User.objects.filter(username=username).first()
        if existing is not None and options["if_empty"] and existing.contacts.exists():
            self.stdout.write(
                f"seed skipped: user={username} already has {existing.contacts.count()} contacts"
            )
            return
        # "Today" in the user's time zone (the demo user's is Europe/London).
        tz_name = existing.profile.timezone if existing is not None else DEMO_TIMEZONE
        try:
            today = timezone.localdate(timezone=ZoneInfo(tz_name))
        except (ZoneInfoNotFoundError, ValueError):
            today = timezone.localdate()
        try:
            result = demo_network_create(
                username=username,
                contacts=contacts,
                interactions=interactions,
                seed=options["seed"],
                today=today,
                timezone_name=DEMO_TIMEZONE,
            )
        except DatabaseError as exc:
            raise CommandError(f"database error, nothing written: {exc}".splitlines()[0]) from exc
        password = DEMO_PASSWORD if result.created_user else "(unchanged)"
        self.stdout.write(
            f"seeded user={username} password={password} contacts={result.contacts} "
            f"interactions={result.interactions} reminders={result.reminders}"
        )
