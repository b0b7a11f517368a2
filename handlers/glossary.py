"""/glossary: acronyms and terms peers meet at work, in plain words."""

from __future__ import annotations

from bot.content.schema.glossary import Term
from bot.content.sources import GLOSSARY
from bot.core import markup
from bot.core.commands import Command, Option, Router
from bot.core.context import Context, Request
from bot.core.replies import Choice, Replies, Reply
from bot.directory.glossary import look_up

router = Router("glossary")


def explain(term: Term) -> str:
    head = f"**{markup.escape(term.term)}**"
    if term.aliases:
        head += f" ({markup.escape(', '.join(term.aliases))})"
    return f"{head}\n{markup.escape(term.meaning)}"


async def show(ctx: Context, req: Request) -> Replies:
    glossary = ctx.content[GLOSSARY]
    word = str(req.args.get("word", "")).strip()
    if not word:
        names = sorted((t.term for t in glossary.terms), key=str.casefold)
        listing = ", ".join(markup.escape(n) for n in names)
        return Reply(ctx.text("glossary.all", terms=listing))
    found = look_up(glossary, word)
    if found.term is not None:
        return Reply(explain(found.term))
    if found.suggestions:
        choices = [Choice(t.term, "glossary.term", {"term": t.term}) for t in found.suggestions]
        return Reply.with_choices(
            ctx.text("glossary.maybe", word=markup.quote(word)), choices, per_row=2
        )
    return Reply(ctx.text("glossary.unknown", word=markup.quote(word)))


@router.action("term")
async def term_button(ctx: Context, req: Request) -> Replies:
    return await show(ctx, Request(req.caller, {"word": req.args.get("term", "")}, "glossary"))


router.command(
    Command(
        "glossary",
        "What an acronym or term means: /glossary EFAP",
        show,
        options=(Option("word", "A term or acronym, e.g. 4C", greedy=True),),
    )
)
