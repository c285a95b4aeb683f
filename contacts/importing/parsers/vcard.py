"""vCard 2.1, 3.0 and 4.0: one or many cards per file.

A small, strict-where-it-matters reader, so that any input ends in a row, a RowError
or an ImportFormatError and nothing else: folded lines (RFC 6350 §3.2), 2.1
QUOTED-PRINTABLE soft breaks with CHARSET, typed EMAIL/TEL (TYPE=WORK, 2.1 bare
";CELL"), Apple's grouped `item1.X-ABLabel`, BDAY with or without a year (`--0415`),
PHOTO data skipped without decoding. A card without END:VCARD is reported as a row
error; the other cards still import.

Not vobject (which writes our vCard export): on our own sample files
`vobject.readComponents` (0.9.9) drops the second line of a 2.1 QUOTED-PRINTABLE soft
break ("Skipped line 21": the NOTE ends at "…Intersolar München"), cuts a NOTE at its
first comma when exporters leave commas unescaped ("Creator of Ruby. Loves long"), and on a card
without END:VCARD nests the following cards inside it and ends the whole file with
one ParseError, so no card after it can be imported.
"""

import codecs
import quopri
import re
from collections.abc import Iterator

from crm.querystring import without_nul

from ..errors import SOURCE_CELL_LIMIT, ImportFormatError, RowError
from .common import (
    BadValue,
    add_value,
    clean,
    label_for,
    new_row,
    optional_date,
    parse_birthday,
    parse_date,
    split_full_name,
)

_NAME_RE = re.compile(r"^(?:(?P<group>[A-Za-z0-9-]+)\.)?(?P<name>[A-Za-z0-9-]+)$")
_APPLE_LABEL = re.compile(r"_\$!<(.*)>!\$_")
_BINARY = {"PHOTO", "LOGO", "SOUND", "KEY"}


def is_vcard(text: str) -> bool:
    return "BEGIN:VCARD" in text[:5000].upper()


