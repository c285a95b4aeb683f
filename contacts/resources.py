"""django-import-export resource for the admin's bulk import/export of contacts.

Export: one row per contact with its first email and phone and its tags.

Import: django-import-export gives the admin its upload form, dry-run preview, row
errors with line numbers and confirm step; the rows themselves go through the same
service as the import page and `import_contacts` (`contacts.importing.services.import_rows`),
so an admin import and a user import of the same file give the same contacts:
matched by email, then LinkedIn URL, then exact full name + company; only empty fields
filled; on a LinkedIn export, a changed company or title recorded as a job change.
The table's header picks the parser as it does for a file. Rows belong to the owner
chosen in the admin's import form (`ContactResource(owner=...)`); ids in the file are
ignored (they may belong to another account).
"""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from import_export import fields, resources, widgets
from import_export.exceptions import ImportError as ImportExportError
from import_export.results import Error, Result, RowResult

from contacts.importing.errors import ImportFormatError
from contacts.importing.parsers.tabular import cell_text, table_format, table_rows
from contacts.importing.report import ImportReport
from contacts.importing.services import Outcomes, import_rows
from contacts.models import CONTACT_FIELDS, CONTACT_TEXT_FIELDS, Contact

# The contact's own fields (introductions aside: they name another contact), with its
# first email and phone after the name, as people expect to see them.
IMPORT_FIELDS = (
    *CONTACT_TEXT_FIELDS[:2],
    "email",
    "phone",
    *(name for name in CONTACT_FIELDS[2:] if name != "introduced_by"),
)
_ROW_TYPES = {
    "new": RowResult.IMPORT_TYPE_NEW,
    "update": RowResult.IMPORT_TYPE_UPDATE,
    "skip": RowResult.IMPORT_TYPE_SKIP,
}


class ContactResource(resources.ModelResource):
    id = fields.Field(attribute="id", column_name="id", readonly=True)
    owner = fields.Field(attribute="owner__username", column_name="owner", readonly=True)
    email = fields.Field(column_name="email")
    phone = fields.Field(column_name="phone")
    tags = fields.Field(column_name="tags", readonly=True)
    started_on = fields.Field(
        attribute="started_on", column_name="started_on", widget=widgets.DateWidget("%Y-%m-%d")
    )

    class Meta:
        model = Contact
        fields = ("id", "owner", *IMPORT_FIELDS, "tags", "created_at")
        export_order = ("id", "owner", *IMPORT_FIELDS, "tags", "created_at")

    def __init__(self, owner: User | None = None, **kwargs):
        super().__init__(**kwargs)
        self.owner = owner

    # --- export --------------------------------------------------------------

    def get_queryset(self):
        qs = Contact.objects.select_related("owner").prefetch_related("emails", "phones", "tags")
        return qs.filter(owner=self.owner) if self.owner is not None else qs

    def dehydrate_email(self, contact: Contact) -> str:
        emails = list(contact.emails.all()) if contact.pk else []
        return emails[0].value if emails else ""

    def dehydrate_phone(self, contact: Contact) -> str:
        phones = list(contact.phones.all()) if contact.pk else []
        return phones[0].value if phones else ""

    def dehydrate_tags(self, contact: Contact) -> str:
        return ", ".join(t.name for t in contact.tags.all()) if contact.pk else ""

    # --- import --------------------------------------------------------------

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs) -> Result:
        """Import `dataset` for the chosen owner through the import service; report per row.

        A row the service rejects is an invalid row (with its line number and reason),
        so the admin shows it and offers no confirm step. Other django-import-export
        options (transactions, bulk mode, skip_unchanged) do not apply: the service
        always runs in one transaction and only writes what changed.
        """
        headers = list(dataset.headers or [])
        result = self.get_result_class()()
        result.diff_headers = [*headers, "result"]
        result.total_rows = len(dataset)
        try:
            if self.owner is None:
                raise ImportFormatError("Choose the user who will own the imported contacts.")
            fmt = table_format(headers)
            outcomes: Outcomes = []
            with transaction.atomic():
                report = import_rows(
                    owner=self.owner,
                    rows=table_rows(headers, dataset, fmt),
                    fmt=fmt,
                    dry_run=dry_run,
                    outcomes=outcomes,
                )
                if raise_errors and report.errors:
                    first = min(report.errors, key=lambda e: e.row)
                    raise ImportExportError(first.message, number=first.row)
        except ImportFormatError as exc:
            if raise_errors:
                raise
            result.append_base_error(Error(exc))
            return result
        self._report_rows(result, dataset, report, sorted(outcomes), dry_run=dry_run)
        return result

    def _report_rows(
        self, result: Result, dataset, report: ImportReport, outcomes: Outcomes, *, dry_run: bool
    ) -> None:
        """One RowResult per table row, in order: new / update / skip, or invalid with the reason."""
        errors = {e.row: e.message for e in report.errors}
        merged = {m["row"]: ", ".join(m["fields"]) for m in report.merged}
        # The contacts as written, for the admin's log entries (rolled back on a dry run).
        saved = {} if dry_run else Contact.objects.in_bulk({pk for _row, _kind, pk in outcomes if pk})
        for number, kind, pk in outcomes:
            cells = [cell_text(v) for v in dataset[number - 1]]
            row_result = self.get_row_result_class()()
            if kind == "error":
                row_result.import_type = RowResult.IMPORT_TYPE_INVALID
                row_result.validation_error = ValidationError(errors[number])
                result.append_invalid_row(
                    number, dict(zip(result.diff_headers, cells, strict=False)), row_result.validation_error
                )
            else:
                row_result.import_type = _ROW_TYPES[kind]
                row_result.diff = [*cells, merged.get(number, "")]
                row_result.object_id = pk
                if (contact := saved.get(pk)) is not None:
                    row_result.instance = contact
                    row_result.object_repr = str(contact)
            result.append_row_result(row_result)
            result.increment_row_result_total(row_result)
