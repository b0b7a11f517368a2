"""Keeping Python's cyclic garbage collector from stopping the event loop for long.

Why: a full collection walks every object the process holds, with the event loop stopped.
After start-up that is some 200,000 objects (content, the search index, the distress model),
and a burst of due prompts adds some 35 more per queued message (it waits minutes for its turn
at Telegram's 30 a second). On a busy 2-core machine one such walk was measured at 300 to
450 ms, twice in a burst of 3,000 prompts: every command typed meanwhile waited that long.

``gc.freeze()`` moves every object alive at that moment into a generation the collector never
walks; it costs nothing (lists are spliced, nothing is visited). Reference counting still
frees frozen objects as usual (a sent message's entry goes the moment it is sent); only a
frozen object that later becomes garbage *inside a reference cycle* stays until
:func:`release` (the service calls it at stop). So the moments chosen are ones where almost
nothing alive is garbage: the end of start-up (measured: 26 unreachable objects among
200,000) and right after a burst's batch is queued (measured: after 1,000 prompts were queued
and sent, a full collection found nothing left to free).

While the service runs, the middle generation is collected after every ``MIDDLE_EVERY`` young
collections instead of Python's 10. Why: a fan-out to many people keeps about 16 small objects
per person it reached (the outbox's lane for that chat: its queue, rate bucket and finished
worker), all alive, so a young collection frees nothing and moves some 700 objects on, and a
middle one walks everything moved since the last (some 7,000 objects): measured at 2.4 to 4.6
ms of CPU, 3 or 4 times in 2,000 messages sent one after another, each time in the span of
whichever message was under way. With the WAL scrub's rounds (12 to 28 messages in 2,000) that
was often 20 or more messages, where p99 is read (``benchmarks/outbox_fanout.py``). Collected 5
times less often, each walk is longer (measured 20 to 25 ms at load 4, twice in 6,000
messages: a fifth of the 100 ms a command may wait, far from the full walks that freezing
avoids), the CPU in all is the same, and the full collections (every 10 middle ones) come 5
times less often too. What does become garbage in a cycle after a young collection waits 5
times as many young collections to be freed (during a fan-out, some 15 s instead of 3).

Start-up itself runs with the collector off (:func:`hold`, called by ``python -m bot`` before
it imports anything): importing the bot and its libraries makes a few hundred thousand
objects, none of them garbage, and the full walks that triggers cost a tenth to a fifth of a
second of CPU before the first answer. :func:`started` turns it back on once everything is
set aside.
"""

from __future__ import annotations

import gc

#: Young collections between two of the middle generation while the service runs (see the
#: module's docstring; Python's default is 10).
MIDDLE_EVERY = 50
_thresholds: tuple[int, int, int] | None = None  # Python's, while the service's are in force


def set_aside() -> None:
    """Keep everything alive now out of later collections (see the module's docstring)."""
    gc.freeze()


def hold() -> None:
    """No collections until :func:`started` (see the module's docstring). Reference counting
    still frees everything that is not in a cycle."""
    gc.disable()


def started() -> None:
    """The end of start-up: set aside what it built, then collect again, the middle generation
    every ``MIDDLE_EVERY`` young collections."""
    global _thresholds
    set_aside()
    if _thresholds is None:
        _thresholds = gc.get_threshold()
        young, _, old = _thresholds
        gc.set_threshold(young, MIDDLE_EVERY, old)
    gc.enable()


def resume() -> None:
    """Collect as usual again without setting anything aside (a one-off command: it builds
    nothing that lives long, and when run inside another program, such as the tests, what that
    program holds is not for us to freeze)."""
    gc.enable()


def promote() -> None:
    """Count everything alive now as old, without walking it: for the end of a content load
    while the collector runs and nothing is set aside (a reload in a one-off command, the
    tests, the benchmarks). The load held the collector off (``bot.content.store``), so the
    few hundred thousand objects it made are all still in the youngest generation, and the
    first allocation after it turns the collector back on walked every one of them: 50 to 100
    ms of CPU at 10,000 entries, a twentieth of a cold load, finding 20 unreachable objects.
    Freezing and unfreezing at once moves them to the oldest generation instead (a splice of
    lists, nothing visited); a full collection still sees them, and frees any that are
    garbage, as it would have. Not while anything is set aside: unfreezing would give the
    collector back what the service set aside (then the youngest generation is walked, as
    before)."""
    if not gc.get_freeze_count():
        gc.freeze()
        gc.unfreeze()


def release() -> None:
    """Let the collector see every object again (the service stops: what it held can go), and
    collect as often as before :func:`started`."""
    global _thresholds
    gc.unfreeze()
    if _thresholds is not None:
        gc.set_threshold(*_thresholds)
        _thresholds = None
