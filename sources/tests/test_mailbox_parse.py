"""sources.imap's pure half: header bytes → MailHeader, and the UID filter."""

import email.utils
from datetime import date
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from sources import imap

PARIS = ZoneInfo("Europe/Paris")
TOKYO = ZoneInfo("Asia/Tokyo")

RAW = (
    b"From: Bob Example <Bob@X.Example>\r\n"
    b'To: alice@example.org, "Carol, C." <carol@y.example>\r\n'
    b"Cc: =?utf-8?q?Jos=C3=A9?= <jose@z.example>, bob@x.example\r\n"
    b"Date: Fri, 02 Jan 2026 23:30:00 +0000\r\n"
    b"Message-ID: <abc@x.example>\r\n"
    b"\r\n"
)


def test_a_plain_message_gives_its_addresses_and_day():
    header = imap.parse_headers(7, RAW, ZoneInfo("UTC"))
    assert header == imap.MailHeader(
        uid=7,
        day=date(2026, 1, 2),
        sender="bob@x.example",
        recipients=("alice@example.org", "carol@y.example", "jose@z.example", "bob@x.example"),
        message_id="<abc@x.example>",
    )


def test_the_day_is_the_users_local_day():
    # 23:30 UTC on the 2nd is already the 3rd in Paris and Tokyo.
    assert imap.parse_headers(1, RAW, PARIS).day == date(2026, 1, 3)
    assert imap.parse_headers(1, RAW, TOKYO).day == date(2026, 1, 3)
    assert imap.parse_headers(1, RAW, ZoneInfo("America/New_York")).day == date(2026, 1, 2)


def test_a_date_without_zone_is_utc():
    raw = RAW.replace(b"+0000", b"-0000")
    assert imap.parse_headers(1, raw, TOKYO).day == date(2026, 1, 3)


def test_folded_headers_and_list_headers_are_read():
    raw = (
        b"From: bob@x.example\r\nTo: alice@example.org,\r\n carol@y.example\r\n"
        b"Date: Fri, 02 Jan 2026 10:00:00 +0100\r\nList-Id: Team <team.lists.example>\r\n"
        b"Precedence: bulk\r\nAuto-Submitted: auto-generated\r\n\r\n"
    )
    header = imap.parse_headers(3, raw, PARIS)
    assert header.recipients == ("alice@example.org", "carol@y.example")
    assert header.list_id == "Team <team.lists.example>"
    assert header.precedence == "bulk"
    assert header.auto_submitted == "auto-generated"


def test_a_utf8_address_is_kept():
    raw = "From: José <José@Bücher.example>\r\nDate: Fri, 02 Jan 2026 10:00:00 +0000\r\n\r\n".encode()
    assert imap.parse_headers(1, raw, PARIS).sender == "josé@bücher.example"


def test_messages_without_a_usable_date_or_sender_are_skipped():
    assert (
        imap.parse_headers(1, RAW.replace(b"Fri, 02 Jan 2026 23:30:00 +0000", b"yesterday-ish"), PARIS)
        is None
    )
    assert imap.parse_headers(1, RAW.replace(b"Date:", b"X-Date:"), PARIS) is None
    assert imap.parse_headers(1, RAW.replace(b"<Bob@X.Example>", b"<not an address>"), PARIS) is None
    assert imap.parse_headers(1, b"", PARIS) is None
    assert (
        imap.parse_headers(1, b"From: a@b.example\r\nDate: Fri, 31 Dec 9999 23:00:00 -1400\r\n", TOKYO)
        is None
    )


def test_a_bad_recipient_is_dropped_the_others_kept():
    raw = RAW.replace(b"alice@example.org,", b"undisclosed-recipients:;, @@, alice@example.org,")
    assert "alice@example.org" in imap.parse_headers(1, raw, PARIS).recipients


