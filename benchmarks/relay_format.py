"""The cost of converting relayed text between platforms (no network).

    python -m benchmarks.relay_format            # 2,000 short messages, 20 long ones
    python -m benchmarks.relay_format --count 200

For a typical short formatted message, and for a 10,000-character one with formatting every
few words, it times each step the relay takes per message and destination: reading Discord
markdown, reading Telegram entities, rendering Telegram HTML parts (split within 4,096 UTF-16
units) and Discord markdown parts (split within 2,000 characters). It prints p50 and p99 per
message in milliseconds, the parts made, and the load average beside them. A measurement, not a
test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from telegram import Chat, Message, MessageEntity

from bot.core.richtext import RichText
from bot.platforms.discord import relay_format as discord_format
from bot.platforms.telegram import relay_format as telegram_format

SHORT = (
    "**Rough shift** tonight, thanks for checking in 💛 — see [the guide](https://x.example) `4c`"
)


def _long_markdown() -> str:
    lines = []
    for i in range(160):
        lines.append(f"{i}: some **bold words** and *a feeling* with ||a spoiler|| and `x_{i}` 🙂")
        if i % 40 == 39:
            lines.append("```py\n" + "\n".join(f"value_{n} = {n}" for n in range(10)) + "\n```")
    return "\n".join(lines)


def _telegram_message(rich: RichText) -> Message:
    """``rich`` as a Telegram message with entities, the way PTB would receive it."""
    entities = []
    kinds = {"bold": "bold", "italic": "italic", "spoiler": "spoiler", "code": "code"}
    for span in rich.spans:
        kind = kinds.get(span.style.value)
        if kind is None:
            continue
        offset = telegram_format.utf16_len(rich.text[: span.start])
        length = telegram_format.utf16_len(rich.text[span.start : span.end])
        entities.append(MessageEntity(kind, offset, length))
    chat = Chat(-100, Chat.SUPERGROUP)
    return Message(1, datetime.now(UTC), chat, text=rich.text, entities=tuple(entities))


def _time(step: Callable[[], Any], times: int) -> tuple[list[float], Any]:
    took = []
    result = None
    for _ in range(times):
        start = time.perf_counter()
        result = step()
        took.append((time.perf_counter() - start) * 1000)
    return took, result


def _line(name: str, took: list[float], extra: str = "") -> None:
    p50 = statistics.median(took)
    p99 = sorted(took)[max(0, int(len(took) * 0.99) - 1)]
    print(f"  {name:<34} p50 {p50:8.3f} ms   p99 {p99:8.3f} ms  {extra}")


def run(count: int, long_count: int) -> None:
    load = os.getloadavg()
    print(f"relay formatting (load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})")
    for label, source, times in (
        (f"short message ({len(SHORT)} chars)", SHORT, count),
        (f"long message ({len(_long_markdown())} chars)", _long_markdown(), long_count),
    ):
        print(label)
        took, rich = _time(lambda s=source: discord_format.from_markdown(s), times)
        _line("read Discord markdown", took, f"{len(rich.spans)} spans")
        message = _telegram_message(rich)
        took, _ = _time(lambda m=message: telegram_format.from_message(m), times)
        _line("read Telegram entities", took)
        took, parts = _time(lambda r=rich: telegram_format.html_parts(r), times)
        _line("Telegram HTML parts (4,096 units)", took, f"{len(parts)} part(s)")
        took, parts = _time(lambda r=rich: discord_format.markdown_parts(r), times)
        _line("Discord markdown parts (2,000)", took, f"{len(parts)} part(s)")
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000, help="short messages (2,000)")
    parser.add_argument("--long", type=int, default=20, help="long messages (20)")
    args = parser.parse_args()
    run(args.count, args.long)


if __name__ == "__main__":
    main()
