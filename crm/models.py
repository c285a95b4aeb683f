import logging
import secrets
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

log = logging.getLogger(__name__)


def validate_timezone(value: str) -> None:
    if value not in _timezones():
        raise ValidationError(f"“{value}” is not a known time zone (e.g. Europe/London).")


_TZ_CACHE: set[str] = set()


def _timezones() -> set[str]:
    if not _TZ_CACHE:
        _TZ_CACHE.update(available_timezones())
        _TZ_CACHE.add("UTC")
    return _TZ_CACHE


def profile_zone(name: str) -> ZoneInfo:
    """The tzinfo of a profile's time zone name; UTC when the name is unknown.

    The form refuses unknown zones; a bad value written behind its back must not stop
    reminders, digests or pages: the user gets UTC dates and the operator a log line.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r; using UTC", name)
        return ZoneInfo("UTC")


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class DigestFrequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly (Mondays)"
    OFF = "off", "Off"


# The shortest `Profile.dormant_months`: contacts.gaps stores every silence that could be
# a reconnect at this setting, so any allowed setting reads its reconnects from them.
DORMANT_MONTHS_MIN = 3


class Profile(models.Model):
    """One per user (`user.profile`), created with the user."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    digest_frequency = models.CharField(
        max_length=8, choices=DigestFrequency.choices, default=DigestFrequency.DAILY
    )
    digest_hour = models.PositiveSmallIntegerField(
        default=8, validators=[MaxValueValidator(23)], help_text="Local hour, 0–23."
    )
    digest_send_empty = models.BooleanField(
        default=False, help_text="Send a digest even when there is nothing to say."
    )
    birthday_lead_days = models.PositiveSmallIntegerField(default=7, validators=[MaxValueValidator(60)])
    strong_cadence_months = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(0), MaxValueValidator(60)],
        help_text="Check-in cadence for strong ties, in months (0 = never).",
    )
    weak_cadence_months = models.PositiveSmallIntegerField(
        default=6,
        validators=[MinValueValidator(0), MaxValueValidator(60)],
        help_text="Check-in cadence for weak ties, in months (0 = never).",
    )
    daily_focus = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="People in today's focus on the dashboard and in the digest.",
    )
    dormant_months = models.PositiveSmallIntegerField(
        default=12,
        validators=[MinValueValidator(DORMANT_MONTHS_MIN), MaxValueValidator(120)],
        help_text="A tie with no interaction for this many months is dormant (the reconnect list).",
    )
    past_companies = models.CharField(
        max_length=500,
        blank=True,
        help_text="Companies you have worked at, comma-separated: people from them rank higher to reconnect.",
    )
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    # The last local date the reminder job completed for this user: the next run
    # raises birthdays/anniversaries dated after it, up to its own today (rule 5).
    reminders_run_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Profile of {self.user}"


def company_key(name: str) -> str:
    """A company name as compared for "worked together at": case and spacing ignored."""
    return " ".join(name.casefold().split())


def past_company_keys(past_companies: str) -> dict[str, str]:
    """{company_key: name as typed} of a profile's comma-separated past companies."""
    return {company_key(name): name.strip() for name in past_companies.split(",") if name.strip()}


class JobRun(models.Model):
    """When each periodic job last finished, so a dead beat is seen, not guessed."""

    name = models.CharField(max_length=64, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_summary = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return self.name
