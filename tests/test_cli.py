"""Start-up from the command line: plain one-line errors, backup, clean stop on a signal."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.core.errors import SettingsError
from tests.helpers import CONTENT


def run_bot(
    tmp_path: Path, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    full_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DISCORD_", "DATABASE_", "CONTENT_", "DEFAULT_"))
    }
    full_env.update(
        {"DATABASE_PATH": str(tmp_path / "db.sqlite3"), "CONTENT_DIR": str(CONTENT), **env}
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=full_env,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"DEFAULT_TIMEZONE": "Mars/Olympus"},
            "DEFAULT_TIMEZONE: 'Mars/Olympus' is not a timezone",
        ),
        ({"TELEGRAM_BOT_TOKEN": "12345"}, "TELEGRAM_BOT_TOKEN: this does not look like"),
        ({"DISCORD_BOT_TOKEN": "abc"}, "DISCORD_BOT_TOKEN: this does not look like"),
        ({"STEWARDS": "matrix:1"}, "STEWARDS: 'matrix' is not a platform"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL: use DEBUG, INFO, WARNING or ERROR"),
        ({"DATABASE_PATH": "/proc/nope/db.sqlite3"}, "DATABASE_PATH: cannot write to"),
    ],
)
def test_a_bad_setting_stops_start_up_with_one_plain_line(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    done = run_bot(tmp_path, stdin="/help\n", **env)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), done.stderr
    assert "Traceback" not in done.stderr


def test_an_unknown_setting_in_env_file_is_named(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TELEGRAM_TOKEN=oops\n")
    done = run_bot(tmp_path, stdin="/help\n")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "TELEGRAM_TOKEN: Peer Circle has no such setting. Check the spelling against"
        " .env.example, or remove it."
    )


def test_the_example_env_file_runs_as_is(tmp_path: Path) -> None:
    example = (CONTENT.parent / ".env.example").read_text()
    example = example.replace("CONTENT_DIR=content", f"CONTENT_DIR={CONTENT}")
    (tmp_path / ".env").write_text(example)
    done = run_bot(tmp_path, stdin="/crisis\n")
    assert done.returncode == 0, done.stderr
    assert "988" in done.stdout


def test_settings_read_stewards_and_blank_values() -> None:
    s = load_settings(_env_file=None, stewards="telegram:1, discord:2", telegram_bot_token="")
    assert [str(a) for a in s.stewards] == ["telegram:1", "discord:2"]
    assert s.console_only
    with pytest.raises(SettingsError, match="TELEGRAM_API_BASE_URL"):
        load_settings(_env_file=None, telegram_api_base_url="localhost:8081")


def test_broken_content_stops_start_up_naming_file_and_field(tmp_path: Path) -> None:
    content = tmp_path / "content"
    subprocess.run(["cp", "-r", str(CONTENT), str(content)], check=True)
    crisis = content / "crisis.yaml"
    crisis.write_text(crisis.read_text().replace("    hours: 24/7, English and French\n", "", 1))
    done = run_bot(tmp_path, stdin="/help\n", CONTENT_DIR=str(content))
    assert done.returncode == 2
    assert "crisis.yaml:" in done.stderr and 'entry lines[0] "988"' in done.stderr
    assert "field 'hours'" in done.stderr and "Traceback" not in done.stderr
    checked = run_bot(tmp_path, "check-content", CONTENT_DIR=str(content))
    assert checked.returncode == 2 and "field 'hours'" in checked.stderr


def test_check_content_passes_on_shipped_content(tmp_path: Path) -> None:
    done = run_bot(tmp_path, "check-content")
    assert done.returncode == 0, done.stderr
    assert "is good" in done.stdout
    assert "not shown until a person confirms it" in done.stdout


def test_backup_command_copies_the_database(tmp_path: Path) -> None:
    assert run_bot(tmp_path, stdin="/help\n").returncode == 0
    done = run_bot(tmp_path, "backup", str(tmp_path / "copy.sqlite3"))
    assert done.returncode == 0, done.stderr
    con = sqlite3.connect(tmp_path / "copy.sqlite3")
    try:
        assert con.execute("SELECT COUNT(*) FROM people").fetchone()[0] == 1
    finally:
        con.close()


def test_the_bot_runs_where_uvloop_is_not_installed(tmp_path: Path) -> None:
    """uvloop is built for Linux and macOS only: anywhere else the bot runs on asyncio's own
    event loop, the same as with UVLOOP=false (bot/eventloop.py)."""
    blocked = tmp_path / "no-uvloop"
    blocked.mkdir()
    (blocked / "uvloop.py").write_text("raise ImportError('uvloop is not built here')\n")
    path = os.pathsep.join(p for p in (str(blocked), os.environ.get("PYTHONPATH", "")) if p)
    done = run_bot(tmp_path, stdin="/crisis\n", PYTHONPATH=path)
    assert done.returncode == 0, done.stderr
    assert "988" in done.stdout  # the crisis lines answered
    done = run_bot(tmp_path, stdin="/crisis\n", UVLOOP="false")
    assert done.returncode == 0, done.stderr
    assert "988" in done.stdout


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_bot_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_"))}
    env.update({"DATABASE_PATH": str(tmp_path / "db.sqlite3"), "CONTENT_DIR": str(CONTENT)})
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("/start\n")
    proc.stdin.flush()
    deadline = time.monotonic() + 30
    seen = ""
    while "welcome" not in seen.lower() and time.monotonic() < deadline:
        seen += proc.stdout.readline()
    assert "welcome" in seen.lower()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    # Closed cleanly: the WAL was checkpointed and truncated on the way out.
    wal = tmp_path / "db.sqlite3-wal"
    assert not wal.exists() or wal.stat().st_size == 0


def test_a_missing_content_folder_leaves_no_stray_database_behind(tmp_path: Path) -> None:
    done = run_bot(tmp_path, stdin="/help\n", CONTENT_DIR=str(tmp_path / "nowhere"))
    assert done.returncode != 0
    assert "content folder" in done.stderr
    assert not (tmp_path / "db.sqlite3").exists()
    assert list(tmp_path.iterdir()) == []


def test_status_describes_a_database_it_never_creates(tmp_path: Path) -> None:
    before = run_bot(tmp_path, "status")
    assert before.returncode == 0 and "does not exist yet" in before.stdout
    assert not (tmp_path / "db.sqlite3").exists()
    run_bot(tmp_path, stdin="/help\n")  # first run: the local person becomes a member
    after = run_bot(tmp_path, "status")
    assert after.returncode == 0
    assert "(up to date)" in after.stdout and "members: 1" in after.stdout
    assert "messages waiting to be sent: 0" in after.stdout and "is good" in after.stdout


def test_status_names_a_database_it_cannot_read_and_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "db.sqlite3").write_bytes(b"this is not a database" * 100)
    done = run_bot(tmp_path, "status")
    assert done.returncode == 1
    assert "cannot be read" in done.stdout and "backup" in done.stdout


def test_status_says_when_the_database_is_newer_than_the_code(tmp_path: Path) -> None:
    run_bot(tmp_path, stdin="/help\n")
    with sqlite3.connect(tmp_path / "db.sqlite3") as conn:
        conn.execute(
            "INSERT INTO schema_migrations(version, name, applied_at) VALUES (9999, 'x', 'now')"
        )
    conn.close()
    done = run_bot(tmp_path, "status")
    assert done.returncode == 1 and "newer than this code" in done.stdout
