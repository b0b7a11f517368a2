"""Wording files that would leave the bot without words are refused when they are loaded.

Regression: a renamed key (``eror:`` for ``error:``) or placeholder (``{cmd}`` for
``{command}``) passed ``check-content`` and ``/reload``, after which errors had no text to
send (no answer on Telegram, a traceback on the console); and an unquoted text was cut short
at `` #`` (``/members -1`` answered "…member number (like").
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content.problems import ContentError
from bot.content.texts import load_texts
from bot.content.wording import scan
from tests.helpers import CONTENT, console_service, make_settings
from tests.test_cli import run_bot


def _content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(CONTENT, folder)
    return folder


def _edit(folder: Path, name: str, old: str, new: str) -> int:
    """Change one wording file; returns the line the change is on."""
    path = folder / "texts" / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return 1 + text[: text.index(old)].count("\n")


def test_a_renamed_key_fails_check_content_naming_file_and_key(tmp_path: Path) -> None:
    folder = _content(tmp_path)
    _edit(folder, "core.yaml", "\nerror: ", "\neror: ")
    done = run_bot(tmp_path, "check-content", CONTENT_DIR=str(folder))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "texts/core.yaml: the text 'error' is missing; the bot needs it" in done.stderr


def test_a_renamed_placeholder_fails_check_content_naming_file_key_and_placeholder(
    tmp_path: Path,
) -> None:
    folder = _content(tmp_path)
    line = _edit(
        folder, "core.yaml", "I don't know /{command}. /help", "I don't know /{cmd}. /help"
    )
    done = run_bot(tmp_path, "check-content", CONTENT_DIR=str(folder))
    assert done.returncode == 2
    assert (
        f"texts/core.yaml:{line} — entry unknown: {{cmd}} is not filled in by the bot here;"
        " it fills: {command}"
    ) in done.stderr


def test_a_text_cut_short_by_a_hash_fails_check_content(tmp_path: Path) -> None:
    folder = _content(tmp_path)
    path = folder / "texts" / "membership.yaml"
    lines = path.read_text().splitlines()
    [line] = [n for n, text in enumerate(lines, start=1) if text.startswith("not_a_member:")]
    lines[line - 1] = (  # as it was shipped: unquoted
        "not_a_member: I can't find a member by that. Use their member number (like #12,"
        " from /members), or reply to one of their messages."
    )
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ContentError) as caught:
        load_texts(folder)
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.entry) == (
        "texts/membership.yaml",
        line,
        "not_a_member",
    )
    assert "stops at ' #'" in problem.message and "double quotes" in problem.message


async def test_reload_refuses_a_renamed_key_and_errors_still_have_words(tmp_path: Path) -> None:
    folder = _content(tmp_path)
    async with console_service(make_settings(tmp_path, content_dir=folder)) as (_, console):
        _edit(folder, "core.yaml", "\nerror: ", "\neror: ")
        _edit(folder, "core.yaml", "know /{command}. /help", "know /{cmd}. /help")
        refused = await console.say("/reload")
        unknown = await console.say("/qqqq")
    assert "I kept the content as it was: the new files have 2 problem(s)" in refused
    assert "the text 'error' is missing" in refused and "{cmd} is not filled in" in refused
    assert "I don't know /qqqq. /help lists what you can use." in unknown


def test_every_call_site_of_the_wording_is_read() -> None:
    """New code must ask for wording in a way the load-time check can read; and the ways the
    code builds keys today are all understood."""
    found = scan()
    assert found.unread == (), (
        f"these calls build their wording key in a way bot/content/wording.py cannot read:"
        f" {found.unread}; use a literal, an f-string, a name or parameter set to those,"
        " or a module-level table"
    )
    by_where = {(u.where, u.key) for u in found.uses}
    keys = {u.key for u in found.uses}
    # a key chosen by `a if c else b`, then used: both, at the one call
    members = {w for w, k in by_where if k == "core.members_only"}
    assert any(
        w.startswith("core/dispatch.py:") and (w, "core.role_only") in by_where for w in members
    )
    # a parameter with a default, and what callers in another module pass
    assert {"membership.last_steward", "membership.last_steward_leaving"} <= keys
    # a parameter filled by callers; the values of a dict in a loop; `key + "_button"`
    assert {"selfcare.which_themes", "selfcare.which_remove"} <= keys
    assert {"selfcare.preset_weekday_mornings", "selfcare.space_preset_monday"} <= keys
    assert any(k.endswith("_button") and k.startswith("crisis.") for k in keys)
    # an f-string is a pattern, with the placeholders given there
    [finding] = [u for u in found.uses if u.pattern is not None and "finding_" in u.key]
    assert finding.given is not None and {"space", "who"} <= finding.given
    assert finding.matches("spaces.finding_public_link")
