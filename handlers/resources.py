"""/resources: the curated directory, searched by a few words and filters.

"Biggest obstacle is knowing they are there" (seed 002). Five short cards at a time, with a
"more" button; crisis lines first when the words say someone may need support now (their words
then not echoed back); a misspelling offered as "did you mean"; and nothing found said plainly,
with topics to browse and a command that may help, never padded with unrelated cards.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from weakref import WeakKeyDictionary

from bot.content.schema.common import Cost, Format
from bot.content.schema.crisis import CrisisGroup
from bot.content.schema.resources import Resource
from bot.content.sources import CRISIS, DISTRESS, GLOSSARY, PROMPTS, RESOURCES
from bot.content.store import Content
from bot.core import markup
from bot.core.commands import Command, Option, OptionType, Router
from bot.core.context import Context, Request
from bot.core.dates import day_month_year
from bot.core.errors import UserFacingError
from bot.core.replies import Choice, Replies, Reply
from bot.directory.glossary import exact
from bot.directory.regions import LABELS, REGION_OPTION, region_filter
from bot.directory.resources import Found, Query, ResourceDirectory
from bot.directory.words import words as query_words

router = Router("resources")
PAGE = 5
TOPIC_BUTTONS = 9


#: Cards already written, per loaded version of the content (the entry and the wording both
#: come from it): paging and repeated searches do not format the same entries again.
_cards: WeakKeyDictionary[Content, dict[str, str]] = WeakKeyDictionary()


@lru_cache(maxsize=1024)
def checked(day: date) -> str:
    return day_month_year(day)


def card(ctx: Context, r: Resource) -> str:
    """One entry in at most six short lines: name, what it is, how to reach it, when checked."""
    made = _cards.setdefault(ctx.content.current, {})
    shown = made.get(r.id)
    if shown is None:
        shown = made[r.id] = _card(ctx, r)
    return shown


def _card(ctx: Context, r: Resource) -> str:
    lines = [f"**{markup.escape(r.name)}**", markup.escape(r.summary)]
    reach = [ctx.text("resources.card_call", phone=markup.escape(r.phone))] if r.phone else []
    if r.address and not r.phone:
        reach.append(markup.escape(r.address))
    if r.hours:
        reach.append(markup.escape(r.hours))
    if reach:
        lines.append(" · ".join(reach))
    if r.url:
        lines.append(markup.escape(str(r.url)))
    notes = [ctx.text(f"resources.cost_{r.cost.value.replace('-', '_')}")]
    if r.indigenous_led:
        notes.append(ctx.text("resources.tag_indigenous"))
    if r.peer_run:
        notes.append(ctx.text("resources.tag_peer"))
    if r.confirmed and r.verified:
        notes.append(ctx.text("resources.card_checked", date=checked(r.verified)))
    else:
        notes.append(ctx.text("resources.card_unconfirmed"))
    lines.append("*" + " · ".join(notes) + "*")
    return "\n".join(lines)


def page_reply(ctx: Context, head: str, ids: Sequence[str], start: int, key: str) -> Reply:
    """Cards ``start``..``start+PAGE`` of a remembered list, with "more" if any are left."""
    directory = ctx.content[RESOURCES]
    shown = [r for r in (directory.get(i) for i in ids[start : start + PAGE]) if r is not None]
    text = "\n\n".join([*([head] if head else []), *(card(ctx, r) for r in shown)])
    left = len(ids) - start - PAGE
    if left <= 0:
        return Reply(text)
    more = Choice(
        ctx.text("resources.more_button", left=left),
        "resources.more",
        {"list": key, "at": start + PAGE},
        in_memory=True,  # the list it pages through is held in memory only
    )
    return Reply.with_choices(text, [more])


def topic_buttons(ctx: Context, directory: ResourceDirectory) -> list[Choice]:
    return [
        Choice(t.label, "resources.topic", {"topic": t.id})
        for t in directory.topics[:TOPIC_BUTTONS]
    ]


def crisis_block(ctx: Context) -> Reply:
    lines = [ctx.text("resources.crisis_first")]
    lines += [
        f"**{markup.escape(line.name)}**: {markup.escape(line.reach)}"
        for line in ctx.content[CRISIS].shown(CrisisGroup.ALWAYS)
    ]
    button = Choice(
        ctx.text("resources.crisis_button"), "crisis.group", {"group": "always"}, anyone=True
    )
    return Reply.with_choices("\n".join(lines), [button])


def read_query(ctx: Context, req: Request) -> Query:
    """The typed options as a Query; a region or topic nobody knows is said plainly."""
    directory = ctx.content[RESOURCES]
    args = req.args
    text = str(args.get("words", ""))
    region = region_filter(ctx, args.get("region"))
    topic = None
    if args.get("topic"):
        found = directory.find_topic(str(args["topic"]))
        if found is None:
            raise UserFacingError(
                ctx.text("resources.unknown_topic", topic=markup.quote(str(args["topic"])))
            )
        topic = found.id
    fmt = Format(str(args["format"])) if args.get("format") else None
    cost = Cost(str(args["cost"])) if args.get("cost") else None
    return Query(
        text=text,
        topic=topic,
        region=region,
        cost=Cost.FREE if args.get("free") else cost,
        format=Format.ONLINE if args.get("online") else fmt,
        indigenous=bool(args.get("indigenous")),
        peer=bool(args.get("peer")),
        crisis=ctx.content[DISTRESS].recognises(text),
    )


async def search(ctx: Context, req: Request) -> Replies:
    directory = ctx.content[RESOURCES]
    query = read_query(ctx, req)
    if not query.text.strip() and not query.filtered:
        return Reply.with_choices(ctx.text("resources.ask"), topic_buttons(ctx, directory))
    found = directory.search(query)
    replies = [crisis_block(ctx)] if query.crisis else []
    if not found.resources:
        return [*replies, nothing_found(ctx, directory, query, found)]
    return [*replies, results(ctx, directory, query, found)]


def results(ctx: Context, directory: ResourceDirectory, query: Query, found: Found) -> Reply:
    words = query.text.strip()
    if found.corrected and not query.crisis:
        typed = ", ".join(found.corrected)
        fixed = ", ".join(found.corrected.values())
        head = ctx.text(
            "resources.did_you_mean_found", typed=markup.quote(typed), fixed=markup.quote(fixed)
        )
    elif words and not query.crisis:
        head = ctx.text("resources.found", words=markup.quote(words))
    else:  # someone who may need support now: their words are not echoed back (rule 2)
        head = ctx.text("resources.found_filtered", count=len(found.resources))
    if found.partial:
        head += "\n" + ctx.text("resources.partial")
    if query.filtered:
        head += "\n" + ctx.text("resources.filters", filters=filters_line(ctx, directory, query))
    ids = [r.id for r in found.resources]
    return page_reply(ctx, head, ids, 0, directory.pages.remember(ids))


def filters_line(ctx: Context, directory: ResourceDirectory, query: Query) -> str:
    """The filters a search used, in words, so nobody wonders why results are few."""
    shown = []
    if query.topic:
        topic = directory.find_topic(query.topic)
        shown.append(topic.label if topic else query.topic)
    if query.region:
        shown.append(LABELS[query.region])
    if query.cost:
        shown.append(ctx.text(f"resources.cost_{query.cost.value.replace('-', '_')}").lower())
    if query.format:
        shown.append(query.format.value.replace("-", " "))
    if query.indigenous:
        shown.append(ctx.text("resources.tag_indigenous"))
    if query.peer:
        shown.append(ctx.text("resources.tag_peer"))
    return markup.escape(" · ".join(shown))


def nothing_found(ctx: Context, directory: ResourceDirectory, query: Query, found: Found) -> Reply:
    """Said plainly, never padded with unrelated cards: the same words without filters, the
    topics to browse (close ones first), and a command that may help with those words."""
    words = query.text.strip()
    if words and not query.crisis:
        lines = [ctx.text("resources.nothing", words=markup.quote(words))]
    elif words:
        lines = [ctx.text("resources.nothing_quiet")]
    else:
        lines = [ctx.text("resources.nothing_filtered")]
    choices: list[Choice] = []
    if query.filtered and words:
        wider = directory.search(query.unfiltered())
        if wider.resources:
            ids = [r.id for r in wider.resources]
            lines.append(ctx.text("resources.without_filters", count=len(ids)))
            choices.append(
                Choice(
                    ctx.text("resources.without_filters_button"),
                    "resources.more",
                    {"list": directory.pages.remember(ids), "at": 0},
                    in_memory=True,
                )
            )
    close = directory.close_topics(words) if words else []
    rest = [t for t in directory.topics if t not in close]
    lines.append(ctx.text("resources.browse"))
    choices += [
        Choice(t.label, "resources.topic", {"topic": t.id}) for t in [*close, *rest][:TOPIC_BUTTONS]
    ]
    lines.append(related_command(ctx, words))
    return Reply.with_choices("\n".join(lines), choices)


def related_command(ctx: Context, words: str) -> str:
    """Another command that may answer the same words: a self-care theme ("/selfcare
    grief-and-loss"), a glossary term ("/glossary efap"), or the glossary in general."""
    prompts = ctx.content[PROMPTS]
    glossary = ctx.content[GLOSSARY]
    for word in query_words(words):
        theme = prompts.find_theme(word) if len(word) >= 4 else None
        if theme is not None:
            return ctx.text("resources.try_selfcare", command=f"/selfcare {theme.id}")
        if exact(glossary, word) is not None:
            return ctx.text("resources.try_glossary", command=f"/glossary {word}")
    return ctx.text("resources.try_glossary_any")


@router.action("more")
async def more(ctx: Context, req: Request) -> Replies:
    directory = ctx.content[RESOURCES]
    key = str(req.args.get("list", ""))
    ids = directory.pages.recall(key)
    if ids is None:
        return Reply(ctx.text("resources.page_expired"))
    return page_reply(ctx, "", ids, int(req.args.get("at", 0)), key)


@router.action("topic")
async def browse_topic(ctx: Context, req: Request) -> Replies:
    directory = ctx.content[RESOURCES]
    topic = directory.find_topic(str(req.args.get("topic", "")))
    if topic is None:
        return Reply.with_choices(ctx.text("resources.browse"), topic_buttons(ctx, directory))
    ids = [r.id for r in directory.search(Query(topic=topic.id)).resources]
    head = ctx.text("resources.topic_head", topic=markup.escape(topic.label))
    return page_reply(ctx, head, ids, 0, directory.pages.remember(ids))


async def topic_suggestions(ctx: Context, req: Request, partial: str) -> Sequence[str]:
    needle = partial.strip().lower()
    topics = ctx.content[RESOURCES].topics
    return [t.id for t in topics if needle in t.id or needle in t.label.lower()]


router.command(
    Command(
        "resources",
        "Find resources: /resources naloxone, /resources grief region:north",
        search,
        options=(
            Option("words", "What you're looking for, e.g. naloxone", greedy=True),
            Option("topic", "A topic", keyword=True, autocomplete=topic_suggestions),
            REGION_OPTION,
            Option(
                "cost", "free, low-cost, paid", keyword=True, choices=tuple(c.value for c in Cost)
            ),
            Option(
                "format",
                "online, phone, in-person…",
                keyword=True,
                choices=tuple(f.value for f in Format),
            ),
            Option("free", "Only free ones", OptionType.BOOLEAN),
            Option("online", "Only online ones", OptionType.BOOLEAN),
            # Keyword-only (indigenous:yes, peer:yes): as bare words they are what people
            # search for ("peer support"), not filters.
            Option("indigenous", "Only Indigenous-led ones", OptionType.BOOLEAN, keyword=True),
            Option("peer", "Only peer-run ones", OptionType.BOOLEAN, keyword=True),
        ),
    )
)
