"""Where interactions that log themselves come from: calendars and mailboxes (issue #16).

A source is read by the hourly job; what it finds is stored once, under a unique key
the database enforces (so a re-fetch, a reordered feed or two workers at once never
log anything twice):

- a calendar event occurrence: (source, uid, recurrence_id);
- a mail touchpoint: (owner, contact, day) — a long thread is one touchpoint a day.

Each found item is logged at once, or waits for review when its source "asks first",
or was ignored. Nothing else from the calendar or the mailbox is stored: no message
bodies, and an event's description only when the user turns it on.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from contacts.models import Contact, Interaction


class FoundStatus(models.TextChoices):
    LOGGED = "logged", "Logged"
    PENDING = "pending", "Waiting for review"
    IGNORED = "ignored", "Ignored"


class SourceHealth(models.Model):
    """What Settings and the admin show about a source's last runs."""

    last_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True

    @property
    def failing(self) -> bool:
        """True when the last check ended in an error (not followed by a success)."""
        return bool(self.last_error) and (
            self.last_success_at is None
            or (self.last_error_at is not None and self.last_error_at >= self.last_success_at)
        )


class CalendarSource(SourceHealth):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_sources"
    )
    name = models.CharField(max_length=100, blank=True)
    # An http(s) address (a private ICS link: the URL is the secret), or an uploaded file.
    url = models.URLField(max_length=2000, blank=True)
    file = models.FileField(upload_to="calendars/%Y/%m/", blank=True)
    ask_first = models.BooleanField(
        default=False, help_text="Found meetings wait for review on the dashboard."
    )
    store_description = models.BooleanField(
        default=False, help_text="Keep the event's description in the interaction's summary."
    )
    # Conditional GET: sent back as If-None-Match / If-Modified-Since; a 304 is nothing to do.
    etag = models.CharField(max_length=255, blank=True, editable=False)
    last_modified = models.CharField(max_length=64, blank=True, editable=False)
    # sha256 of the last body parsed: the same body again skips parsing.
    body_hash = models.CharField(max_length=64, blank=True, editable=False)
    # When the next occurrence known at the last parse ends: until then an unchanged feed
    # has nothing new (a meeting counts once it is over), so it is not parsed again.
    parse_again_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name or self.url or self.file.name or f"calendar {self.pk}"


class MailboxSecurity(models.TextChoices):
    SSL = "ssl", "SSL/TLS"
    STARTTLS = "starttls", "STARTTLS"
    NONE = "none", "None (loopback only)"


class MailboxSource(SourceHealth):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mailbox_sources"
    )
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=993)
    security = models.CharField(max_length=8, choices=MailboxSecurity.choices, default=MailboxSecurity.SSL)
    username = models.CharField(max_length=255)
    # An app password, encrypted at rest (sources.crypto); never shown again.
    password_encrypted = models.TextField(blank=True, editable=False)
    folders = models.CharField(
        max_length=500, default="Sent,INBOX", help_text="Comma-separated folder names."
    )
    ask_first = models.BooleanField(default=False, help_text="Found emails wait for review on the dashboard.")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.username}@{self.host}"

    def folder_list(self) -> list[str]:
        return [name.strip() for name in self.folders.split(",") if name.strip()]


class MailboxFolderState(models.Model):
    """The last UID read in one folder; a new UIDVALIDITY means the folder was rebuilt."""

    mailbox = models.ForeignKey(MailboxSource, on_delete=models.CASCADE, related_name="folder_states")
    folder = models.CharField(max_length=255)
    uidvalidity = models.BigIntegerField(default=0)
    last_uid = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mailbox", "folder"], name="mailbox_folder_unique")]

    def __str__(self) -> str:
        return f"{self.folder} ({self.uidvalidity}:{self.last_uid})"


class FoundEvent(models.Model):
    """One past occurrence of a calendar event with some of the owner's contacts.

    `recurrence_id` is '' for a single event, else the occurrence's original start
    (its RECURRENCE-ID) in UTC ISO form, so a moved occurrence keeps its key.
    """

    # The source's owner, copied for the review list's index. Not a cascade of its own: the
    # rows go with their source (which goes with its owner), one query fewer per account deletion.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    source = models.ForeignKey(CalendarSource, on_delete=models.CASCADE, related_name="events")
    uid = models.CharField(max_length=255)
    recurrence_id = models.CharField(max_length=40, blank=True)
    occurred_on = models.DateField()
    title = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)  # only when the source's store_description is on
    addresses = models.JSONField(default=list)  # the contacts' addresses it was matched on
    contact_ids = models.JSONField(default=list)
    status = models.CharField(max_length=8, choices=FoundStatus.choices)
    claim = models.CharField(max_length=32, blank=True, editable=False)  # the run that inserted it
    # The interaction it logged. An id, not a constraint: deleting that interaction by hand keeps
    # this row (so it is not logged again) and costs no UPDATE here.
    interaction = models.ForeignKey(
        Interaction, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "uid", "recurrence_id"], name="found_event_once"),
        ]
        indexes = [
            # The dashboard's review list: this owner's pending items.
            models.Index(fields=["owner", "status"], name="found_event_review_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title or self.uid} on {self.occurred_on}"


class FoundMail(models.Model):
    """Mail exchanged with one contact on one day: one touchpoint, however long the thread."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    mailbox = models.ForeignKey(
        MailboxSource, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    addresses = models.JSONField(default=list)
    status = models.CharField(max_length=8, choices=FoundStatus.choices)
    claim = models.CharField(max_length=32, blank=True, editable=False)  # the run that inserted it
    # The interaction it logged. An id, not a constraint: deleting that interaction by hand keeps
    # this row (so it is not logged again) and costs no UPDATE here.
    interaction = models.ForeignKey(
        Interaction, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [models.UniqueConstraint(fields=["owner", "contact", "day"], name="found_mail_once")]
        indexes = [models.Index(fields=["owner", "status"], name="found_mail_review_idx")]

    def __str__(self) -> str:
        return f"email on {self.day}"


class IgnoredAddress(models.Model):
    """ "Always ignore this address": nothing with it is logged, queued or suggested."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    email = models.CharField(max_length=254)  # lowercased
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["email"]
        constraints = [models.UniqueConstraint(fields=["owner", "email"], name="ignored_address_unique")]

    def __str__(self) -> str:
        return self.email


class SeenAddress(models.Model):
    """An address that is not a contact, seen in one meeting or one mail thread-day.

    `key` names the meeting or thread (unique per owner and address), so counting the
    keys of the last 90 days says "three or more meetings or threads".
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    email = models.CharField(max_length=254)  # lowercased
    key = models.CharField(max_length=64)
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "email", "key"], name="seen_address_once")]
        indexes = [models.Index(fields=["owner", "day"], name="seen_address_day_idx")]

    def __str__(self) -> str:
        return f"{self.email} on {self.day}"
