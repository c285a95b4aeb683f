"""digests.mime writes what Django's EmailMultiAlternatives would send, read back by a mail parser."""

import email
import email.policy

import pytest
from django.core.mail import BadHeaderError, EmailMultiAlternatives, get_connection
from hypothesis import given, settings
from hypothesis import strategies as st

from digests import mime

from . import smtp

smtp_server = smtp.smtp_server  # fixture

FIXED = {"Date": "Thu, 25 Feb 2027 08:00:00 -0000", "Message-ID": "<digest.1@keepwarm>"}
# Header text: any printable text, no line breaks (a newline is refused, as by Django).
header_text = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=120)
body_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)


def _message(subject: str, text: str, html: str, **headers: str) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email="Keepwarm <keepwarm@localhost>",
        to=["Zoë Ødegaard <zoe@example.org>"],
        headers={**FIXED, "X-Keepwarm-Digest": "2027-02-25", **headers},
    )
    message.attach_alternative(html, "text/html")
    return message


def _read(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)


def _same(fast: bytes, django: bytes) -> None:
    ours, theirs = _read(fast), _read(django)
    assert [k for k, _ in ours.items()] == [k for k, _ in theirs.items()]
    assert ours.get_content_type() == theirs.get_content_type() == "multipart/alternative"
    for name, value in theirs.items():
        if name != "Content-Type":  # its boundary is random on both sides
            # Folding may differ (Django's generator re-folds encoded words): compare
            # the words a reader sees.
            assert str(ours[name]).split() == str(value).split(), name
    ours_parts, their_parts = list(ours.iter_parts()), list(theirs.iter_parts())
    assert len(ours_parts) == len(their_parts) == 2
    for mine, django_part in zip(ours_parts, their_parts, strict=True):
        assert mine.get_content_type() == django_part.get_content_type()
        assert mine.get_content_charset() == django_part.get_content_charset()
        assert mine["Content-Transfer-Encoding"] == django_part["Content-Transfer-Encoding"]
        assert mine.get_content() == django_part.get_content()


@settings(max_examples=60, deadline=None)
@given(subject=header_text, text=body_text, html=body_text, unsubscribe=header_text)
def test_fast_bytes_read_back_as_djangos_message(subject, text, html, unsubscribe):
    message = _message(subject, text, html, **{"List-Unsubscribe": unsubscribe})
    fast = mime.message_bytes(message)
    django = message.message().as_bytes(linesep="\r\n")
    if fast is None:  # no text (Django sends the HTML alone), or a line for quoted-printable
        too_long = any(len(line) > mime.MAX_LINE for line in (text + "\n" + html).encode().splitlines())
        assert not text or too_long
        return
    _same(fast, django)


def test_the_digest_shape_takes_the_fast_path_and_others_do_not():
    message = _message("3 people to check in with", "Hello\n", "<p>Hello</p>\n")
    assert mime.message_bytes(message) is not None
    message.cc = ["someone@example.org"]
    assert mime.message_bytes(message) is None
    long_line = _message("Long", "x" * 1200, "<p>ok</p>")
    assert mime.message_bytes(long_line) is None


def test_a_newline_in_a_header_is_refused_like_django():
    with pytest.raises(BadHeaderError):
        mime.message_bytes(_message("Hi\nBcc: victim@example.org", "x", "y"))


@pytest.mark.django_db
def test_sent_over_smtp_it_arrives_as_django_would_send_it(smtp_server):
    message = _message("Zoë: 2 people to check in with", "Hello Zoë\n", "<p>Hello Zoë</p>\n")
    connection = get_connection()
    try:
        mime.send(message, connection)
    finally:
        connection.close()
    (envelope,) = smtp_server.handler.envelopes
    assert envelope.rcpt_tos == ["zoe@example.org"]
    _same(envelope.original_content, message.message().as_bytes(linesep="\r\n"))
