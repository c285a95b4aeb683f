"""No input makes a parser raise anything but the importer's own errors."""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts.importing.decoding import decode_bytes
from contacts.importing.detect import detect_format
from contacts.importing.errors import ImportFormatError, RowError
from contacts.importing.parsers import backup_json, generic_csv, google, linkedin, outlook, vcard

from .conftest import FIXTURES

PARSERS = {
    "linkedin": linkedin.parse,
    "google": google.parse,
    "outlook": outlook.parse,
    "csv": generic_csv.parse,
    "vcard": vcard.parse,
    "json": lambda text: backup_json.parse(text).contacts,
}
SAMPLES = [
    "linkedin_connections.csv",
    "google_contacts.csv",
    "outlook_contacts_utf16.csv",
    "contacts_v21.vcf",
    "contacts_v30.vcf",
    "contacts_v40.vcf",
    "generic.csv",
    "backup.json",
]
SAMPLE_TEXT = {name: decode_bytes((FIXTURES / name).read_bytes()) for name in SAMPLES}


def run_all(text: str) -> None:
    """Detect, then every parser: each yields rows/RowErrors or raises ImportFormatError."""
    try:
        detect_format(text)
    except ImportFormatError:
        pass
    for parse in PARSERS.values():
        try:
            for item in parse(text):
                assert isinstance(item, dict | RowError)
        except ImportFormatError as exc:
            assert str(exc)


def decode_and_run(data: bytes) -> None:
    try:
        text = decode_bytes(data)
    except ImportFormatError:
        return
    run_all(text)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes(data):
    decode_and_run(data)


@given(st.text(max_size=1500))
def test_random_text(text):
    run_all(text)


@given(
    header=st.sampled_from(
        [
            "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n",
            "First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value,Birthday\n",
            "First Name,Last Name,E-mail Address,Job Title,Birthday,Categories\n",
            "name,email,birthday,started_on,tags,relationship,cadence\n",
        ]
    ),
    body=st.lists(st.lists(st.text(max_size=30), max_size=9), max_size=8),
)
def test_random_rows_under_known_headers(header, body):
    lines = [
        ",".join('"' + c.replace('"', '""') + '"' if i % 2 else c for i, c in enumerate(row)) for row in body
    ]
    run_all(header + "\n".join(lines))


@given(
    name=st.sampled_from(SAMPLES),
    seed=st.integers(0, 2**32 - 1),
    edits=st.integers(1, 12),
)
def test_mutated_sample_files(name, seed, edits):
    rng = random.Random(seed)
    data = bytearray(SAMPLE_TEXT[name].encode("utf-8"))
    for _ in range(edits):
        op = rng.randrange(4)
        pos = rng.randrange(len(data) + 1)
        if op == 0 and data:
            del data[pos : pos + rng.randrange(1, 40)]
        elif op == 1:
            data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8)))
        elif op == 2:
            data[pos:pos] = rng.choice(
                [b"\n", b"\r\n ", b'"', b",", b";", b":", b"=", b"BEGIN:VCARD\n", b"END:VCARD", b"{", b"\\"]
            )
        else:
            chunk = data[rng.randrange(len(data) + 1) :][:50]
            data[pos:pos] = chunk
    decode_and_run(bytes(data))


@pytest.mark.parametrize("name", SAMPLES)
def test_truncated_sample_files_at_every_tenth(name):
    data = SAMPLE_TEXT[name].encode("utf-8")
    for cut in range(0, len(data), max(1, len(data) // 10)):
        decode_and_run(data[:cut])
