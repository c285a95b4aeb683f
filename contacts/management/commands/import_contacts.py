"""import_contacts PATH --user U [--format auto|linkedin|google|outlook|vcard|csv|json] [--dry-run]

Prints row errors (with row numbers) and, last, `created=N updated=N skipped=N errors=N`.
A file that cannot be read at all: exit 1 with a one-line reason, nothing written.
"""

from django.core.management.base import BaseCommand, CommandError

from contacts.importing.detect import FORMATS
from contacts.importing.errors import ImportFormatError
from contacts.importing.services import import_run
from crm.command_options import user_option


class Command(BaseCommand):
    help = (
        "Import contacts from a LinkedIn/Google/Outlook CSV, a vCard file, any CSV or a Keepwarm JSON backup."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--user", required=True, help="username of the owner")
        parser.add_argument("--format", default="auto", choices=["auto", *FORMATS])
        parser.add_argument("--dry-run", action="store_true", help="report what would happen, write nothing")

    def handle(self, *args, **options):
        owner = user_option(options["user"])
        try:
            with open(options["path"], "rb") as handle:
                report = import_run(
                    owner=owner,
                    file=handle,
                    fmt=options["format"],
                    dry_run=options["dry_run"],
                    filename=options["path"],
                )
        except OSError as exc:
            raise CommandError(f"cannot read {options['path']}: {exc.strerror or exc}") from None
        except ImportFormatError as exc:
            raise CommandError(str(exc)) from None
        for error in report.errors:
            self.stderr.write(f"row {error.row}: {error.message}")
        for warning in report.warnings:
            self.stderr.write(f"row {warning['row']}: warning: {warning['message']}")
        for change in report.job_changes:
            self.stdout.write(
                f"job change (row {change['row']}): {change['name']}: "
                f"{change['old_title']} at {change['old_company']} → {change['new_title']} at {change['new_company']}"
            )
        if options["dry_run"]:
            self.stdout.write("dry run: nothing was written")
        self.stdout.write(report.summary_line())
