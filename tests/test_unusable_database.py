"""A database the bot cannot use stops start-up with one plain line, and the process ends.

Regression: a file that was not a database, was cut short or damaged, or sat on a full disk
printed a traceback and then the process hung for ever (aiosqlite's thread kept it alive), so
a supervisor never restarted it. A database written by a newer version was used silently.
Each case runs the real ``python -m bot`` (its timeout is only a safety net).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.test_cli import run_bot

RESTORE_HINT = "python -m bot backup"


def _good_database(tmp_path: Path) -> Path:
    """A real database the bot made, with the console steward in it."""
    made = tmp_path / "made"
    made.mkdir()
    done = run_bot(made, stdin="/help\n")
    assert done.returncode == 0, done.stderr
    return made / "db.sqlite3"


def _one_plain_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert done.stdout == ""  # not a word of the console: it never started
    return lines[0]


def test_a_file_that_is_not_a_database_stops_start_up_with_one_plain_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "db.sqlite3").write_text("these are someone's notes, not a database\n")
    line = _one_plain_line(run_bot(tmp_path, stdin="/crisis\n"))
    assert line.startswith(f"DATABASE_PATH: {tmp_path / 'db.sqlite3'} cannot be read")
    assert "not a database" in line and RESTORE_HINT in line


def test_a_truncated_database_stops_start_up_with_one_plain_line(tmp_path: Path) -> None:
    good = _good_database(tmp_path)
    (tmp_path / "db.sqlite3").write_bytes(good.read_bytes()[: 5 * 4096])
    line = _one_plain_line(run_bot(tmp_path, stdin="/crisis\n"))
    assert str(tmp_path / "db.sqlite3") in line and RESTORE_HINT in line


def test_a_malformed_database_stops_start_up_with_one_plain_line(tmp_path: Path) -> None:
    good = _good_database(tmp_path)
    data = bytearray(good.read_bytes())
    page = 4096
    for n in range(2, len(data) // page):  # every page but the first: the schema survives
        data[n * page + 8 : n * page + 200] = b"\xa5" * 192
    (tmp_path / "db.sqlite3").write_bytes(bytes(data))
    line = _one_plain_line(run_bot(tmp_path, stdin="/crisis\n"))
    assert str(tmp_path / "db.sqlite3") in line and RESTORE_HINT in line


def test_a_database_on_a_full_disk_at_start_stops_with_one_plain_line(tmp_path: Path) -> None:
    """A real full disk: a 512 KiB tmpfs (a fresh database is about 256 KiB), mounted in a
    private mount namespace (unshare needs no privileges), holding the database and a filler
    file that takes the rest."""
    good = _good_database(tmp_path)
    disk = tmp_path / "disk"
    disk.mkdir()
    unshare = shutil.which("unshare")
    assert unshare is not None, "util-linux's unshare is needed to mount a small disk"
    script = (
        'mount -t tmpfs -o size=512k tmpfs "$1" && cp "$2" "$1/db.sqlite3"'
        ' && { head -c 1048576 /dev/zero > "$1/filler" 2>/dev/null; true; }'
        ' && cd "$1/.." && exec "$3" -m bot'
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DISCORD_", "DATABASE_", "CONTENT_", "DEFAULT_"))
    }
    env.update(
        DATABASE_PATH=str(disk / "db.sqlite3"),
        CONTENT_DIR=str(Path(__file__).parents[1] / "content"),
    )
    done = subprocess.run(
        [unshare, "-rm", "sh", "-c", script, "sh", str(disk), str(good), sys.executable],
        input="/crisis\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    line = _one_plain_line(done)
    assert line == (
        f"DATABASE_PATH: the disk holding {disk / 'db.sqlite3'} is full."
        " Free some space, then start the bot again."
    )


def test_a_database_from_a_newer_version_is_refused_at_start(tmp_path: Path) -> None:
    good = _good_database(tmp_path)
    shutil.copy(good, tmp_path / "db.sqlite3")
    con = sqlite3.connect(tmp_path / "db.sqlite3")
    with con:
        con.execute(
            "INSERT INTO schema_migrations(version, name, applied_at)"
            " VALUES (9001, 'from_the_future', '2030-01-01')"
        )
    con.close()
    line = _one_plain_line(run_bot(tmp_path, stdin="/crisis\n"))
    assert line.startswith(f"DATABASE_PATH: {tmp_path / 'db.sqlite3'} was made by a newer")
    assert "migration 9001" in line
    # Nothing was changed in the refused file.
    con = sqlite3.connect(tmp_path / "db.sqlite3")
    try:
        assert con.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] == 9001
    finally:
        con.close()


def test_a_database_from_a_newer_version_can_still_be_backed_up(tmp_path: Path) -> None:
    """The way out the message names works on the refused file."""
    good = _good_database(tmp_path)
    shutil.copy(good, tmp_path / "db.sqlite3")
    con = sqlite3.connect(tmp_path / "db.sqlite3")
    with con:
        con.execute("INSERT INTO schema_migrations VALUES (9001, 'x', '2030-01-01')")
    con.close()
    done = run_bot(tmp_path, "backup", str(tmp_path / "copy.sqlite3"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "copy.sqlite3").stat().st_size > 0
