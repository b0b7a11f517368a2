"""Disk full while running: /crisis always answers, writes get a plain answer, nothing queued
is lost, and the service recovers by itself when space returns.

Regression: with the disk full, replies stopped (``/crisis`` included: minting its buttons and
queueing the answer are writes) and the console ended with a traceback.

The disk is real: ``disk_full_scenario`` runs under ``unshare -rm`` (no privileges needed) on
a 4 MiB tmpfs that it fills, so SQLite itself answers "database or disk is full".
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import REPO

CANNOT_SAVE = "I can't save anything right now: the bot's disk is full."


def test_disk_full_while_running_crisis_answers_and_the_service_recovers(
    tmp_path: Path,
) -> None:
    unshare = shutil.which("unshare")
    assert unshare is not None, "util-linux's unshare is needed to mount a small disk"
    disk = tmp_path / "disk"
    disk.mkdir()
    done = subprocess.run(
        [unshare, "-rm", sys.executable, "-m", "tests.platforms.disk_full_scenario", str(disk)],
        capture_output=True,
        text=True,
        timeout=120,  # a safety net only
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    # /crisis needs no write: it answers in full, and its buttons work (from memory).
    assert "Call or text 988" in seen["crisis"] and "[1]" in seen["crisis"]
    assert "Hope for Wellness Helpline" in seen["crisis_button"]
    # What must write says so plainly; what only reads still answers.
    assert seen["timezone_full"].startswith(CANNOT_SAVE)
    assert seen["invite_full"].startswith(CANNOT_SAVE)
    assert "went wrong" not in seen["timezone_full"] + seen["invite_full"]
    assert "/crisis" in seen["help_full"]
    # Space returns: the same command works, with no restart.
    assert "Timezone: America/Toronto" in seen["timezone_after"]
    assert "Call or text 988" in seen["crisis_after"]
    # Nothing queued before the disk filled was lost; the console never stopped.
    assert seen["still_queued"] == seen["queued_ids"] == 3
    assert seen["console_running"] is True
    assert seen["errors"] == [] and seen["full_warnings"] >= 3
    assert "Traceback" not in done.stderr
