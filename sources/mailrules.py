"""Which mail counts as a touchpoint, and with whom (pure: strings in, strings out).

Ignored, whoever it is from (`automated_reason` says why):
- mailing lists: a `List-Id` header (RFC 2919), or `Precedence: bulk | list | junk`;
- machines: `Auto-Submitted` with any value but "no" (RFC 3834: auto-replies, vacation
  notices, notifications), or a sender whose local part says nobody reads the replies:
  noreply, no-reply, donotreply, do-not-reply, mailer-daemon, postmaster, bounce(s),
  notification(s), newsletter — separators and case do not matter, a "+tag" is dropped,
  and noreply/donotreply/bounce also count as a prefix ("noreply-billing", "bounces+42").

The other people of a message that counts (`other_people`):
- sent by the user (its From is one of the user's own addresses, or it is in the Sent
  folder: an alias or a forwarding address the app does not know is still the user) →
  its To and Cc;
- received → its From only (the people merely copied on someone else's message were not
  talked to).
The user's own addresses (the mailbox's login and the account's email) are never
"other people". Addresses are compared by `address_key`: the app's one comparison of
addresses (contacts.emails.email_compare_key: lower case, Unicode NFC, an "xn--" domain
in its Unicode form), as `sources.found.address_book` matches them to contacts.
"""

import re
from collections.abc import Iterable

from contacts.emails import email_compare_key

LIST_PRECEDENCES = frozenset({"bulk", "list", "junk"})
# Local parts (lower case, without separators) that nobody reads replies to.
NOREPLY_LOCALS = frozenset(
    {
        "noreply",
        "donotreply",
        "mailerdaemon",
        "postmaster",
        "bounce",
        "bounces",
        "notification",
        "notifications",
        "newsletter",
        "newsletters",
    }
)
NOREPLY_PREFIXES = ("noreply", "donotreply", "bounce")
_SEPARATORS = re.compile(r"[-_.]")


def address_key(address: str) -> str:
    """An address in the form it is matched to contacts in ("JOSÉ@Bücher.example",
    "jose\u0301@xn--bcher-kva.example" → "josé@bücher.example")."""
    return email_compare_key(address.strip())


def own_addresses(*addresses: str) -> frozenset[str]:
    """The user's own addresses, as keys; blanks and values without "@" dropped (a mailbox
    login is not always an address)."""
    return frozenset(address_key(a) for a in addresses if a and "@" in a)


def sender_is_noreply(address: str) -> bool:
    local = address.rpartition("@")[0].split("+", 1)[0]
    squashed = _SEPARATORS.sub("", local.lower())
    return squashed in NOREPLY_LOCALS or squashed.startswith(NOREPLY_PREFIXES)


def automated_reason(
    *, sender: str, list_id: str = "", precedence: str = "", auto_submitted: str = ""
) -> str:
    """Why this message is not a conversation ("" when it is one)."""
    if list_id.strip():
        return "mailing list (List-Id)"
    if precedence.strip().lower() in LIST_PRECEDENCES:
        return f"Precedence: {precedence.strip().lower()}"
    submitted = auto_submitted.split(";", 1)[0].strip().lower()
    if submitted and submitted != "no":
        return f"Auto-Submitted: {submitted}"
    if sender_is_noreply(sender):
        return "no-reply sender"
    return ""


def other_people(
    *, sender: str, recipients: Iterable[str], own: frozenset[str], sent: bool = False
) -> tuple[str, ...]:
    """The addresses (as keys, sorted, no repeats) the user exchanged this message with.
    `sent`: the message is in the user's Sent folder."""
    sender_key = address_key(sender) if sender else ""
    if sent or sender_key in own:
        people = {address_key(a) for a in recipients if a} - {sender_key}
    else:
        people = {sender_key} if sender_key else set()
    return tuple(sorted(people - own - {""}))
