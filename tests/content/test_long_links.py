"""A link address too long for a message on some platform: content accepts up to 2,083
characters (pydantic's ``HttpUrl``), Discord takes 2,000 in a whole message. Such an entry
loads, with a note naming the file, the entry and what to do (on Discord it cannot be shown
whole: ``tests/platforms/test_discord_long_link.py``; one of 2,000 is:
``tests/platforms/test_discord_link_addresses.py``)."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.content.sources import SHORTEST_MESSAGE, SOURCES
from bot.content.store import ContentStore
from bot.platforms.console import ConsolePlatform
from bot.platforms.discord.render import MAX_TEXT
from bot.platforms.telegram.sending import TEXT_LIMIT
from tests.content.test_store import edit
from tests.helpers import CONTENT

LONG = "https://example.org/form?" + "a=1&" * 510  # 2,065 characters
FITS = "https://example.org/form?" + "a=1&" * 493  # 1,997 characters


async def test_a_link_too_long_for_discord_is_named_with_what_to_do(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    edit(content / "resources.yaml", "url: https://towardtheheart.com", f"url: {LONG}")
    edit(content / "crisis.yaml", "url: https://988.ca", f"url: {LONG}")
    edit(content / "trainings.yaml", "url: https://www.fnha.ca", f"url: {FITS}")
    store = ContentStore(content, SOURCES)
    await store.load()  # loads: the entry is still shown where it fits
    crisis, resource = [w for w in store.warnings if "characters long" in w]
    assert crisis.startswith('crisis.yaml — entry "988": its url is 2,065 characters long')
    assert resource.startswith(
        'resources.yaml — entry "toward-the-heart-naloxone-and-test-strips": its url is 2,065'
    )
    assert "Discord" in resource and "give a shorter address" in resource


async def test_the_shipped_content_has_no_link_too_long() -> None:
    store = ContentStore(CONTENT, SOURCES)
    await store.load()
    assert not [w for w in store.warnings if "characters long" in w]


def test_the_limit_is_the_smallest_platform_message() -> None:
    assert min(MAX_TEXT, TEXT_LIMIT, ConsolePlatform.max_text) == SHORTEST_MESSAGE
