"""ImportReport: what an import did (or, with dry_run, would do), for the page, the command and the admin."""

from dataclasses import dataclass, field

from .errors import RowError

UNCHANGED_LISTED = 100


@dataclass
class ImportReport:
    """What an import did (or, with dry_run, would do)."""

    format: str = ""
    dry_run: bool = False
    # The file's header as spelled there (a CSV): the rejected-rows download's columns.
    columns: list[str] | None = None
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    merged: list[dict] = field(default_factory=list)
    job_changes: list[dict] = field(default_factory=list)
    # Matches whose names disagree (a shared email, another name): listed, never a silent job change.
    to_confirm: list[dict] = field(default_factory=list)
    # The first UNCHANGED_LISTED rows that matched a contact and changed nothing ("already there").
    unchanged: list[dict] = field(default_factory=list)
    # Rows imported with a problem: a value left out (a date that is not one, an invalid email).
    warnings: list[dict] = field(default_factory=list)
    interactions_created: int = 0
    reminders_created: int = 0
    # A backup into an empty account: whether its settings were restored (None: not a restore).
    settings_restored: bool | None = None

    @property
    def error_count(self) -> int:
        return len(self.errors)

    def summary_line(self) -> str:
        return (
            f"created={self.created} updated={self.updated} skipped={self.skipped} errors={self.error_count}"
        )

    def as_dict(self) -> dict:
        return {
            "format": self.format,
            "dry_run": self.dry_run,
            "columns": self.columns,
            "total_rows": self.total_rows,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "errors": [e.as_dict() for e in self.errors],
            "merged": self.merged,
            "job_changes": self.job_changes,
            "to_confirm": self.to_confirm,
            "unchanged": self.unchanged,
            "warnings": self.warnings,
            "warning_count": len(self.warnings),
            "interactions_created": self.interactions_created,
            "reminders_created": self.reminders_created,
            "settings_restored": self.settings_restored,
        }