@given(raw=st.binary(max_size=600), uid=st.integers(1, 2**32 - 1))
def test_arbitrary_header_bytes_never_raise(raw, uid):
    header = imap.parse_headers(uid, raw, PARIS)
    assert header is None or (header.uid == uid and "@" in header.sender)


header_lines = st.lists(
    st.tuples(
        st.sampled_from(
            ["From", "To", "Cc", "Date", "Message-ID", "List-Id", "Precedence", "Auto-Submitted"]
        ),
        st.text(max_size=60),
    ),
    max_size=8,
)


@given(lines=header_lines)
def test_arbitrary_header_values_never_raise(lines):
    raw = "".join(f"{name}: {value}\r\n" for name, value in lines).encode("utf-8", "surrogateescape")
    header = imap.parse_headers(1, raw, TOKYO)
    if header is not None:
        assert header.sender == header.sender.lower()
        assert all(r == r.lower() for r in header.recipients)


@given(found=st.lists(st.integers(1, 10_000), max_size=30), last=st.integers(0, 10_000))
def test_new_uids_are_above_the_last_sorted_and_unique(found, last):
    # The server answers `last+1:*` with at least the highest UID, even when it is <= last.
    uids = imap.new_uids(found, last)
    assert uids == sorted({u for u in found if u > last})


def test_a_star_search_answering_the_old_highest_uid_gives_nothing_new():
    assert imap.new_uids([42], 42) == []


plain_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ éü.-'=?", max_size=15)
plain_addresses = st.builds(
    lambda local, domain: f"{local}@{domain}.example",
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789.-_+", min_size=1, max_size=12),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8),
)


@given(entries=st.lists(st.tuples(plain_names, plain_addresses), min_size=1, max_size=6))
def test_the_fast_address_split_agrees_with_the_email_package(entries):
    value = ", ".join(f"{name} <{address}>" if name.strip() else address for name, address in entries)
    expected = []
    for _name, address in email.utils.getaddresses([value]):
        address = address.strip().lower()
        if address not in expected and imap._ADDRESS.fullmatch(address):
            expected.append(address)
    assert imap._addresses([value]) == expected


def _expand(text: str) -> list[int]:
    uids = []
    for part in text.split(","):
        first, _, last = part.partition(":")
        uids.extend(range(int(first), int(last or first) + 1))
    return uids


@given(uids=st.lists(st.integers(1, 3000), min_size=1, max_size=200, unique=True))
def test_a_uid_set_names_exactly_the_uids_in_ranges(uids):
    uids.sort()
    text = imap.uid_set(uids)
    assert _expand(text) == uids
    assert text.count(",") == sum(1 for a, b in zip(uids, uids[1:], strict=False) if b != a + 1)


def test_consecutive_uids_are_one_range():
    assert imap.uid_set([1, 2, 3, 7, 9, 10]) == "1:3,7,9:10"


def test_literals_are_matched_to_their_uid_before_or_after_them():
    data = [
        (b"1 (UID 5 BODY[HEADER.FIELDS (FROM)] {12}", b"From: a@b\r\n\r\n"),
        b")",
        (b"2 (BODY[HEADER.FIELDS (FROM)] {12}", b"From: c@d\r\n\r\n"),
        b" UID 6)",
        b"3 (FLAGS (\\Seen) UID 7)",  # an unsolicited answer without a literal
        (b"4 (UID 99 BODY[HEADER.FIELDS (FROM)] {12}", b"From: e@f\r\n\r\n"),
        b")",
    ]
    assert imap.literals_by_uid(data, {5, 6, 7}) == {5: b"From: a@b\r\n\r\n", 6: b"From: c@d\r\n\r\n"}


def test_only_loopback_hosts_may_be_reached_without_tls():
    for host in ("localhost", "127.0.0.1", "127.8.9.1", "::1", "LOCALHOST"):
        assert imap.is_loopback(host), host
    for host in ("mail.example.com", "10.0.0.1", "192.168.1.2", "localhost.example.com", ""):
        assert not imap.is_loopback(host), host
