"""`make bench`: every issue's benchmark targets, measured on a fresh SQLite file.

Each module bench/bench_<area>.py exposes `run() -> list[Row]`; this prints one
table (Markdown, ready for the README) and writes it to var/bench.md.
Run one area: `python -m bench.run contacts reminders`.
"""

import importlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AREAS = ["contacts", "reminders", "warmth", "imports", "digests"]


def setup_django() -> None:
    # BENCH_DB lets two benchmark runs go side by side without deleting each other's file.
    db = Path(os.environ.get("BENCH_DB", ROOT / "var" / "bench.sqlite3"))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    os.environ["SQLITE_PATH"] = str(db)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def main(argv: list[str]) -> int:
    areas = argv or AREAS
    setup_django()
    rows = []
    from django.core.management import call_command

    for index, area in enumerate(areas):
        if index:  # each area seeds its own data into an empty database
            call_command("flush", interactive=False, verbosity=0)
        try:
            module = importlib.import_module(f"bench.bench_{area}")
        except ModuleNotFoundError:
            print(f"(no benchmark for {area} yet)", file=sys.stderr)
            continue
        started = time.perf_counter()
        area_rows = module.run()
        print(f"[{area}] {len(area_rows)} figures in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        rows.extend(area_rows)
    lines = [
        "| benchmark | measured | target | met |",
        "|---|---|---|---|",
        *(
            f"| {r['benchmark']} | {r['value']} | {r['target']} | {'yes' if r['ok'] else '**no**'} |"
            for r in rows
        ),
    ]
    table = "\n".join(lines)
    print(table)
    out = ROOT / "var" / "bench.md"
    out.write_text(table + "\n")
    print(f"\nwritten to {out.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
