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

While the service runs, collections come at Python's own thresholds (the middle generation
every 10 young collections). Why no other: for a while the middle one ran every 50 instead,
because a fan-out kept a lane (queue, rate bucket, finished worker: about 16 small objects)
for every person it ever reached, all alive, so each middle collection walked some 7,000 of
them and freed none (2.4 to 4.6 ms of some message's CPU, 3 or 4 times in 2,000 messages; at
every 50, 20 to 25 ms each). The outbox now lets a lane go once its pace has passed
(``bot/outbox/engine.py``). Measured with ``python -m benchmarks.outbox_fanout --no-hog
--count 300 --overhead 2000 --rounds 2`` (2026-11-30, load 2.8 to 4.3 on 2 cores, two runs of
each, alternated; per 2,000 messages): lanes kept, every 10: 42 to 44 young collections and 3
or 4 middle ones, 1.4 to 2.5 ms each (a run's median); lanes let go, every 10: 12 to 16 young
ones (far fewer objects outlive a message) and 1 middle one, 1.3 to 2.4 ms; every 50: 14 to 17
young ones and no middle one in 2,000. So a walk costs about what it did (within this host's
noise), but a third as many come: one message in 2,000 meets one, where p99 is the 20th
slowest, and a command meeting one waits about 2 ms of CPU more. Every 50 would save that one
message a collection at the price of walks several times as long when they come, so Python's
default stands, with garbage in cycles freed sooner too.

Then (2026-11-30, fourth session) a chat whose lane was let go while its pace still counted
kept the whole lane (about 11 objects: queue, ticket, batch, progress, bucket and its window)
until the pace passed, about a second: some 600 chats at once with every limit off, most of
what a middle collection walked (5,700 of 6,700 objects in generation 1 when one began). Now
only its bucket is kept (about 5 objects a chat: ``Outbox._let_go``), and far fewer objects
outlive a young collection, so fewer come: per 4,000 messages (``--overhead 4000``, load 3.6
to 4.4, alternated) 16 and 22 young collections and 1 and 2 middle ones (1.1 to 2.0 ms each)
before, 8 and 11 young ones and no middle one after; peak RSS of the benchmark's process 149
to 155 MiB either way (part 1's fan-out sets it). ``gc.freeze()`` after start-up is done
already (:func:`started`). (The benchmark's own record of each
message was a set, an object walked too: it keeps tuples now.) Not done: the bucket kept as a
tuple of floats (untracked by the collector) would leave 2 objects a chat instead of 5, for a
few young collections less in 4,000 messages.

Start-up itself runs with the collector off (:func:`hold`, called by ``python -m bot`` before
it imports anything): importing the bot and its libraries makes a few hundred thousand
objects, none of them garbage, and the full walks that triggers cost a tenth to a fifth of a
second of CPU before the first answer. :func:`started` turns it back on once everything is
set aside.
"""

from __future__ import annotations

import gc
import threading

#: One step at a time: a content load ends on a worker thread (:func:`promote` freezes and
#: unfreezes) while the loop's thread may set aside (freeze); interleaved, the unfreeze would
#: give back what was just set aside.
_lock = threading.Lock()


def set_aside() -> None:
    """Keep everything alive now out of later collections (see the module's docstring)."""
    with _lock:
        gc.freeze()


def hold() -> None:
    """No collections until :func:`started` (see the module's docstring). Reference counting
    still frees everything that is not in a cycle."""
    gc.disable()


def started() -> None:
    """The end of start-up: set aside what it built, then collect again."""
    set_aside()
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
    with _lock:
        if not gc.get_freeze_count():
            gc.freeze()
            gc.unfreeze()


def release() -> None:
    """Let the collector see every object again (the service stops: what it held can go)."""
    with _lock:
        gc.unfreeze()
