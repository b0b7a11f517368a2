"""deploy/: the systemd unit and the container file stewards run the bot with stay working."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

from dockerfile_parse import DockerfileParser

from tests.helpers import REPO

DEPLOY = REPO / "deploy"


def _unit() -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / "peer-circle.service", encoding="utf-8")
    return unit


def test_the_steps_compile_the_code_the_unit_cannot_compile_for_itself() -> None:
    """The unit runs the checkout (python -m puts the working directory first on the path)
    and may write only in data/: without a compile step after installing and after each
    update, every start compiles the whole bot again."""
    steps = (REPO / "docs" / "deploy.md").read_text("utf-8")
    assert steps.count(".venv/bin/python -m bot prepare") == 2
    assert _unit()["Service"]["WorkingDirectory"] == "/opt/peer-circle"


def test_the_unit_runs_the_bot_restarts_it_and_keeps_it_to_its_folder() -> None:
    service = _unit()["Service"]
    assert service["ExecStart"].endswith("/.venv/bin/python -m bot run")
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"] == "/etc/peer-circle.env"
    assert service["ProtectSystem"] == "strict" and service["ReadWritePaths"].endswith("/data")
    assert _unit()["Install"]["WantedBy"] == "multi-user.target"


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    """``systemd-analyze verify`` on the unit, with ExecStart pointed at this Python (it
    checks that the program exists). Where systemd is not installed, the parse above stands."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return
    text = (DEPLOY / "peer-circle.service").read_text("utf-8")
    here = text.replace("/opt/peer-circle/.venv/bin/python", sys.executable)
    (tmp_path / "peer-circle.service").write_text(here, "utf-8")
    done = subprocess.run(
        [analyze, "verify", str(tmp_path / "peer-circle.service")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "ignoring" not in done.stderr, done.stderr


def test_the_container_file_builds_the_bot_and_runs_it_unprivileged() -> None:
    with (DEPLOY / "Containerfile").open("rb") as file:
        parsed = DockerfileParser(fileobj=file)
        steps = [(i["instruction"], i["value"]) for i in parsed.structure]
        base, cmd = parsed.baseimage, parsed.cmd
    assert base.startswith("python:3.11")
    copied = " ".join(v for k, v in steps if k == "COPY")
    for needed in ("pyproject.toml", "bot", "handlers", "content"):
        assert needed in copied
    assert any(k == "RUN" and "pip install ." in v for k, v in steps)
    # It runs the code in /app, where nothing compiled at run time is kept: compiled at build.
    assert any(k == "RUN" and "python -m bot prepare" in v for k, v in steps)
    assert ("USER", "peer-circle") in steps
    assert cmd == '["python", "-m", "bot", "run"]'
    assert any(k == "HEALTHCHECK" and "status" in v for k, v in steps)
    # Everything the image copies exists in the repository.
    for item in ("pyproject.toml", "README.md", "bot", "handlers", "content"):
        assert (REPO / item).exists()
