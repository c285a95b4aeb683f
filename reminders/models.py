from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.urls import reverse


class ReminderKind(models.TextChoices):
    CHECK_IN = "check_in", "Check-in"
    BIRTHDAY = "birthday", "Birthday"
    WORK_ANNIVERSARY = "work_anniversary", "Work anniversary"
    FOLLOW_UP = "follow_up", "Follow-up"
    JOB_CHANGE = "job_change", "Job change"


class ReminderStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    SNOOZED = "snoozed", "Snoozed"
    DISMISSED = "dismissed", "Dismissed"


def active_q(today: date) -> Q:
    """The one definition of an active reminder on local date `today`.

    Due today or earlier, open or snoozed until a date that has come (the job
    reopens those hourly; until then they count as open), on a contact that is
    not archived. The reminders page, the dashboard and the digest all use it.
    """
    return Q(contact__archived=False, due_on__lte=today) & (
        Q(status=ReminderStatus.OPEN) | Q(status=ReminderStatus.SNOOZED, snoozed_until__lte=today)
    )


def each_day_q(users_today: dict[int, date], term, *, only=None) -> Q:
    """`term(day)` for the users whose local today is `day`, one condition per distinct day,
    OR-ed (a batch of users across time zones); only the users in `only`, when given."""
    by_day: dict[date, list[int]] = {}
    for uid in sorted(users_today):
        if only is None or uid in only:
            by_day.setdefault(users_today[uid], []).append(uid)
    found = Q(pk__in=[])
    for day, ids in by_day.items():
        found |= Q(owner_id__in=ids) & term(day)
    return found


# The condition of the reminder_open_due_idx partial index, repeated as literal SQL in the
# queries that should use it: SQLite uses a partial index only when the query has the very
# term, constants included (a bound parameter does not match); PostgreSQL proves it anyway.
OPEN_TERM = RawSQL(
    "\"reminders_reminder\".\"status\" IN ('open', 'snoozed')", (), output_field=BooleanField()
)


class ReminderQuerySet(models.QuerySet):
    def active(self, today: date) -> "ReminderQuerySet":
        """Reminders to act on at local date `today` (`active_q`)."""
        return self.filter(active_q(today))

    def active_count(self, owner_id: int, today: date) -> "ReminderQuerySet":
        """The owner's active reminders for counting: read from the (owner, due_on, id) partial
        index alone; "on a contact that is not archived" is a NOT IN of the owner's archived
        contacts (few, and on their own index), not a join with every contact."""
        from contacts.models import Contact  # contacts sits beside reminders; its models never import these

        archived = Contact.objects.filter(owner_id=owner_id, archived=True).order_by().values("id")
        return (
            self.filter(OPEN_TERM, owner_id=owner_id, due_on__lte=today)
            .filter(
                Q(status=ReminderStatus.OPEN) | Q(status=ReminderStatus.SNOOZED, snoozed_until__lte=today)
            )
            .exclude(contact_id__in=archived)
            .order_by()
        )


class Reminder(models.Model):
    # Its contact's owner, copied for the owner-scoped indexes. No database constraint of
    # its own: the contact's key and the contact's owner key hold it already, and checking
    # it again at each commit locked the user's row once per reminder (0.9 s of a first
    # run raising 82,621 check-ins on PostgreSQL).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders", db_constraint=False
    )
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=ReminderStatus.choices, default=ReminderStatus.OPEN)
    snoozed_until = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The interaction a follow-up comes from; the years for an anniversary / birthday.
    interaction = models.ForeignKey(
        "contacts.Interaction", null=True, blank=True, on_delete=models.SET_NULL, related_name="reminders"
    )
    detail = models.CharField(max_length=255, blank=True)
    # The local date this reminder was put in the user's focus list (reminders.services.
    # focus_pick): a day's focus is fixed once picked, so it can be finished.
    focus_on = models.DateField(null=True, blank=True, editable=False)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            # Idempotence: raising the same reminder twice (two beats, two workers,
            # a retry after a crash) can never make a second row.
            models.UniqueConstraint(
                fields=["contact", "kind", "due_on"], name="reminder_unique_contact_kind_due"
            ),
        ]
        indexes = [
            # The dashboard, the reminders page and the digest: a user's open ones by date.
            models.Index(fields=["owner", "status", "due_on"], name="reminder_owner_status_due_idx"),
            models.Index(fields=["contact", "kind", "status"], name="reminder_contact_kind_idx"),
            # The reminders page's windows (keyset on due_on, id) and counts: only the rows
            # that can be active, so a history of closed reminders costs nothing, and
            # covering what the counts read (contact, status, snoozed_until), so they never
            # visit the table. Queries repeat the condition as literal SQL
            # (reminders.selectors.OPEN_TERM): SQLite uses a partial index only then.
            models.Index(
                fields=["owner", "due_on", "id", "contact", "status", "snoozed_until"],
                name="reminder_open_due_idx",
                condition=Q(status__in=["open", "snoozed"]),
            ),
            models.Index(
                fields=["owner", "focus_on"], name="reminder_focus_idx", condition=Q(focus_on__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.contact_id} on {self.due_on}"

    def get_absolute_url(self) -> str:
        return reverse("reminders:list") + f"#reminder-{self.pk}"


class PendingCheckIn(models.Model):
    """A check-in the reminder job still has to raise: the contact's `next_check_in` when
    the schedule sets or moves it, deleted once the job has raised it (or found one open).

    A narrow queue beside the contact, not a column of it: the job reads the pending ones
    whose date has come through (owner, due_on), so a backlog of open check-ins is never
    read again, and settling 80,000 of them is a DELETE of small rows, not an UPDATE of
    80,000 contacts that rewrites every one of their indexes.
    """

    contact = models.OneToOneField(
        "contacts.Contact", on_delete=models.CASCADE, primary_key=True, related_name="pending_check_in"
    )
    # The contact's owner, copied for the index. No database constraint: the contact's
    # key already ties the row to an existing contact, and a check per row costs an
    # import a second index lookup for each of its new contacts.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    due_on = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["owner", "due_on"], name="pending_check_in_due_idx")]

    def __str__(self) -> str:
        return f"Check-in for {self.contact_id} pending from {self.due_on}"
