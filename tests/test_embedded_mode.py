"""`make run`'s moving parts, for real: scripts/run.sh starts web + worker + beat on
the filesystem broker and SQLite; a task enqueued from outside is executed by the
worker; Ctrl-C (SIGINT) stops all three.

Runs in its own var/ directory and port, with subprocesses only (the worker cannot
share pytest's in-memory test database).
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _children(pid: int) -> list[int]:
    """The script's long-running children (not its transient `sleep`)."""
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    pids = [int(p) for p in out.split()]
    return [
        p
        for p in pids
        if Path(f"/proc/{p}/comm").exists() and Path(f"/proc/{p}/comm").read_text().strip() != "sleep"
    ]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_run_script_serves_executes_tasks_and_stops_on_ctrl_c(tmp_path):
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE", "CELERY_TASK_ALWAYS_EAGER"}
    }
    env.update(
        {
            "KEEPWARM_VAR_DIR": str(tmp_path / "var"),
            "PORT": str(port),
            "DEBUG": "1",
            "HEALTHZ_TOKEN": "embedded",
        }
    )
    _manage(env, "migrate", "--noinput", "-v0")
    assert "seeded user=demo" in _manage(env, "seed_demo", "--contacts", "15", "--interactions", "30")

    proc = subprocess.Popen(
        ["bash", "scripts/run.sh"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        body = None
        while time.monotonic() < deadline:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/healthz", headers={"Authorization": "Bearer embedded"}
                )
                with urllib.request.urlopen(request, timeout=2) as response:
                    body = response.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert body is not None, "the web server did not come up"
        assert '"transport": "filesystem"' in body

        children = _children(proc.pid)
        assert len(children) == 3, "web, worker and beat"

        # Enqueue the beat's hourly job from outside; the worker must run it (and its fan-out).
        _manage(
            env,
            "shell",
            "-c",
            "from reminders.tasks import reminders_generate_fan_out_task; reminders_generate_fan_out_task.delay()",
        )
        probe = "from crm.models import JobRun; print(JobRun.objects.filter(name='generate_reminders', last_finished_at__isnull=False).count())"
        deadline = time.monotonic() + 60
        while (
            time.monotonic() < deadline and _manage(env, "shell", "-c", probe).strip().splitlines()[-1] != "1"
        ):
            time.sleep(1)
        assert _manage(env, "shell", "-c", probe).strip().splitlines()[-1] == "1", (
            "the worker did not run the job"
        )

        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        time.sleep(1)
        assert not [pid for pid in children if _alive(pid)], "Ctrl-C must stop web, worker and beat"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
