import calendar
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from contacts.emails import InternationalEmailField
from contacts.search import SEARCH_SOURCE_FIELDS, contact_search_text


class Relationship(models.TextChoices):
    COLLEAGUE = "colleague", "Colleague"
    MENTOR = "mentor", "Mentor"
    MENTEE = "mentee", "Mentee"
    PEER = "peer", "Peer"
    MANAGER = "manager", "Manager"
    REPORT = "report", "Report"
    ALUMNI = "alumni", "Alumni"
    FRIEND_FAMILY = "friend_family", "Friend / family"
    CLIENT = "client", "Client"
    RECRUITER = "recruiter", "Recruiter"
    OTHER = "other", "Other"


class Network(models.TextChoices):
    STRATEGIC = "strategic", "Strategic"
    OPERATIONAL = "operational", "Operational"
    PERSONAL = "personal", "Personal"


class TieStrength(models.TextChoices):
    WEAK = "weak", "Weak"
    STRONG = "strong", "Strong"


class ContactLabel(models.TextChoices):
    WORK = "work", "Work"
    HOME = "home", "Home"
    MOBILE = "mobile", "Mobile"
    OTHER = "other", "Other"


class Tag(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=64)
    checkin_cadence_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(60)],
        help_text="Check-in cadence for contacts with this tag, in months (blank = none, 0 = never).",
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="tag_unique_per_owner")]

    def __str__(self) -> str:
        return self.name


# The contact's fields as a person fills them in, declared once: the form, the
# services, every import (files, the admin's, backups) and every export read these.
# Short text fields (one line each; an import cleans and fills them when empty):
CONTACT_TEXT_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "title",
    "industry",
    "location",
    "linkedin_url",
    "how_we_met",
)
# Everything a user edits on a contact (tags, emails and phones aside: own tables).
CONTACT_FIELDS = (
    *CONTACT_TEXT_FIELDS,
    "introduced_by",
    "relationship",
    "network",
    "tie_strength",
    "checkin_cadence_months",
    "birthday_month",
    "birthday_day",
    "birthday_year",
    "started_on",
    "notes",
    "archived",
)


class ContactQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """bulk_create skips `save()`: fill each contact's `search_text` here instead."""
        objs = list(objs)
        for obj in objs:
            obj.refresh_search_text()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        """A bulk_update of a searched field updates `search_text` with it."""
        if not set(fields).isdisjoint(SEARCH_SOURCE_FIELDS):
            objs = list(objs)
            for obj in objs:
                obj.refresh_search_text()
            fields = [*fields, "search_text"] if "search_text" not in fields else fields
        return super().bulk_update(objs, fields, *args, **kwargs)


