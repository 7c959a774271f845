"""The embedded SQLite default serves a person clicking while the worker writes."""

import os
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("sqlite_load.py")
ROUNDS = 5


def _env(database: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": str(BASE_DIR),
    }


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )


def test_a_bulk_board_change_succeeds_while_the_worker_writes_the_same_sqlite_file(tmp_path):
    env = _env(tmp_path / "db.sqlite3")
    migrated = _run(env, "manage.py", "migrate", "--no-input", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr
    made = _run(env, str(SCRIPT), "setup")
    assert made.returncode == 0, made.stderr

    # The worker's process writes from before the first page until after the last.
    worker = subprocess.Popen(
        [sys.executable, str(SCRIPT), "worker", str(tmp_path)],
        cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists() and worker.poll() is None:
            assert time.monotonic() < deadline, "the worker never wrote"
            time.sleep(0.05)
        pages = _run(env, str(SCRIPT), "pages", str(ROUNDS))
    finally:
        (tmp_path / "stop").touch()
        worker_out, worker_err = worker.communicate(timeout=180)

    assert "database is locked" not in pages.stderr + worker_err
    assert pages.returncode == 0, pages.stderr[-3000:]
    assert worker.returncode == 0, worker_err[-3000:]
    assert pages.stdout.split()[-3:] == ["changed", str(ROUNDS), "times"]
    assert int(worker_out.split()[-1]) > 0, worker_out


def test_sqlite_gets_wal_a_busy_timeout_and_immediate_transactions(tmp_path):
    env = _env(tmp_path / "db.sqlite3")
    code = (
        "import django; django.setup();"
        "from django.conf import settings; from django.db import connection;"
        "o = settings.DATABASES['default']['OPTIONS'];"
        "print(o['transaction_mode'], o['timeout']);"
        "c = connection.cursor(); print(c.execute('PRAGMA journal_mode').fetchone()[0])"
    )
    result = _run(env, "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["IMMEDIATE", "20", "wal"]
