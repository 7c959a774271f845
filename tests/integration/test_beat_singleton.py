"""Only one beat schedules: a second one says so and exits, or waits as a standby."""

import subprocess
import sys
import time

import pytest

from tests.integration.conftest import ROOT, kill_worker, wait_until


@pytest.fixture
def run_beat(worker_env, tmp_path):
    """Start a beat with its own schedule file and log; all are killed at the end."""
    beats: list[subprocess.Popen] = []

    def run(name: str, **extra_env: str) -> tuple[subprocess.Popen, object]:
        log = tmp_path / f"{name}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "beat",
             "--schedule", str(tmp_path / f"{name}-schedule"), "--loglevel", "INFO"],
            cwd=ROOT, env={**worker_env, **extra_env}, stdout=log.open("ab"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        beats.append(process)
        return process, log

    yield run
    for process in beats:
        kill_worker(process)


def _text(log) -> str:
    return log.read_text(errors="replace")


def test_a_second_beat_says_another_holds_the_lock_and_exits_without_scheduling(run_beat):
    fast = {"DELIVERY_RECOVERY_INTERVAL_SECONDS": "1", "BEAT_LOCK_TTL_SECONDS": "6"}
    first, first_log = run_beat("first", **fast)
    wait_until(lambda: "Sending due task" in _text(first_log), 60, "the first beat to schedule")

    second, second_log = run_beat("second", **fast)
    assert second.wait(timeout=60) != 0
    text = _text(second_log)
    assert "another beat holds the lock" in text
    assert "Sending due task" not in text
    # The first goes on scheduling.
    sent = _text(first_log).count("Sending due task")
    wait_until(lambda: _text(first_log).count("Sending due task") > sent, 30, "another tick")
    assert first.poll() is None


def test_a_standby_beat_takes_over_when_the_holder_dies(run_beat):
    fast = {"DELIVERY_RECOVERY_INTERVAL_SECONDS": "1", "BEAT_LOCK_TTL_SECONDS": "3"}
    first, first_log = run_beat("first", **fast)
    wait_until(lambda: "Sending due task" in _text(first_log), 60, "the first beat to schedule")

    standby, standby_log = run_beat("standby", BEAT_LOCK_WAIT="true", **fast)
    wait_until(lambda: "waiting as a standby" in _text(standby_log), 60, "the standby to wait")
    time.sleep(4)  # longer than the TTL: the holder keeps renewing it
    assert "Sending due task" not in _text(standby_log)

    kill_worker(first)  # SIGKILL: the lock is never released, only expires
    wait_until(lambda: "Sending due task" in _text(standby_log), 60, "the standby to take over")
    assert standby.poll() is None
