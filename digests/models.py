"""The digest's own table: one DigestLog row per user per period."""

from django.conf import settings
from django.db import models


class DigestLog(models.Model):
    """One row per user per period (a date, or an ISO week like 2026-W48).

    Claimed (claimed_at) before sending and marked (sent_at) once the SMTP server
    accepted the message, so a digest goes out once per period. The table keeps
    its first name, reminders_digestlog: the model moved apps, the rows did not.
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
        db_table = "reminders_digestlog"
        ordering = ["-created_at"]
        constraints = [
            # Exactly once: the row every claim and mark for (user, period) goes through.
            models.UniqueConstraint(fields=["user", "period"], name="digestlog_unique_user_period")
        ]

    def __str__(self) -> str:
        return f"Digest {self.period} for {self.user_id}"
