"""Commands declared once: parsing text arguments, typed options, subcommands, access."""

from __future__ import annotations

from datetime import time

import pytest

from bot.content.sources import SOURCES, TEXTS
from bot.content.store import load_all
from bot.core.arguments import bind, parse_time, resolve
from bot.core.commands import (
    Access,
    Command,
    Option,
    OptionType,
    Registry,
    Router,
    Scope,
)
from bot.core.errors import UserFacingError
from bot.core.model import Person, Role
from tests.helpers import CONTENT

TEXT = load_all(CONTENT, SOURCES)[0][TEXTS]


def said(err: UserFacingError) -> str:
    """What the person would read."""
    return err.render(TEXT)


async def _noop(ctx: object, req: object) -> None:
    return None


SEARCH = Command(
    "resources",
    "Find resources",
    _noop,
    options=(
        Option("words", "What to look for", greedy=True),
        Option("region", "Where", keyword=True),
        Option("free", "Only free ones", OptionType.BOOLEAN),
        Option("limit", "How many", OptionType.INTEGER, keyword=True),
    ),
)


def test_text_arguments_mean_the_same_as_typed_options() -> None:
    from_text = bind(SEARCH, "grief support free region:north limit:3", None)
    from_discord = bind(
        SEARCH, None, {"words": "grief support", "free": True, "region": "north", "limit": 3}
    )
    assert (
        from_text
        == from_discord
        == {
            "words": "grief support",
            "free": True,
            "region": "north",
            "limit": 3,
        }
    )


def test_quoted_words_stay_together_and_unknown_keys_are_words() -> None:
    args = bind(SEARCH, '"peer support" https://example.org', None)
    assert args["words"] == "peer support https://example.org"


def test_a_missing_required_option_names_it_and_shows_usage() -> None:
    cmd = Command("remind", "Remind me", _noop, options=(Option("id", "Which one", required=True),))
    with pytest.raises(UserFacingError) as err:
        bind(cmd, "", None)
    assert "id" in said(err.value) and "/remind <id>" in said(err.value)


def test_a_wrong_type_gets_a_plain_answer() -> None:
    with pytest.raises(UserFacingError) as err:
        bind(SEARCH, "limit:lots", None)
    assert "limit should be a number" in said(err.value)


def test_choices_are_checked() -> None:
    cmd = Command(
        "digest",
        "Weekly digest",
        _noop,
        options=(Option("state", "on/off", choices=("on", "off")),),
    )
    assert bind(cmd, "ON", None) == {"state": "on"}
    with pytest.raises(UserFacingError) as err:
        bind(cmd, "sometimes", None)
    assert said(err.value) == "Please choose on or off."


def test_leftover_words_are_not_silently_dropped() -> None:
    cmd = Command("one", "One word", _noop, options=(Option("word", "A word"),))
    with pytest.raises(UserFacingError) as err:
        bind(cmd, "two words", None)
    assert "words" in said(err.value)


def test_subcommands_by_first_word_by_name_and_default() -> None:
    show = Command("show", "Show", _noop)
    quiet = Command("quiet", "Quiet", _noop, options=(Option("hours", "h", greedy=True),))
    cmd = Command("settings", "Settings", subcommands=(show, quiet), default="show")
    assert resolve(cmd, "quiet 22:00-07:00", None) == (quiet, "22:00-07:00")
    assert resolve(cmd, "", None)[0] is show
    assert resolve(cmd, "22:00", "quiet") == (quiet, "22:00")
    no_default = Command("x", "X", subcommands=(show, quiet))
    with pytest.raises(UserFacingError) as err:
        resolve(no_default, "nope", None)
    assert "/x show | quiet" in said(err.value)


def test_times_people_write() -> None:
    assert parse_time("7") == time(7, 0)
    assert parse_time("07:30") == time(7, 30)
    assert parse_time("7pm") == time(19, 0)
    assert parse_time("12am") == time(0, 0)
    assert parse_time("22.15") == time(22, 15)
    for bad in ("25:00", "7:75", "13pm", "soon"):
        with pytest.raises(UserFacingError):
            parse_time(bad)


def test_declarations_are_checked_when_written() -> None:
    with pytest.raises(ValueError):
        Command("Bad Name", "x", _noop)
    with pytest.raises(ValueError):
        Command("x", "", _noop)
    with pytest.raises(ValueError):
        Command(
            "x",
            "x",
            _noop,
            options=(Option("a", "a"), Option("b", "b", required=True)),
        )


def test_registry_refuses_a_command_declared_twice() -> None:
    a, b = Router("a"), Router("b")
    a.command(Command("help", "Help", _noop))
    b.command(Command("help", "Help again", _noop))
    with pytest.raises(ValueError, match="declared twice"):
        Registry.build([a, b])


def test_access_levels() -> None:
    guest = None
    peer = Person(1, frozenset({Role.PEER}))
    mentor = Person(2, frozenset({Role.PEER, Role.MENTOR}))
    steward = Person(3, frozenset({Role.PEER, Role.STEWARD}))
    removed = Person(4, frozenset())
    assert Access.ANYONE.allows(guest)
    assert not Access.MEMBER.allows(guest) and not Access.MEMBER.allows(removed)
    assert Access.MEMBER.allows(peer)
    assert not Access.MENTOR.allows(peer) and Access.MENTOR.allows(mentor)
    assert Access.MENTOR.allows(steward)
    assert not Access.STEWARD.allows(mentor) and Access.STEWARD.allows(steward)
    assert Scope.PRIVATE.allows(True) and not Scope.PRIVATE.allows(False)
    assert Scope.SPACE.allows(False) and not Scope.SPACE.allows(True)
