"""/selfcare: gentle, optional self-care prompts, now or at times that fit shift work.

``/selfcare`` gives one prompt straight away (``/selfcare grief`` picks the theme), with theme
buttons for another and, if the person has a schedule, a line about it with pause and stop.
Schedules live in ``schedule`` (a person's own) and ``space`` (a peer
space's); choosing and dressing a prompt lives in ``prompts``. Nothing records how
anyone reacted to a prompt: only a prompt the person chose to save is kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core import markup
from bot.core.commands import Access, Command, Option, Router, Scope
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.replies import Choice, Privacy, Replies, Reply
from bot.storage.schedules import ScheduleRow
from handlers.selfcare import pause as pausing
from handlers.selfcare import schedule, space
from handlers.selfcare.prompts import (
    ORIGIN,
    PERSONAL_KIND,
    SPACE_KIND,
    choose_personal_prompts,
    personal_prompt,
    personal_schedules,
    prompts_file,
    themes_of,
)

router = Router("selfcare")
MAX_SAVED = 15


def theme_picker(ctx: Context, hint: str) -> Reply:
    themes = prompts_file(ctx).themes
    choices = [Choice(t.label, "selfcare.theme", {"theme": t.id}) for t in themes]
    per_row = min(5, max(3, -(-len(choices) // 5)))  # Discord shows at most five rows
    return Reply.with_choices(hint, choices, per_row=per_row)


async def now(ctx: Context, req: Request) -> Replies:
    """One prompt now; with no theme, also theme buttons and the person's schedule."""
    person = req.person
    wanted = str(req.args.get("theme", "")).strip()
    if wanted:
        theme = prompts_file(ctx).find_theme(wanted)
        if theme is None:
            raise UserFacingError(
                ctx.text(
                    "selfcare.unknown_theme",
                    theme=markup.quote(wanted),
                    themes=", ".join(t.id for t in prompts_file(ctx).themes),
                )
            )
        return await personal_prompt(ctx, person.id, [theme.id])
    replies = [await personal_prompt(ctx, person.id, [])]
    rows = await personal_schedules(ctx, person.id)
    hint = ctx.text("selfcare.pick_theme")
    if not rows:
        hint += "\n" + ctx.text("selfcare.schedule_offer")
    replies.append(theme_picker(ctx, hint))
    if rows:
        tz = ctx.timezone_of(person)
        lines = [schedule.schedule_line(ctx, row, tz) for row in rows]
        held = schedule.paused_until(ctx, rows)
        if held is not None:
            lines.append(ctx.text("selfcare.paused_line", date=schedule.local_date(held, tz)))
        hold = (
            Choice(ctx.text("selfcare.button_resume"), "selfcare.resume")
            if held is not None
            else Choice(ctx.text("selfcare.button_pause"), "selfcare.pause_menu")
        )
        replies.append(
            Reply.with_choices(
                ctx.text("selfcare.your_schedule", lines="\n".join(lines)),
                [
                    hold,
                    Choice(ctx.text("selfcare.button_stop"), "selfcare.stop"),
                    Choice(ctx.text("selfcare.button_change"), "selfcare.overview"),
                ],
            )
        )
    return replies


async def theme_suggestions(ctx: Context, req: Request, partial: str) -> Sequence[str]:
    """Theme ids for what is being typed; after a comma, for the last theme in a list."""
    head, sep, last = partial.rpartition(",")
    needle = last.strip().lower()
    return [
        f"{head}{sep}{t.id}"
        for t in prompts_file(ctx).themes
        if needle in t.id or needle in t.label.lower()
    ]


@router.action("theme")
async def theme_button(ctx: Context, req: Request) -> Replies:
    theme = prompts_file(ctx).theme(str(req.args.get("theme")))
    return await personal_prompt(ctx, req.person.id, [theme.id] if theme else [])


@router.action("exercise")
async def exercise(ctx: Context, req: Request) -> Replies:
    found = prompts_file(ctx).exercise(str(req.args.get("exercise")))
    if found is None:
        return Reply(ctx.text("selfcare.prompt_gone"))
    steps = [f"{n}. {markup.escape(step)}" for n, step in enumerate(found.steps, start=1)]
    return Reply("\n".join([f"**{markup.escape(found.title)}**", *steps]), privacy=Privacy.DISCREET)


@router.action("not_now")
async def not_now(ctx: Context, req: Request) -> Replies:
    """Puts the prompt away. Deliberately records nothing."""
    return Reply(ctx.text("selfcare.not_now"), replace=True)


# -- saved for later -----------------------------------------------------------------------


@router.action("save")
async def save(ctx: Context, req: Request) -> Replies:
    prompt_id = str(req.args.get("prompt"))
    if prompts_file(ctx).prompt(prompt_id) is None:
        return Reply(ctx.text("selfcare.prompt_gone"))
    saved = await ctx.repo.selfcare.saved(req.person.id)
    if prompt_id in saved:
        return Reply(ctx.text("selfcare.already_saved"))
    if len(saved) >= MAX_SAVED:
        raise UserFacingError(ctx.text("selfcare.saved_full", most=MAX_SAVED))
    await ctx.repo.selfcare.save(req.person.id, prompt_id)
    return Reply(ctx.text("selfcare.saved"))


