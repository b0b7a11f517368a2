"""How every reflection answers: privately, in rows of buttons, and ``in_memory`` so nothing a
person answered touches disk on its way out."""

from __future__ import annotations

from dataclasses import replace

from bot.core.replies import Attachment, Choice, Reply


def private(
    text: str,
    choices: list[Choice] | None = None,
    *,
    replace_pressed: bool = False,
    attachment: Attachment | None = None,
    per_row: int = 2,
) -> Reply:
    reply = Reply.with_choices(text, choices or [], per_row=per_row, replace=replace_pressed)
    return replace(reply, attachment=attachment, in_memory=True)