class Contact(models.Model):
    # Its index is (owner, id): the scheduler pages through owners' contacts by id.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contacts")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    company = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    location = models.CharField(max_length=200, blank=True)
    linkedin_url = models.URLField(max_length=300, blank=True)
    how_we_met = models.CharField(max_length=300, blank=True)
    introduced_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="introduced",
        db_index=False,  # contact_introduced_by_idx: partial, as most contacts have no introducer
    )
    relationship = models.CharField(max_length=16, choices=Relationship.choices, default=Relationship.OTHER)
    network = models.CharField(max_length=16, choices=Network.choices, default=Network.OPERATIONAL)
    tie_strength = models.CharField(max_length=8, choices=TieStrength.choices, default=TieStrength.WEAK)
    checkin_cadence_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(60)],
        help_text="Months between check-ins (blank = tag or tie-strength default, 0 = never).",
    )
    # Birthday as month/day with an optional year: many people share no year.
    birthday_month = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    birthday_day = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    birthday_year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    started_on = models.DateField(null=True, blank=True, help_text="Start of the current role.")
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts")
    notes = models.TextField(blank=True)
    archived = models.BooleanField(default=False)
    # Not auto_now_add: an import of a backup keeps the original creation time.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Denormalised for the list, the dashboard and the check-in rule; written by
    # the interaction services (never by a signal).
    last_interaction_on = models.DateField(null=True, blank=True, editable=False)
    # The first interaction's day (a "Connected on" included), written with the last: the
    # goals read who was talked to for the first time long after being added
    # (goals.selectors) from it, not from every interaction.
    first_interaction_on = models.DateField(null=True, blank=True, editable=False)
    # That day again when one of its interactions is an event (the person was first met at
    # an event), else null: "new people met at events" reads these few through their index.
    met_at_event_on = models.DateField(null=True, blank=True, editable=False)
    # The last interaction that was a conversation: a LinkedIn "Connected on" is not
    # (None: never talked). What "last talked" means on every page.
    last_talked_on = models.DateField(null=True, blank=True, editable=False)
    # The scheduler searches this: the date the next check-in falls due (null = none).
    next_check_in = models.DateField(null=True, blank=True, editable=False)
    # The first check-in an import gave this contact, spread over its first cadence
    # period (reminders.rules.staggered_first_check_ins); null for everyone else.
    first_check_in_on = models.DateField(null=True, blank=True, editable=False)
    # Warmth 0–100 and its parts in words (reminders.warmth), and how worth reviving
    # the tie is (reminders.ranking.reconnect_score): written with next_check_in,
    # refreshed daily by the reminder job, so lists sort by them in the database.
    warmth = models.PositiveSmallIntegerField(default=0, editable=False)
    warmth_why = models.CharField(max_length=255, blank=True, editable=False)
    reconnect_score = models.PositiveSmallIntegerField(default=0, editable=False)
    reconnect_why = models.CharField(max_length=255, blank=True, editable=False)
    # "Not now" / snoozed on the reconnect list until this date.
    reconnect_hidden_until = models.DateField(null=True, blank=True, editable=False)
    # The user's local date the warmth and reconnect rank were computed for: both decay
    # by the day, and `reminders.services.scores_refresh` recomputes the stale ones
    # (NULL: never by it, e.g. a new import's) apart from the reminder job.
    scores_on = models.DateField(null=True, blank=True, editable=False)
    # Folded name, company and title (contacts.search): what the list and the picker search.
    search_text = models.CharField(max_length=620, blank=True, editable=False)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["first_name", "last_name", "id"]
        indexes = [
            models.Index(fields=["owner", "archived", "next_check_in"], name="contact_due_idx"),
            # Partial indexes (birthdays, role starts, introducers) hold only the contacts
            # that have the value: a 100,000-row LinkedIn import has none of them, and
            # every index entry is a write. Queries on them compare the column (= / IN /
            # IS NOT NULL), which both SQLite and PostgreSQL accept as implying the condition.
            models.Index(
                fields=["owner", "birthday_month", "birthday_day"],
                name="contact_birthday_idx",
                condition=Q(birthday_month__isnull=False),
            ),
            models.Index(fields=["owner", "last_name", "first_name"], name="contact_name_idx"),
            # The contacts list's sorts: a page is read in index order, never a sort of every contact.
            models.Index(fields=["owner", "first_name", "last_name"], name="contact_first_name_idx"),
            models.Index(fields=["owner", "company"], name="contact_company_idx"),
            models.Index(fields=["owner", "last_interaction_on"], name="contact_last_seen_idx"),
            models.Index(fields=["owner", "created_at"], name="contact_created_idx"),
            models.Index(
                fields=["owner", "met_at_event_on"],
                name="contact_met_at_event_idx",
                condition=Q(met_at_event_on__isnull=False),
            ),
            models.Index(fields=["owner", "warmth"], name="contact_warmth_idx"),
            # The reconnect list's order (best rank first, then id): a page reads its rows and
            # stops, even when thousands share a rank (a fresh import's contacts all do).
            models.Index(fields=["owner", "-reconnect_score", "id"], name="contact_reconnect_rank_idx"),
            models.Index(fields=["owner", "scores_on"], name="contact_scores_on_idx"),
            # Upcoming work anniversaries: the month/day test runs on the index entries,
            # and only the matching rows are read from the table.
            models.Index(
                fields=["owner", "started_on"],
                name="contact_started_idx",
                condition=Q(started_on__isnull=False),
            ),
            models.Index(
                fields=["introduced_by"],
                name="contact_introduced_by_idx",
                condition=Q(introduced_by__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(birthday_month__isnull=True) & Q(birthday_day__isnull=True))
                | (Q(birthday_month__isnull=False) & Q(birthday_day__isnull=False)),
                name="contact_birthday_month_and_day",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs) -> None:
        """Saves, keeping `search_text` in step with the fields it folds."""
        self.refresh_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and not {"search_text", *SEARCH_SOURCE_FIELDS}.isdisjoint(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("contacts:detail", args=[self.pk])

    def refresh_search_text(self) -> None:
        """Set `search_text` from the fields it folds (bulk writes call this; `save` does)."""
        self.search_text = contact_search_text(self.first_name, self.last_name, self.company, self.title)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def initials(self) -> str:
        return "".join(part[:1] for part in (self.first_name, self.last_name) if part).upper()

    @property
    def warmth_band(self) -> str:
        from reminders.warmth import band

        return band(self.warmth)

    @property
    def birthday(self) -> date | None:
        """The birthday as a date in its own year, or in leap year 2000 when no year is known."""
        if self.birthday_month is None or self.birthday_day is None:
            return None
        return date(self.birthday_year or 2000, self.birthday_month, self.birthday_day)

    @property
    def birthday_display(self) -> str:
        if self.birthday_month is None:
            return ""
        name = calendar.month_name[self.birthday_month]
        suffix = f" {self.birthday_year}" if self.birthday_year else ""
        return f"{self.birthday_day} {name}{suffix}"

    def clean(self) -> None:
        super().clean()
        if (self.birthday_month is None) != (self.birthday_day is None):
            raise ValidationError({"birthday_day": "Give both the month and the day of the birthday."})
        if self.birthday_month is not None:
            year = self.birthday_year or 2000  # 2000 is a leap year: Feb 29 is allowed without a year
            max_day = calendar.monthrange(year, self.birthday_month)[1]
            if not 1 <= self.birthday_day <= max_day:
                raise ValidationError(
                    {
                        "birthday_day": f"{calendar.month_name[self.birthday_month]} has no day {self.birthday_day}"
                        + (f" in {self.birthday_year}." if self.birthday_year else ".")
                    }
                )
        if self.introduced_by_id is not None and self.pk is not None and self.introduced_by_id == self.pk:
            raise ValidationError({"introduced_by": "A contact cannot introduce themselves."})


class ContactEmailQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """Fills each email's `owner` from its contact (one query), as `save()` does."""
        objs = list(objs)
        missing = {e.contact_id for e in objs if e.owner_id is None}
        if missing:
            owners = dict(Contact.objects.filter(pk__in=missing).values_list("pk", "owner_id"))
            for email in objs:
                if email.owner_id is None:
                    email.owner_id = owners.get(email.contact_id)
        return super().bulk_create(objs, *args, **kwargs)


class ContactEmail(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    # The contact's owner, copied: a search reads one user's emails through this index
    # instead of joining every user's emails to contacts (issue #14).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True, editable=False
    )
    value = InternationalEmailField(max_length=254)  # UTF-8 local parts too: contacts.emails
    label = models.CharField(max_length=16, choices=ContactLabel.choices, default=ContactLabel.WORK)

    objects = ContactEmailQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.value

    def save(self, *args, **kwargs) -> None:
        if self.owner_id is None or self.owner_id != self.contact.owner_id:
            self.owner_id = self.contact.owner_id
        super().save(*args, **kwargs)


class ContactPhone(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    value = models.CharField(max_length=64)
    label = models.CharField(max_length=16, choices=ContactLabel.choices, default=ContactLabel.MOBILE)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.value


class RoleHistory(models.Model):
    """A role the contact held before their current one (DESIGN rule 6)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="past_roles")
    company = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-ended_on", "-id"]
        verbose_name_plural = "role history"

    def __str__(self) -> str:
        return f"{self.title} at {self.company}".strip()


class InteractionKind(models.TextChoices):
    COFFEE = "coffee", "Coffee"
    CALL = "call", "Call"
    EMAIL = "email", "Email"
    MESSAGE = "message", "Message"
    MEETING = "meeting", "Meeting"
    EVENT = "event", "Event"
    INFORMATIONAL_INTERVIEW = "informational_interview", "Informational interview"
    INTRODUCTION = "introduction", "Introduction"
    OTHER = "other", "Other"


class Exchange(models.TextChoices):
    GAVE = "gave", "I gave (advice, intro, article)"
    ASKED = "asked", "I asked a favour"
    MUTUAL = "mutual", "Mutual"


# The summary of the interaction a LinkedIn import logs for "Connected On": a
# connection, not a conversation (the reconnect rank does not count it as one).
CONNECTED_SUMMARY = "Connected on LinkedIn"


class InteractionOrigin(models.TextChoices):
    HAND = "", "Logged by hand"
    CALENDAR = "calendar", "From calendar"
    MAILBOX = "mailbox", "From mailbox"


class Interaction(models.Model):
    # No index of its own: every index below leads with the owner (a bulk import wrote this one for nothing).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interactions", db_index=False
    )
    contacts = models.ManyToManyField(Contact, related_name="interactions")
    occurred_on = models.DateField()
    kind = models.CharField(max_length=32, choices=InteractionKind.choices, default=InteractionKind.COFFEE)
    summary = models.TextField(blank=True)
    topics = models.CharField(max_length=300, blank=True)
    # null, not "", when nothing was exchanged: the JSON backup contract says so.
    exchange = models.CharField(max_length=8, choices=Exchange.choices, null=True, blank=True)  # noqa: DJ001
    follow_up_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Where an interaction that logged itself came from (sources/, issue #16); "" by hand.
    origin = models.CharField(
        max_length=8, choices=InteractionOrigin.choices, default="", blank=True, editable=False
    )

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["owner", "-occurred_on"], name="interaction_owner_date_idx"),
            # Goals count interactions of a kind by day (goals.selectors): the index
            # covers the query, so a year of coffees is read without the rows.
            models.Index(fields=["owner", "kind", "occurred_on"], name="interaction_owner_kind_idx"),
            # The insights' give and take over 90 days (insights.selectors._reciprocity):
            # covering, and partial, as most interactions are no exchange (every "Connected
            # on LinkedIn" one: an import writes no entry).
            models.Index(
                fields=["owner", "occurred_on", "exchange"],
                name="interaction_exchange_idx",
                condition=Q(exchange__isnull=False),
            ),
            # Partial: most interactions have no follow-up (every "Connected on LinkedIn" one).
            models.Index(
                fields=["owner", "follow_up_on"],
                name="interaction_followup_idx",
                condition=Q(follow_up_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_on}"

    def get_absolute_url(self) -> str:
        return reverse("contacts:interaction_edit", args=[self.pk])


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Waiting to start"
    RUNNING = "running", "Importing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImportJob(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs")
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255, blank=True)
    format = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # [{"row": 12, "message": "...", "data": {...}}, ...]
    errors = models.JSONField(default=list, blank=True)
    report = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # RUNNING: the worker's lease, renewed by its heartbeat; past it, the worker is
    # presumed dead and another may claim the job. PENDING and queued: when the
    # sweeper may send its task again (contacts.importing.jobs.import_jobs_sweep).
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.format or 'auto'}, {self.status})"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == ImportStatus.DONE else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))


class NotDuplicate(models.Model):
    """Two contacts the owner said are different people: never suggested as duplicates again.

    Stored once per pair, the lower id first (`contacts.duplicates.pair_key`).
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    first = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "first", "second"], name="not_duplicate_pair"),
            models.CheckConstraint(condition=Q(first__lt=models.F("second")), name="not_duplicate_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ≠ {self.second_id}"


class Offer(models.Model):
    """Something the owner can give a contact in return ("give before you ask").

    Noted when logging an interaction where the owner asked for something; shown on
    the contact page until marked given, and used by "Who can I help this week?".
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="offers")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="offers")
    interaction = models.ForeignKey(
        Interaction, on_delete=models.SET_NULL, null=True, blank=True, related_name="offers"
    )
    text = models.CharField(max_length=200)
    created_on = models.DateField()
    given_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["created_on", "id"]
        indexes = [
            models.Index(
                fields=["owner", "contact"], name="offer_open_idx", condition=Q(given_on__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return self.text


class InteractionGap(models.Model):
    """A long silence with a contact: a day they were talked to after at least
    `contacts.gaps.MIN_SILENCE_DAYS` without (since `previous_on`, or since they were
    added for a first talk).

    Derived data, like `Contact.last_interaction_on`: rewritten for the contacts that
    `reminders.services.contacts_schedule_refresh` refreshes (contacts.gaps), never
    edited, not in the backup. The goals count reconnects from the few in a period
    (goals.selectors) instead of every interaction's previous one.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    previous_on = models.DateField(null=True, blank=True)  # None: the first talk
    # A first talk's: when the contact was added (its `created_at`), so the goals decide it
    # in the owner's local days without reading the contact.
    added_at = models.DateTimeField(null=True, blank=True)
    # Days since `previous_on`, or since the UTC date the contact was added.
    silence_days = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contact", "day"], name="interaction_gap_once")]
        # What a period's reconnects read: the owner's days, the long silences only.
        indexes = [models.Index(fields=["owner", "day", "silence_days"], name="interaction_gap_day_idx")]

    def __str__(self) -> str:
        return f"{self.silence_days} days → {self.day}"
