"""Choosing a self-care prompt and dressing it as a message, for a person or a space.

Rotation: an audience (a person, or a space) sees every prompt of a theme once before any
prompt of it comes again; then a new round starts, never with the prompt that closed the last
one. Only prompt ids are kept for this. The buttons on a prompt are for the person's own use
(an exercise, saving it, "not now", and on scheduled ones pause and stop); pressing "not now"
or trying an exercise is never recorded.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.content.schema.prompts import Prompt, PromptsFile, Theme
from bot.content.sources import PROMPTS, TEXTS
from bot.core import markup
from bot.core.context import Context
from bot.core.replies import Choice, Privacy, Reply
from bot.outbox import Destination
from bot.storage.schedules import ScheduleRow
from bot.storage.selfcare import Audience, RoundChange

ORIGIN = "feature:selfcare"
PERSONAL_KIND = "selfcare.prompt"
SPACE_KIND = "selfcare.space"
PAUSE_BUTTON_DAYS = 7


@dataclass(frozen=True, slots=True)
class Picked:
    theme: Theme
    prompt: Prompt
    new_round: bool  # the first of a round: a good moment for the theme's intro


def prompts_file(ctx: Context) -> PromptsFile:
    return ctx.content[PROMPTS]


def themes_of(payload: Any) -> list[str]:
    """The theme ids a schedule asked for (an empty list means a mix of all)."""
    themes = payload.get("themes", []) if hasattr(payload, "get") else []
    return [str(t) for t in themes] if isinstance(themes, list) else []


async def pick(ctx: Context, audience: Audience, theme_ids: Sequence[str]) -> Picked:
    """One prompt from one of the themes (all themes if none, or none of them still exist)."""
    (picked,) = await pick_many(ctx, [(audience, theme_ids)])
    return picked


async def pick_many(ctx: Context, wanted: Sequence[tuple[Audience, Sequence[str]]]) -> list[Picked]:
    """:func:`pick` for many audiences at once (a burst of due prompts): every round is read
    in one go and every change written in one transaction. An audience asked for twice gets
    two different prompts, as two picks one after the other would give."""
    picked, moved = await choose_many(ctx, wanted)
    await ctx.repo.selfcare.save_rounds(moved)
    return picked


async def choose_many(
    ctx: Context, wanted: Sequence[tuple[Audience, Sequence[str]]]
) -> tuple[list[Picked], list[RoundChange]]:
    """:func:`pick_many` without writing: the picks, and how the rounds moved on (for
    :meth:`~bot.storage.selfcare.SelfcareRepository.save_rounds`). A burst writes them last,
    so the reading and choosing come before its transaction begins."""
    file = prompts_file(ctx)
    rounds = await ctx.repo.selfcare.seen_many(audience for audience, _ in wanted)
    changes: dict[tuple[Audience, str], RoundChange] = {}
    picked: list[Picked] = []
    # What every pick of a burst would otherwise work out again: the themes a list of theme
    # ids means, and each theme's prompt ids (in order, as a set, and each id's prompt).
    pools: dict[tuple[str, ...], list[Theme]] = {}
    known: dict[int, _ThemeIds] = {}
    for audience, theme_ids in wanted:
        pool = pools.get(tuple(theme_ids))
        if pool is None:
            chosen_themes = [t for t in (file.theme(i) for i in theme_ids) if t is not None]
            pool = pools[tuple(theme_ids)] = chosen_themes or list(file.themes)
        theme = random.choice(pool)
        ids = known.get(id(theme))
        if ids is None:
            ids = known[id(theme)] = _ThemeIds(theme)
        seen = rounds.setdefault(audience, {}).setdefault(theme.id, [])
        change = changes.get((audience, theme.id))
        if change is None:
            change = RoundChange(audience, theme.id, False, ())
        unseen = [i for i in ids.order if i not in seen]
        new_round = ids.every.isdisjoint(seen)
        if not unseen:
            last = seen[-1] if len(ids.order) > 1 else None
            seen[:] = [last] if last is not None else []
            change = RoundChange(audience, theme.id, True, tuple(seen))
            unseen = [i for i in ids.order if i != last]
            new_round = True
        chosen = random.choice(unseen)
        seen.append(chosen)
        changes[(audience, theme.id)] = RoundChange(
            audience, theme.id, change.restarted, (*change.added, chosen)
        )
        picked.append(Picked(theme, ids.prompt[chosen], new_round))
    return picked, list(changes.values())


class _ThemeIds:
    """A theme's prompt ids in order, as a set, and the (first) prompt of each id."""

    __slots__ = ("every", "order", "prompt")

    def __init__(self, theme: Theme) -> None:
        self.order = [p.id for p in theme.prompts]
        self.every = frozenset(self.order)
        self.prompt: dict[str, Prompt] = {}
        for p in theme.prompts:
            self.prompt.setdefault(p.id, p)


