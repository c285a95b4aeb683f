"""export_contacts --user U --format vcard|csv|json [--output PATH]

Writes to PATH (or stdout); prints `exported=N format=F` last (to stderr when the
export itself goes to stdout, so the file stays clean).
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from contacts.importing.exporting import EXPORTERS
from contacts.models import Contact
from crm.command_options import user_option


class Command(BaseCommand):
    help = "Export a user's contacts as vCard, CSV or the full JSON backup."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True)
        parser.add_argument("--format", required=True, choices=sorted(EXPORTERS))
        parser.add_argument("--output", help="file to write (default: stdout)")

    def handle(self, *args, **options):
        owner = user_option(options["user"])
        exporter = EXPORTERS[options["format"]][0]
        count = Contact.objects.filter(owner=owner).count()
        summary = f"exported={count} format={options['format']}"
        if options["output"]:
            try:
                with open(options["output"], "w", encoding="utf-8", newline="") as out:
                    for chunk in exporter(owner=owner):
                        out.write(chunk)
            except OSError as exc:
                raise CommandError(f"cannot write {options['output']}: {exc.strerror or exc}") from None
            self.stdout.write(summary)
        else:
            for chunk in exporter(owner=owner):
                self.stdout.write(chunk, ending="")
            self.stdout.flush()
            sys.stderr.write(summary + "\n")
