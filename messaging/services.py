"""Write side of messages: the user's templates, and "Sent — log it".

Built-ins are rows of each user, created the first time they are needed
(`templates_for_owner`): the user edits their own copy, and a reset copies the text
of messaging.rules.BUILTINS back. The unique (owner, slug) makes that creation safe
to race: two first visits at once insert each row once (ON CONFLICT DO NOTHING).
"""

from datetime import date

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from contacts import services as contact_services
from contacts.models import Contact, Interaction, InteractionKind
from reminders.models import Reminder

from . import rules
from .models import MessageTemplate, TemplateOrigin

TEMPLATE_TEXT_FIELDS = ("name", "subject", "greeting", "context", "intent", "closing")


def _builtin_row(owner: User, builtin: rules.Builtin) -> MessageTemplate:
    return MessageTemplate(
        owner=owner,
        slug=builtin.slug,
        origin=TemplateOrigin.BUILTIN,
        position=builtin.position,
        **{name: getattr(builtin, name) for name in TEMPLATE_TEXT_FIELDS},
    )


def templates_for_owner(*, owner: User) -> list[MessageTemplate]:
    """All the owner's templates (hidden ones too), in their order; the built-ins the owner
    does not have yet are created first. One query once they exist, three the first time."""
    rows = list(MessageTemplate.objects.filter(owner=owner))
    have = {row.slug for row in rows}
    missing = [_builtin_row(owner, b) for b in rules.BUILTINS if b.slug not in have]
    if missing:
        MessageTemplate.objects.bulk_create(missing, ignore_conflicts=True)
        rows = list(MessageTemplate.objects.filter(owner=owner))
    return rows


def _free_slug(name: str, attempt: int) -> str:
    base = slugify(name)[:50].strip("-") or "template"
    if base in rules.BUILTIN_SLUGS:
        base = f"{base}-own"
    return base if attempt == 1 else f"{base}-{attempt}"


def template_create(*, owner: User, fields: dict) -> MessageTemplate:
    """A template of the owner's own, its slug made from its name ("thank-you", "thank-you-2").

    The slug is claimed by the unique constraint, not by a read before the write: a
    clash (even a concurrent one) takes the next number.
    """
    taken = set(MessageTemplate.objects.filter(owner=owner).values_list("slug", flat=True))
    attempt = 1
    while True:
        slug = _free_slug(fields["name"], attempt)
        attempt += 1
        if slug in taken:
            continue
        try:
            with transaction.atomic():
                return MessageTemplate.objects.create(
                    owner=owner,
                    slug=slug,
                    origin=TemplateOrigin.CUSTOM,
                    **{name: fields.get(name, "") for name in TEMPLATE_TEXT_FIELDS},
                )
        except IntegrityError:
            taken.add(slug)


def template_update(*, template: MessageTemplate, fields: dict) -> MessageTemplate:
    """Change the template's name and text (its slug, origin and place stay)."""
    for name in TEMPLATE_TEXT_FIELDS:
        if name in fields:
            setattr(template, name, fields[name])
    template.save(update_fields=[*TEMPLATE_TEXT_FIELDS, "updated_at"])
    return template


def template_delete(*, template: MessageTemplate) -> None:
    """Delete a template of the user's own; a built-in is hidden instead (else it would
    come back on the next visit), and "reset" brings it back."""
    if template.is_builtin:
        template.hidden = True
        template.save(update_fields=["hidden", "updated_at"])
    else:
        template.delete()


def template_reset(*, template: MessageTemplate) -> MessageTemplate:
    """Put a built-in's original text back (and show it again if it was hidden)."""
    builtin = rules.BUILTIN_BY_SLUG.get(template.slug)
    if not template.is_builtin or builtin is None:
        raise ValueError("only a built-in template can be reset")
    for name in TEMPLATE_TEXT_FIELDS:
        setattr(template, name, getattr(builtin, name))
    template.hidden = False
    template.save(update_fields=[*TEMPLATE_TEXT_FIELDS, "hidden", "updated_at"])
    return template


def message_sent_log(
    *, owner: User, contact: Contact, subject: str, body: str, reminder: Reminder | None, today: date
) -> Interaction:
    """Log the message as an `email` interaction with the contact on `today` (its text as
    the summary) and, when it was written for `reminder`, close that reminder as done.

    `reminder` must be the owner's and the contact's (the compose selector only finds
    such a one); anything else is refused.
    """
    # A browser sends a textarea's line breaks as CRLF; the timeline stores LF.
    subject, body = subject.strip(), body.replace("\r\n", "\n").strip()
    summary = f"{subject}\n\n{body}" if subject else body
    if reminder is None:
        return contact_services.interaction_create(
            owner=owner,
            contact_ids=[contact.pk],
            occurred_on=today,
            today=today,
            kind=InteractionKind.EMAIL,
            summary=summary,
        )
    if reminder.owner_id != owner.pk or reminder.contact_id != contact.pk:
        raise ValueError("the reminder is not this contact's")
    return contact_services.reminder_done_and_log(
        reminder=reminder, user=owner, kind=InteractionKind.EMAIL, summary=summary, today=today
    )
