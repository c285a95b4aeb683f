"""`make bench`: every issue's benchmark targets, on SQLite and on PostgreSQL, side by side.

Each module bench/bench_<area>.py exposes `run() -> list[Row]` (Row: benchmark, value,
target, ok). This runs every area once per database, each database in a process of
its own (Django is set up once per process), and prints one Markdown table with a
column per database, written to var/bench.md as well.

- SQLite: a fresh file, `var/bench.sqlite3` (or `BENCH_DB`).
- PostgreSQL: a fresh database `keepwarm_bench` (or `BENCH_POSTGRES_DB`) on `BENCH_POSTGRES_URL`
  (default postgres://postgres@127.0.0.1:5432/postgres, the server of this machine).
  When no server answers, its column says so.
- The areas in PERSISTENT (the 1,000,000-contact deployment) run on a database of their
  own that is built once and kept between runs: `var/bench-scale.sqlite3` and the
  PostgreSQL database `keepwarm_bench_scale` (delete them to rebuild).

Run some areas: `python -m bench.run contacts reminders`; one database:
`python -m bench.run --db sqlite reminders`.
"""

import importlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
AREAS = [
    "contacts",
    "reminders",
    "warmth",
    "imports",
    "digests",
    "insights",
    "goals",
    "compose",
    "sources",
    "mailbox",
    "scheduler",
    "search",
]
PERSISTENT = {"scheduler", "search"}
DATABASES = ("sqlite", "postgresql")
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def _postgres_url(name: str) -> str:
    return urlparse(POSTGRES_URL)._replace(path=f"/{name}").geturl()


def _postgres_up() -> bool:
    parsed = urlparse(POSTGRES_URL)
    try:
        socket.create_connection((parsed.hostname, parsed.port or 5432), 1).close()
    except OSError:
        return False
    return True


def _database_env(db: str, *, persistent: bool) -> dict[str, str]:
    """The environment of the child process that measures on `db` (a fresh database unless persistent)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")}
    env.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    env.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
    if db == "sqlite":
        path = (
            ROOT / "var" / "bench-scale.sqlite3"
            if persistent
            else Path(os.environ.get("BENCH_DB", ROOT / "var" / "bench.sqlite3"))
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        if not persistent:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        env["SQLITE_PATH"] = str(path)
        return env
    import psycopg

    name = "keepwarm_bench_scale" if persistent else os.environ.get("BENCH_POSTGRES_DB", "keepwarm_bench")
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not persistent:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = _postgres_url(name)
    return env


def _measure(areas: list[str], out: Path) -> list[dict]:
    """In this process (its database set by the parent): migrate, then each area's rows,
    written to `out` after each area (a later area that fails keeps the earlier figures)."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    rows = []
    for index, area in enumerate(areas):
        try:
            module = importlib.import_module(f"bench.bench_{area}")
        except ModuleNotFoundError:
            print(f"(no benchmark for {area} yet)", file=sys.stderr)
            continue
        if index and area not in PERSISTENT:
            call_command("flush", interactive=False, verbosity=0)  # each area seeds an empty database
        started = time.perf_counter()
        area_rows = module.run()
        print(f"[{area}] {len(area_rows)} figures in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        rows.extend({**row, "area": area} for row in area_rows)
        out.write_text(json.dumps(rows, default=str))
    return rows


def _child(db: str, areas: list[str], *, persistent: bool) -> list[dict] | str:
    """The rows measured on `db` by a child process, or why there are none."""
    if db == "postgresql" and not _postgres_up():
        return "no PostgreSQL server answers at " + urlparse(POSTGRES_URL).netloc
    env = _database_env(db, persistent=persistent)
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        target = out.name
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--child", target, *areas], env=env, cwd=ROOT, check=False
    )
    text = Path(target).read_text()
    Path(target).unlink()
    if done.returncode and not text:
        return f"the {db} run failed (exit {done.returncode}; its output is above)"
    rows = json.loads(text) if text else []
    if done.returncode:
        print(
            f"the {db} run failed after {len(rows)} figures (exit {done.returncode}; above)", file=sys.stderr
        )
    return rows


def _table(results: dict[str, list[dict] | str]) -> str:
    """One row per figure (in the order measured), a value column per database."""
    measured = [rows for rows in results.values() if isinstance(rows, list)]
    if not measured:
        return "no figures: " + "; ".join(str(v) for v in results.values())
    reference = max(measured, key=len)
    lines = [
        "| benchmark | SQLite | PostgreSQL | target | met |",
        "|---|---|---|---|---|",
    ]
    for position, row in enumerate(reference):
        cells, met = [], []
        for db in DATABASES:
            rows = results.get(db)
            if isinstance(rows, list) and position < len(rows):
                cells.append(rows[position]["value"])
                met.append(rows[position]["ok"])
            else:
                cells.append("—")
        verdict = "yes" if met and all(met) else "**no**" if met else "—"
        lines.append(f"| {row['benchmark']} | {cells[0]} | {cells[1]} | {row['target']} | {verdict} |")
    for db, rows in results.items():
        if isinstance(rows, str):
            lines.append(f"\n{db}: {rows}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        _measure(argv[2:], Path(argv[1]))
        return 0
    databases = DATABASES
    if argv[:1] == ["--db"]:
        databases, argv = (argv[1],), argv[2:]
    areas = argv or AREAS
    results: dict[str, list[dict] | str] = {}
    for db in databases:
        results[db] = []
        for persistent in (False, True):
            group = [area for area in areas if (area in PERSISTENT) == persistent]
            if not group:
                continue
            rows = _child(db, group, persistent=persistent)
            if isinstance(rows, str):
                results[db] = rows
                break
            results[db].extend(rows)
    # The table follows the order the areas were asked for.
    order = {area: index for index, area in enumerate(areas)}
    for rows in results.values():
        if isinstance(rows, list):
            rows.sort(key=lambda row: order.get(row["area"], len(order)))
    table = _table(results)
    print(table)
    out = ROOT / "var" / "bench.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table + "\n")
    print(f"\nwritten to {out.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
