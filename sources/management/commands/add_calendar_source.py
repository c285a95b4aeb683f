"""`manage.py add_calendar_source --user U URL_OR_PATH` → prints the new source's id."""

from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser

from crm.command_options import user_option
from sources.calendar_fetch import SourceError
from sources.services import calendar_source_add


class Command(BaseCommand):
    help = "Add a calendar source: an http(s):// or webcal:// address, or a local .ics file (copied in)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="the owner's username")
        parser.add_argument("location", metavar="URL_OR_PATH")
        parser.add_argument("--name", default="", help="a name shown in Settings")
        parser.add_argument("--ask-first", action="store_true", help="found meetings wait for review")

    def handle(self, *args, **options) -> None:
        owner = user_option(options["user"])
        location = options["location"]
        try:
            if "://" in location:
                source = calendar_source_add(
                    owner=owner, url=location, name=options["name"], ask_first=options["ask_first"]
                )
            else:
                path = Path(location)
                if not path.is_file():
                    raise CommandError(f"no such file: {location}")
                with path.open("rb") as handle:
                    source = calendar_source_add(
                        owner=owner,
                        file=File(handle, name=path.name),
                        name=options["name"] or path.stem,
                        ask_first=options["ask_first"],
                    )
        except SourceError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(source.pk))