def prompt_text(theme: Theme, prompt: Prompt, *, intro: bool) -> str:
    parts = [f"**{markup.escape(theme.label)}**"]
    if intro and theme.intro is not None:
        quote = markup.escape(theme.intro.text)
        parts.append(f"*“{quote}”*\n— {markup.escape(theme.intro.seed)}")
    parts.append(markup.escape(prompt.text))
    return "\n\n".join(parts)


def prompt_reply(
    ctx: Context, picked: Picked, *, scheduled: bool = False, in_space: bool = False
) -> Reply:
    """The prompt with its buttons. In a space anyone may try the exercise or save it for
    themselves; pause and stop only sit on a person's own scheduled prompts."""
    file = prompts_file(ctx)
    rows: list[tuple[Choice, ...]] = []
    exercise = file.exercise(picked.prompt.exercise) if picked.prompt.exercise else None
    if exercise is not None:
        rows.append(
            (Choice(exercise.button, "selfcare.exercise", {"exercise": exercise.id}, anyone=True),)
        )
    save = Choice(
        ctx.text("selfcare.button_save"),
        "selfcare.save",
        {"prompt": picked.prompt.id},
        anyone=in_space,
    )
    if in_space:
        rows.append((save,))
    else:
        rows.append((save, Choice(ctx.text("selfcare.button_not_now"), "selfcare.not_now")))
    if scheduled and not in_space:
        rows.append(
            (
                Choice(
                    ctx.text("selfcare.button_pause_week"),
                    "selfcare.pause",
                    {"days": PAUSE_BUTTON_DAYS},
                ),
                Choice(ctx.text("selfcare.button_stop"), "selfcare.stop"),
            )
        )
    text = prompt_text(picked.theme, picked.prompt, intro=picked.new_round)
    privacy = Privacy.SPACE if in_space else Privacy.PERSONAL
    return Reply(text, tuple(rows), privacy)


async def personal_prompt(
    ctx: Context, person_id: int, theme_ids: Sequence[str], *, scheduled: bool = False
) -> Reply:
    (reply,), moved = await choose_personal_prompts(
        ctx, [(person_id, theme_ids)], scheduled=scheduled
    )
    await ctx.repo.selfcare.save_rounds(moved)
    return reply


async def choose_personal_prompts(
    ctx: Context, wanted: Sequence[tuple[int, Sequence[str]]], *, scheduled: bool = False
) -> tuple[list[Reply], list[RoundChange]]:
    """A prompt for each person (with the themes they asked for), chosen together, and how
    their rounds moved on, not yet written (see :func:`choose_many`). People who drew the same
    prompt get the same reply (see :func:`_dressed`)."""
    picks, moved = await choose_many(ctx, [(Audience(person_id=p), themes) for p, themes in wanted])
    dressed = _dressed(ctx)
    replies = []
    for picked in picks:
        key = (picked.theme.id, picked.prompt.id, picked.new_round, scheduled)
        reply = dressed.get(key)
        if reply is None:
            reply = dressed[key] = prompt_reply(ctx, picked, scheduled=scheduled)
        replies.append(reply)
    return replies, moved


_DRESSED = "selfcare.dressed"


def _dressed(ctx: Context) -> dict[tuple[str, str, bool, bool], Reply]:
    """Personal prompts as dressed for the content loaded now, by theme, prompt, whether it
    opens a round and whether it was scheduled. A personal reply names no one (its buttons
    are tied to nobody), so a burst of thousands of due prompts dresses each of the few
    dozen prompts once instead of once a person. Kept for this run only and started afresh
    when the prompts or the wording are reloaded."""
    made = (prompts_file(ctx), ctx.content[TEXTS])
    kept = ctx.memory.get(_DRESSED)
    if kept is None or kept[0][0] is not made[0] or kept[0][1] is not made[1]:
        kept = ctx.memory[_DRESSED] = (made, {})
    replies: dict[tuple[str, str, bool, bool], Reply] = kept[1]
    return replies


async def may_receive_space_prompts(ctx: Context, destination: Destination) -> bool:
    """The one place that decides whether a conversation may get space prompts.

    For now: any group or channel (never a private chat). When peer spaces are registered
    (membership work), this should also check that ``destination`` is a registered peer
    space, so prompts never go to a conversation that is not one.
    """
    return destination.kind == "chat"


async def personal_schedules(ctx: Context, person_id: int) -> list[ScheduleRow]:
    return await ctx.repo.schedules.for_person(person_id, PERSONAL_KIND)


async def space_schedules(ctx: Context, target: str) -> list[ScheduleRow]:
    return await ctx.repo.schedules.for_target(target, SPACE_KIND)