def _is_qp(line: str) -> bool:
    head = line.split(":", 1)[0].upper()
    return "QUOTED-PRINTABLE" in head


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Unfold: (line number where the property starts, the whole property)."""
    current: str | None = None
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if current is not None and line[:1] in (" ", "\t"):
            current += line[1:]
            continue
        if current is not None and _is_qp(current) and current.endswith("="):
            current = current[:-1] + line.strip()
            continue
        if current is not None:
            yield start, current
        current, start = (line, number) if line.strip() else (None, number)
    if current is not None:
        yield start, current


def _split_params(head: str) -> list[str]:
    parts, buf, quoted = [], [], False
    for ch in head:
        if ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            parts.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    parts.append("".join(buf))
    return parts


def _parse_line(line: str) -> tuple[str, str, dict[str, list[str]], str] | None:
    """(group, NAME, {PARAM: [values]}, raw value) or None for a line that is not a property."""
    quoted = False
    colon = -1
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            colon = i
            break
    if colon <= 0:
        return None
    head, value = line[:colon], line[colon + 1 :]
    parts = _split_params(head)
    match = _NAME_RE.match(parts[0].strip())
    if not match:
        return None
    params: dict[str, list[str]] = {}
    for part in parts[1:]:
        key, sep, val = part.partition("=")
        if sep:
            params.setdefault(key.strip().upper(), []).extend(v.strip().strip('"') for v in val.split(","))
        else:  # vCard 2.1 bare type: TEL;WORK;VOICE
            params.setdefault("TYPE", []).append(key.strip())
    return (match["group"] or "").lower(), match["name"].upper(), params, value


def _decode(value: str, params: dict[str, list[str]]) -> str:
    encoding = ",".join(params.get("ENCODING", [])).upper()
    if "QUOTED-PRINTABLE" not in encoding:
        return value
    raw = quopri.decodestring(value.encode("latin-1", errors="replace"))
    charset = (params.get("CHARSET") or ["utf-8"])[0] or "utf-8"
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    try:
        text = raw.decode(charset)
    except (UnicodeDecodeError, ValueError, LookupError):  # LookupError: CHARSET=base64 is no charset
        text = raw.decode("cp1252", errors="replace")
    return without_nul(text)  # "=00" decodes to a NUL, which PostgreSQL cannot store


def _unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _components(value: str) -> list[str]:
    """Split a structured value (N, ADR, ORG) on unescaped ';'."""
    parts, buf, i = [], [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            buf.append(value[i : i + 2])
            i += 2
            continue
        if ch == ";":
            parts.append(_unescape("".join(buf)))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append(_unescape("".join(buf)))
    return parts


def _card_to_row(index: int, props: list[tuple[str, str, dict[str, list[str]], str]]) -> dict:
    row = new_row(index)
    labels = {}
    for group, name, params, value in props:
        if name == "X-ABLABEL" and group:
            text = _decode(value, params)
            apple = _APPLE_LABEL.fullmatch(text)
            labels[group] = apple[1] if apple else text
    full_name = ""
    for group, name, params, raw in props:
        if name in _BINARY:
            continue  # embedded binary data: skipped, never decoded
        value = _decode(raw, params)
        types = " ".join(params.get("TYPE", [])) + " " + labels.get(group, "")
        if name == "FN":
            full_name = clean(_unescape(value))
        elif name == "N":
            parts = _components(value) + [""] * 5
            row["last_name"], row["first_name"] = clean(parts[0]), clean(" ".join(p for p in parts[1:3] if p))
        elif name == "EMAIL":
            add_value(row["emails"], _unescape(value), label_for(types, default="other"))
        elif name == "TEL":
            number = _unescape(value)
            if number.lower().startswith("tel:"):
                number = number[4:]
            add_value(row["phones"], number, label_for(types, default="mobile"))
        elif name == "ORG":
            row["company"] = clean(_components(value)[0])
        elif name == "TITLE":
            row["title"] = clean(_unescape(value))
        elif name == "NOTE":
            row["notes"] = _unescape(value).strip()
        elif name == "BDAY":
            if "text" not in [v.lower() for v in params.get("VALUE", [])]:
                row["birthday"] = optional_date(
                    row, parse_birthday, value.strip(), column="Birthday (BDAY)", without="the birthday"
                )
        elif name == "X-KEEPWARM-STARTED-ON":
            row["started_on"] = optional_date(
                row, parse_date, value.strip(), column="Role start date", without="the role start date"
            )
        elif name in {"URL", "X-SOCIALPROFILE"}:
            url = _unescape(value).strip()
            if "linkedin.com/" in url.lower() and not row["linkedin_url"]:
                row["linkedin_url"] = url
        elif name == "ADR" and not row["location"]:
            parts = _components(value) + [""] * 7
            row["location"] = clean(parts[3]) or clean(parts[5])
        elif name == "CATEGORIES":
            row["tags"] = [clean(t) for t in re.split(r"(?<!\\),", value) if clean(t)]
    if not row["first_name"] and not row["last_name"]:
        row["first_name"], row["last_name"] = split_full_name(full_name)
    return row


def _card_source(props: list, lines: list[str], row: dict | None = None) -> dict:
    """A card as rejected-row data: its name and its text (unfolded, binary data left out)."""
    if row is not None:
        name = f"{row['first_name']} {row['last_name']}".strip()
    else:
        name = next((clean(_unescape(value)) for _g, prop, _p, value in props if prop == "FN"), "")
    text = "\n".join(["BEGIN:VCARD", *lines, "END:VCARD"])
    if len(text) > SOURCE_CELL_LIMIT:
        text = text[: SOURCE_CELL_LIMIT - 1] + "…"
    return {"name": name, "card": text}


def parse(text: str) -> Iterator[dict | RowError]:
    """Yield one row per card (row = the card's position in the file, 1-based).

    Each row carries its card as "source" (`_card_source`), for the rejected-rows download.
    """
    if not is_vcard(text):
        raise ImportFormatError("This is not a vCard file (no BEGIN:VCARD line).")
    props: list | None = None
    lines: list[str] = []
    index = 0
    started_at = 0
    for line_number, line in _logical_lines(text):
        stripped = line.strip()
        parsed = _parse_line(stripped)
        if parsed is None:
            continue
        _group, name, _params, value = parsed
        if name == "BEGIN" and value.strip().upper() == "VCARD":
            if props is not None:
                yield RowError(
                    index, f"card {index} (line {started_at}) has no END:VCARD", _card_source(props, lines)
                )
            index += 1
            props, lines, started_at = [], [], line_number
        elif name == "END" and value.strip().upper() == "VCARD":
            if props is None:
                continue
            try:
                row = _card_to_row(index, props)
            except BadValue as exc:
                yield RowError(index, f"card {index} (line {started_at}): {exc}", _card_source(props, lines))
            else:
                row["source"] = _card_source(props, lines, row)
                yield row
            props = None
        elif props is not None:
            props.append(parsed)
            if name not in _BINARY:
                lines.append(stripped)
    if props is not None:
        yield RowError(
            index, f"card {index} (line {started_at}) has no END:VCARD", _card_source(props, lines)
        )
