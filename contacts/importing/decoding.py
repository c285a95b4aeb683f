"""Bytes from outside → text (DESIGN "Files from outside").

UTF-8 with or without BOM, UTF-16 by its BOM (or by its zero bytes, as some Outlook
versions write it without one), else cp1252. A NUL byte in 8-bit text means binary.
"""

import codecs
from typing import IO

from django.conf import settings

from .errors import ImportFormatError


def read_limited(file: IO[bytes], *, max_bytes: int | None = None) -> bytes:
    """Read at most `max_bytes` (settings.IMPORT_MAX_BYTES) from `file`.

    The declared size of an upload is never trusted: we read one byte past the limit.
    """
    limit = settings.IMPORT_MAX_BYTES if max_bytes is None else max_bytes
    data = file.read(limit + 1)
    if isinstance(data, str):  # a text-mode file: treat as UTF-8
        data = data.encode("utf-8")
    if len(data) > limit:
        raise ImportFormatError(f"The file is larger than the {human_size(limit)} limit.")
    return data


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g} MB"
    if n >= 1024:
        return f"{n / 1024:g} KB"
    return f"{n} bytes"


def _looks_utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4000]
    if len(sample) < 4:
        return None
    even_zeros = sample[0::2].count(0)
    odd_zeros = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_zeros > 0.4 * half and even_zeros < 0.05 * half:
        return "utf-16-le"
    if even_zeros > 0.4 * half and odd_zeros < 0.05 * half:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes, *, max_bytes: int | None = None) -> str:
    """Return the text of `data`; raise ImportFormatError when it is not text.

    Over the size limit, empty (or only whitespace), or binary (NUL bytes in 8-bit
    text, or undecodable UTF-16) → ImportFormatError with a sentence for the user.
    """
    limit = settings.IMPORT_MAX_BYTES if max_bytes is None else max_bytes
    if len(data) > limit:
        raise ImportFormatError(f"The file is larger than the {human_size(limit)} limit.")
    if not data.strip():
        raise ImportFormatError("The file is empty.")
    encoding: str | None = None
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
        encoding = "utf-8"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = _looks_utf16_without_bom(data)
    if encoding and encoding.startswith("utf-16"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ImportFormatError("The file says it is UTF-16 but cannot be decoded as such.") from exc
    elif encoding is None:
        if b"\x00" in data:
            raise ImportFormatError(
                "This looks like a binary file, not a contacts export (CSV, vCard or JSON)."
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            # cp1252 leaves five bytes undefined; replace them rather than fail.
            text = data.decode("cp1252", errors="replace")
    return text_checked(text)


def text_checked(text: str) -> str:
    """`text` without a leading BOM; ImportFormatError when it is empty or binary (a NUL,
    mostly control characters). What every import reads, decoded here or handed over as text."""
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        raise ImportFormatError("This looks like a binary file, not a contacts export (CSV, vCard or JSON).")
    if not text.strip():
        raise ImportFormatError("The file is empty.")
    if _mostly_control(text):
        raise ImportFormatError("This looks like a binary file, not a contacts export (CSV, vCard or JSON).")
    return text


def _mostly_control(text: str) -> bool:
    sample = text[:4000]
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\r\n\t") or ch == "\ufffd")
    return bad > max(8, len(sample) // 10)
