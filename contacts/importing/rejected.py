"""The rejected-rows download: the rows an import rejected, to fix in a spreadsheet and upload again.

A CSV import gives back the file's own columns (its header exactly as spelled there, in
its order) with each rejected row's original cells, then two columns: `row` (where the
row is in the uploaded file, as a spreadsheet numbers it: the result page and the
preview say the same) and `reason`. Every parser ignores columns it does not know, so
the corrected file imports again as the same format. A file that already has `row`
and `reason` columns (a rejected-rows download uploaded again) keeps them, with the
new numbers and reasons. Cells beyond the header's last column follow as "extra cell N".

A vCard import gives `row` (the card's position), `name`, `reason` and `card` (the
card's text, unfolded, without photos). Older jobs, whose rows were stored in another
shape, get whatever their rows hold, then `row` and `reason`.
"""

from collections.abc import Iterator

from .errors import column_keys, extra_key


def _text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def rejected_rows(*, errors: object, report: object, fmt: str) -> Iterator[list[str]]:
    """The header, then one list of cells per rejected row (ImportJob.errors and .report as stored)."""
    items = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
    report = report if isinstance(report, dict) else {}
    fmt = _text(report.get("format")) or fmt
    columns = report.get("columns")

    def data_of(item: dict) -> dict:
        data = item.get("data")
        return data if isinstance(data, dict) else {}

    if fmt == "vcard":
        yield ["row", "name", "reason", "card"]
        for item in items:
            data = data_of(item)
            yield [
                _text(item.get("row")),
                _text(data.get("name")),
                _text(item.get("message")),
                _text(data.get("card")),
            ]
        return
    if isinstance(columns, list) and columns and all(isinstance(c, str) for c in columns):
        yield from _with_columns(columns, items, data_of)
        return
    keys: dict[str, None] = {}  # an older job: the keys its rows have, in order of appearance
    for item in items:
        keys.update(dict.fromkeys(_text(k) for k in data_of(item)))
    yield [*keys, "row", "reason"]
    for item in items:
        data = {_text(k): v for k, v in data_of(item).items()}
        yield [*(_text(data.get(k)) for k in keys), _text(item.get("row")), _text(item.get("message"))]


def _with_columns(columns: list[str], items: list[dict], data_of) -> Iterator[list[str]]:
    keys = column_keys(columns)
    own = {name.strip().lower(): position for position, name in enumerate(columns)}
    row_at, reason_at = own.get("row"), own.get("reason")
    extras = 0
    for item in items:
        while extra_key(extras + 1) in data_of(item):
            extras += 1
    header = list(columns)
    if row_at is None:
        row_at = len(header)
        header.append("row")
    if reason_at is None:
        reason_at = len(header)
        header.append("reason")
    yield header + [extra_key(n) for n in range(1, extras + 1)]
    width = len(header)
    for item in items:
        data = data_of(item)
        cells = [_text(data.get(key)) for key in keys] + [""] * (width - len(keys))
        cells[row_at] = _text(item.get("row"))
        cells[reason_at] = _text(item.get("message"))
        yield cells + [_text(data.get(extra_key(n))) for n in range(1, extras + 1)]
