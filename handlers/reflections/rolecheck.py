"""/rolecheck: "Is that really part of a peer role?", a private reflection on one task.

Peers in the seeds describe drifting into tasks that aren't peer work. The Provider's Handbook
gives three tests (busy work, agenda, power imbalance) and a chart of tasks; this walks a peer
through them by buttons: pick a task (or type your own), answer four short questions, and get
the handbook's reasoning for that task, words to raise it, and where to look for support.

Nothing is kept: answers live in memory until the reflection ends, and every reply goes out
``in_memory``, so nothing of it touches disk. No one else is told anything.
"""

from __future__ import annotations

from bot.content.schema.reflections import Question, RolecheckFile, Task
from bot.content.sources import RESOURCES, ROLECHECK
from bot.core import markup
from bot.core.commands import Command, Option, Router
from bot.core.context import Context, Request
from bot.core.replies import Choice, Replies, Reply
from bot.storage.reflections import InProgress
from handlers.reflections.reply import private

router = Router("rolecheck")
KIND = "rolecheck"


def _file(ctx: Context) -> RolecheckFile:
    return ctx.content[ROLECHECK]


async def start(ctx: Context, req: Request) -> Replies:
    """``/rolecheck`` shows the handbook's tasks; ``/rolecheck <words>`` starts on their own."""
    own = str(req.args.get("task") or "").strip()
    if own:
        ctx.repo.reflections.in_progress[req.person.id] = InProgress(KIND, task=own)
        return _ask(ctx, req, 0)
    ctx.repo.reflections.in_progress.pop(req.person.id, None)
    choices = [Choice(t.label, "rolecheck.task", {"t": t.id}) for t in _file(ctx).tasks]
    choices.append(Choice(ctx.text("reflections.button_own_task"), "rolecheck.own"))
    return private(ctx.text("reflections.rolecheck_start"), choices)


@router.action("own")
async def own_task(ctx: Context, req: Request) -> Replies:
    return private(ctx.text("reflections.own_task"))


@router.action("task")
async def pick_task(ctx: Context, req: Request) -> Replies:
    task = _task(ctx, str(req.args.get("t", "")))
    if task is None:
        return private(ctx.text("reflections.gone", command="rolecheck"))
    ctx.repo.reflections.in_progress[req.person.id] = InProgress(KIND, task=task.id)
    return _ask(ctx, req, 0, replace=True)


@router.action("answer")
async def answer(ctx: Context, req: Request) -> Replies:
    held = ctx.repo.reflections.in_progress.get(req.person.id)
    questions = _file(ctx).questions
    step = int(str(req.args.get("q", -1)))
    if held is None or held.kind != KIND or not 0 <= step < len(questions):
        return private(ctx.text("reflections.gone", command="rolecheck"))
    question = questions[step]
    if str(req.args.get("a")) not in {a.id for a in question.answers}:
        return private(ctx.text("reflections.gone", command="rolecheck"))
    held.answers[question.id] = str(req.args["a"])
    if step + 1 < len(questions):
        return _ask(ctx, req, step + 1, replace=True)
    del ctx.repo.reflections.in_progress[req.person.id]
    return reflect(ctx, held)


def _task(ctx: Context, task_id: str) -> Task | None:
    return next((t for t in _file(ctx).tasks if t.id == task_id), None)


def _task_name(ctx: Context, held: InProgress) -> str:
    task = _task(ctx, held.task)
    return task.label if task is not None else markup.quote(held.task)


def _ask(ctx: Context, req: Request, step: int, *, replace: bool = False) -> Reply:
    held = ctx.repo.reflections.in_progress[req.person.id]
    question: Question = _file(ctx).questions[step]
    text = ctx.text(
        "reflections.question",
        task=_task_name(ctx, held),
        step=step + 1,
        question=markup.escape(question.text),
    )
    choices = [
        Choice(a.label, "rolecheck.answer", {"q": step, "a": a.id}) for a in question.answers
    ]
    return private(text, choices, replace_pressed=replace)


def reflect(ctx: Context, held: InProgress) -> Reply:
    """The handbook's reasoning for this task and these answers: which of the three tests the
    answers point to, whether it is occasional or routine, and words to raise it."""
    content = _file(ctx)
    chosen = {
        q.id: next(a for a in q.answers if a.id == held.answers[q.id]) for q in content.questions
    }
    raised = {a.raises for a in chosen.values() if a.raises is not None}
    routine = any(a.routine for a in chosen.values())
    task = _task(ctx, held.task)
    lines = [ctx.text("reflections.reflection_head", task=_task_name(ctx, held))]
    if task is not None:
        lines += [
            ctx.text("reflections.fits_line", text=markup.escape(task.fits)),
            ctx.text("reflections.not_fits_line", text=markup.escape(task.not_fits)),
            markup.escape(task.why),
        ]
    if raised:
        lines.append("")
        lines.append(ctx.text("reflections.signs"))
        lines += [
            ctx.text("reflections.sign_line", name=t.name, meaning=markup.escape(t.meaning))
            for t in content.tests
            if t.id in raised
        ]
        lines.append(markup.escape(content.routine if routine else content.occasional))
        lines += ["", ctx.text("reflections.words_head")]
        lines += [markup.escape(words) for words in content.raise_it]
    else:
        lines += ["", markup.escape(content.fits)]
        if routine:
            lines.append(markup.escape(content.routine))
    lines += [
        "",
        ctx.text(
            "reflections.credit",
            title=markup.escape(content.source.title),
            where=markup.escape(content.source.where),
        ),
    ]
    topics = {t.id: t.label for t in ctx.content[RESOURCES].file.topics}
    choices = [
        Choice(topics[topic], "resources.topic", {"topic": topic})
        for topic in content.topics
        if topic in topics
    ]
    choices.append(Choice(ctx.text("reflections.button_another"), "rolecheck.again"))
    return private("\n".join(lines), choices)


@router.action("again")
async def again(ctx: Context, req: Request) -> Replies:
    return await start(ctx, req)


router.command(
    Command(
        "rolecheck",
        "Is that really part of a peer role? A private check of one task",
        start,
        options=(Option("task", "A task in your own words (optional)", greedy=True),),
    )
)
