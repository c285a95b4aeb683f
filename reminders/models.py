from django.conf import settings
from django.db import models
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


class Reminder(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders")
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
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.contact_id} on {self.due_on}"

    def get_absolute_url(self) -> str:
        return reverse("reminders:list") + f"#reminder-{self.pk}"


class DigestLog(models.Model):
    """One row per user per period (a date, or an ISO week like 2026-W48).

    Claimed (claimed_at) before sending and marked (sent_at) once the SMTP server
    accepted the message, so a digest goes out once per period.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_logs")
    period = models.CharField(max_length=16)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    item_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "period"], name="digestlog_unique_user_period")
        ]

    def __str__(self) -> str:
        return f"Digest {self.period} for {self.user_id}"