async def saved_list(ctx: Context, req: Request, note: str = "") -> Reply:
    file = prompts_file(ctx)
    ids = await ctx.repo.selfcare.saved(req.person.id)
    lines = [note, ""] if note else []
    if not ids:
        lines.append(ctx.text("selfcare.saved_none"))
    else:
        lines.append(ctx.text("selfcare.saved_header"))
    for n, prompt_id in enumerate(ids, start=1):
        found = file.prompt(prompt_id)
        if found is None:
            lines.append(f"{n}. {ctx.text('selfcare.saved_missing')}")
        else:
            theme, prompt = found
            lines.append(f"{n}. {markup.escape(prompt.text)} *({markup.escape(theme.label)})*")
    choices = [
        Choice(ctx.text("selfcare.button_remove_n", n=n), "selfcare.unsave", {"prompt": i})
        for n, i in enumerate(ids, start=1)
    ]
    return Reply.with_choices(
        "\n".join(lines), choices, per_row=5, replace=req.message_id is not None
    )


async def saved(ctx: Context, req: Request) -> Replies:
    return await saved_list(ctx, req)


@router.action("unsave")
async def unsave(ctx: Context, req: Request) -> Replies:
    await ctx.repo.selfcare.unsave(req.person.id, str(req.args.get("prompt")))
    return await saved_list(ctx, req, ctx.text("selfcare.unsaved"))


# -- scheduled prompts ---------------------------------------------------------------------


@router.batch_job(PERSONAL_KIND)
async def send_to_people(ctx: Context, rows: Sequence[ScheduleRow]) -> None:
    """People's scheduled prompts, many at once when they fall due together (a whole batch
    of the sweep is a few reads and writes, not a few per person). The scheduler only runs
    a person's schedule while they are a member, outside their quiet hours and pauses."""
    wanted = [(row.person_id, themes_of(row.payload)) for row in rows if row.person_id]
    # Read and choose first, write last: the sweep's transaction (which a command's answer
    # waits for) begins with the first write, so the choosing keeps no one waiting.
    replies, moved = await choose_personal_prompts(ctx, wanted, scheduled=True)
    # Rounds before the messages: queuing hands them to the senders at once, so a write
    # failing after it would undo the rows but not the sends, and the scheduler's retry of
    # each row alone would send everyone their prompt a second time.
    await ctx.repo.selfcare.save_rounds(moved)
    await ctx.messenger.to_people(
        [(person_id, reply) for (person_id, _), reply in zip(wanted, replies, strict=True)],
        origin=ORIGIN,
    )


router.job(SPACE_KIND)(space.post)
router.on_chat_moved(space.follow_moved_chat)


async def overview(ctx: Context, req: Request) -> Replies:
    return await schedule.overview(ctx, req.person)


router.action("overview")(overview)
router.action("preset")(schedule.preset)
router.action("choose_themes")(schedule.choose_themes)
router.action("toggle_theme")(schedule.toggle_theme)
router.action("all_themes")(schedule.all_themes)
router.action("themes_done")(schedule.themes_done)
router.action("remove_menu")(schedule.remove_menu)
router.action("remove")(schedule.remove)
router.action("pause")(pausing.pause_button)
router.action("pause_menu")(pausing.pause_menu)
router.action("resume")(pausing.resume)
router.action("stop")(pausing.stop)
router.action("space_preset", access=Access.STEWARD)(space.preset_button)
router.action("space_remove", access=Access.STEWARD)(space.remove_button)

router.command(
    Command(
        "selfcare",
        "Self-care prompts, now or at times you choose",
        subcommands=(
            Command(
                "now",
                "A self-care prompt now",
                now,
                options=(
                    Option(
                        "theme",
                        "A theme, e.g. grounding or rest",
                        greedy=True,
                        autocomplete=theme_suggestions,
                    ),
                ),
            ),
            Command(
                "schedule",
                "Choose days, a time and themes for prompts",
                schedule.schedule,
                options=(
                    Option("days", "Days, e.g. mon,wed,fri or weekdays"),
                    Option("time", "A time in your timezone, e.g. 07:30"),
                    Option(
                        "themes",
                        "Themes, e.g. grounding,rest (none: a mix)",
                        greedy=True,
                        autocomplete=theme_suggestions,
                    ),
                ),
            ),
            Command(
                "pause",
                "Pause your prompts until a date",
                pausing.pause,
                options=(Option("until", "A date like 1 July, or a number of days", greedy=True),),
            ),
            Command("resume", "Start paused prompts again", pausing.resume),
            Command("stop", "Stop all your scheduled prompts", pausing.stop),
            Command("saved", "Prompts you saved for later", saved),
            Command(
                "space",
                "Prompts in this peer space on a schedule (stewards)",
                space.space,
                options=(
                    Option(
                        "when",
                        "e.g. 0 9 * * mon grounding, or weekdays 09:00 rest",
                        greedy=True,
                    ),
                ),
                access=Access.STEWARD,
                scope=Scope.SPACE,
            ),
        ),
        default="now",
    )
)
