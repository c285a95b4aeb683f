"""`manage.py rotate_secrets` → prints `rotated=N unreadable=N` last.

After a new key is put first in KEEPWARM_SECRETS_KEY (`new,old`): re-encrypts every
stored mailbox password under it, after which the old key can be removed.
"""

from django.core.management.base import BaseCommand

from sources.mailbox_sync import mailbox_passwords_rotate


class Command(BaseCommand):
    help = "Re-encrypt stored mailbox passwords under the first key of KEEPWARM_SECRETS_KEY."

    def handle(self, *args, **options) -> None:
        rotated, unreadable = mailbox_passwords_rotate()
        self.stdout.write(f"rotated={rotated} unreadable={unreadable}")
