"""Fan-out of private messages through the real outbox and Telegram adapter to the fake Bot API.

    python -m benchmarks.outbox_fanout              # 3,000 messages, quiet host then CPU hog
    python -m benchmarks.outbox_fanout --full       # 10,000 messages (about 12 minutes)
    python -m benchmarks.outbox_fanout --count 300 --no-hog
    python -m benchmarks.outbox_fanout --profile    # where the per-message cost goes

Part 1 sends one message to each of ``--count`` private chats with the fake enforcing
Telegram's flood control (30/s per bot, 1/s per chat; 429 above, a bot-wide 429 holding every
chat), first on a quiet host, then again with a CPU-hog process beside it (started and stopped
here). It prints the rate the fake saw as a fraction of the 30/s ceiling, messages lost,
messages delivered twice (counted by message, not by chat), the share of sends answered 429,
and the load average. The fake runs in the same process here, so memory includes it.

Part 2 turns every limit off and sends ``--overhead`` messages one at a time, to a fake in a
child process of its own: the bot's own cost per message. Two figures, p50 and p99:

- CPU time of the bot's process (``time.process_time``: every thread, so aiosqlite's and the
  HTTP client's too) from enqueue to the delivery report, which comes once the row's deletion
  is committed: the whole of what one message costs the bot, and nothing else. Time the
  process spends waiting for a CPU on a busy host is not in it.
- Wall-clock time over the same span, which also holds the fake's answer and every wait for a
  CPU or for aiosqlite's thread to be scheduled.

Why like this: earlier notes gave p99 of 31 to 58 ms for "enqueue to request at the fake" with
the fake in the same process. That is a wall-clock span on a 2-core host at load 4 to 6: its
tail is the process waiting for a CPU, the fake's own parsing in the same event loop, and the
previous message's tail (its answer, its deletion) still running, not the bot's cost. Each
message now starts only after the one before was reported, and the CPU figure is immune to
waiting. ``--profile`` then shows where the CPU goes, by part of the stack.

What the figures showed (2026-11-29, 2 cores shared with other work, load 2 to 5), so they
are not looked for again: garbage collection is not the tail (about 18 young collections and
one middle one per 1,000 messages, 0.01 to 0.02 ms a message in all; ``gc.freeze()`` after
start-up was within the noise), so the service sets no GC thresholds; the spread of the CPU
figure is broad (p75 1.2x, p95 1.6x the median): the busy host's noise on every message, not
a few slow ones. Where the event loop's CPU went before the send path was trimmed:
python-telegram-bot building a ``telegram.Message`` from each answer and converting each
parameter (about 20%), now skipped (``AiohttpRequest.call``). What is left is mostly aiohttp
(27% under cProfile, 35 to 40% of py-spy's samples) and asyncio itself (about 23%). A bare
HTTP/1.1 exchange on asyncio streams costs 0.15 to 0.2 ms of CPU a request against aiohttp's
0.55 to 0.8 ms (h11: 0.45 to 0.55 ms). orjson was first put at about 13 us a message (under
1%); measured again on a typical body and answer it saves about 37 us a message (3 to 4% of
p50): ``json.dumps`` 23.4 us against ``orjson.dumps`` 0.8 us, PTB's parse 17.4 us against
``orjson.loads`` 3.4 us. The service now uses orjson for Telegram's JSON bodies and answers
(``bot/platforms/telegram/http.py``: ``_dumps``, ``_loads``).

uvloop (the service's loop since then: ``bot/eventloop.py``; ``--asyncio`` for the stock one)
takes the loop's own share under cProfile from about 24% to 5%. Without the profiler the gain
is smaller than the busy host's noise between two runs (one run's p50 moved 0.9 to 2.4 ms at
load 3 to 5), so it was measured with both loops running at once, each beside the other under
the same load: 10 to 16% less CPU a message at p50, 11 to 17% at p99. Also measured and left:
the ``.sent`` file's write and truncation cost about 17 us a message, and the WAL scrub (one
checkpoint a second) made no difference to p50 or p99 when turned off; the bot's own
functions each cost a few microseconds a message (the split into parts 14, ``dedup_key`` 3,
``to_json`` 10), none a hot spot. aiohttp with no cookie jar, or with the body handed over as
a ready payload, moved its cost by less than the noise.

What the slowest 1% were (2026-11-30, load 3 to 5; printed by every run since): mostly
messages that met the outbox's WAL scrub round (once a second: a checkpoint on the scrub's
own connection, then the WAL cut to nothing, about 4 to 6 ms of CPU on SQLite's threads, more
the bigger the WAL), then SQLite's own checkpoint when the WAL reached 1,000 pages between
two scrubs, and a generation-1 collection now and then; the rest was the busy host. So the
outbox's row now writes 3 pages a message instead of 7 (migration 0026 dropped its two
indexes): less for SQLite's thread on every message, and a smaller WAL for each scrub. The
young generation's threshold was tried at 10,000 instead of 700: 3 collections instead of 48
per 2,000 messages, but each about ten times longer, the same CPU in all; left at Python's
default. JSON requests to the Bot API now go over a lean kept-alive HTTP/1.1 path parsed by
httptools (``bot/platforms/telegram/jsonpost.py``) instead of aiohttp's client: the HTTP
share under cProfile went from about 1.7 ms to about 0.35 ms a message.
Measured back to back with the code before these changes, ``--no-hog --count 50 --overhead
2000``, load 4 to 5 on 2 cores: p50 2.40 and 2.97 ms, p99 6.31 and 7.12 ms before; p50 1.57
and 1.35 ms, p99 3.53 and 3.24 ms after. At that load the messages that met no scrub round
still had a p99 of 3.2 ms: the rest of the tail is the busy host. Logging (nothing is logged
on this path), the outbox's watchdog (it wakes every 30 s) and new connections (three, all
during the warm-up) were looked for in the slowest 1% and never found there.

Per message, trimmed again (2026-11-30, 2 cores shared with other work, load 2 to 4).
Counted first: on the event loop's thread about 38 system calls a message (strace), none
slow on its own (a ``getpid`` 0.3 us, a ``stat`` 3.6, the ``.sent`` file's write and
truncation 17 together); 2 tasks created; 2 trips to SQLite's thread, each about 0.11 ms of
the process's CPU on this VM (a bare ``SELECT 1`` through aiosqlite, with its futex and
eventfd wake-ups on both sides): about a fifth of the whole. Both trips stay: the row is
committed before the send (a crash must not lose it) and the report comes once its deletion
is committed (the ``.sent`` file is emptied by then: tests/outbox/test_crash.py). Running
SQLite on the loop's thread instead would block every command behind a checkpoint (up to
the busy timeout): not done. The socket write of each request (a loopback TCP send into the
fake, inside uvloop's ``transport.write``) is about 9% of the loop's samples: the kernel's.
What paid, each a few percent of the loop's thread, measured together below: writes of one
statement (the outbox's insert and deletion) take the write lock by hand instead of through
two nested generator-based context managers (``contextlib`` was about 7% of py-spy's samples
of the loop's thread); the Telegram answer's read timeout is one loop timer that fails the
answer instead of ``asyncio.timeout``; ``AiohttpRequest.call`` posts straight to the lean
path (PTB's ``post`` and ``RequestData`` layers skipped, PTB still reading every refusal),
with its timeouts worked out once; text with no tag skips the markup parser when split;
the queued row's JSON uses one kept encoder; the batch's nonce-keyed copy of the message is
built directly instead of by ``dataclasses.replace``. The benchmark's own work left the
measured span: the per-message ``settled`` timeout (a timer armed and cancelled for each
message: now one bound for the run) and the look at the WAL's size; and the fake now holds a
long poll as Telegram does (its half-second cap had the bot take a getUpdates answer, about
0.5 ms of PTB's work, on 1 in 150 messages). Looked at and left: reserving outbox ids in
blocks (AUTOINCREMENT writes ``sqlite_sequence`` for any id above it, so it pays only with
AUTOINCREMENT dropped by a table rebuild and the high-water mark kept apart and read again
after every rollback; tests/storage/test_scrub.py pins 3 WAL frames a message); sha256 for
the nonce (1.2 us); the WAL scrub (about 3 ms of CPU a round, once a second, met by about
0.6% of messages: it cannot run less often without keeping delivered text on disk longer).
The rest of the tail is the host: a fixed pure-Python workload measured the same way here
has a p99 1.5 times its p50 at load 3.
Measured ``--no-hog --count 300 --overhead 2000``, this benchmark on both codes, load 2.5 to
3.8 on 2 cores: back to back (three pairs), CPU of the process p50 1.22, 1.25, 1.15 ms and
p99 2.42, 2.71, 2.50 ms before; p50 1.14, 0.83, 0.81 ms and p99 2.64, 2.17, 2.22 ms after
(loop's thread p50 0.97, 1.00, 0.92 before, 0.89, 0.64, 0.62 after); both at once, each
beside the other (two pairs): p50 1.23 and 1.24 before, 1.07 and 1.06 after; p99 3.14 and
2.34 before, 3.02 and 1.98 after; mean 1.47 and 1.34 before, 1.27 and 1.16 after. So about
15 to 30% less CPU a message at p50 and in the mean, less at p99, which stays near 2 ms
and above it whenever the host is busier: the slowest 1% are still the scrub rounds, a
generation-1 collection, and the host.

The slowest 1% again (2026-11-30, second session, load 4 to 7 on 2 cores; every run prints
what each scrub round and each collection cost, and ``--rounds N`` repeats part 2). p99 is the
20th slowest of 2,000, so it lands on whatever background event at least 20 messages met. Per
2,000 on main's code: 12 to 28 met a scrub round (+2.1 to +3.8 ms each, median), 3 to 4 a
generation-1 collection (2.4 to 4.6 ms of CPU each), 0 to 3 SQLite's own checkpoint. Now:

- A fan-out kept every lane it opened (about 16 objects a person), so each generation-1
  collection walked some 7,000 live objects and freed none. The outbox now lets a lane go
  once its pace has passed, and generation 1 is collected at Python's own threshold again
  (it was every 50 young collections for a while, each then 20 to 25 ms): per 2,000
  messages, 12 to 16 young collections instead of 42 to 44, and 1 generation-1 collection
  (1.3 to 2.4 ms) instead of 3 or 4 (1.4 to 2.5 ms each): ``bot/collector.py`` has the runs.
- A scrub round that a write overlapped (the next message queued during its copying) cleared
  nothing and let the WAL grow to SQLite's own checkpoint, inside some message's commit: a
  round now waits for a write under way before copying, and the outbox copies again at once
  when one overlapped anyway (``SCRUB_AGAIN``); the truncation is one trip to SQLite's thread
  instead of three. SQLite's own checkpoint: 11 messages in 15 runs before, 5 after.
- The scrub round itself: 2.4 to 3.6 ms of the process's CPU (median of a run), 19 to 27 ms
  of wall time, mostly fixed. Raw SQLite on this disk: its two fdatasyncs about 0.4 ms plus
  2.4 us a frame, the truncation 0.2 to 0.4 ms plus 1.5 us a frame, each trip to aiosqlite's
  thread about 0.1 ms. Tried and dropped: a round every 0.2 s (66 to 84 frames each) still
  cost 2.1 ms and was met by 50 messages in 2,000 instead of 16 (p99 4.7 ms); restarting the
  WAL instead of truncating it (0.75 ms a round and 8 us a message of writes less, no fresh
  blocks to allocate) leaves delivered text in the frames past the new end; a checkpoint
  without fsyncs (``synchronous=OFF`` on the scrub's connection, 0.4 to 1.5 ms less) can
  corrupt the database at a power loss, as SQLite's documentation says.

Measured back to back, five runs each with ``--rounds 3`` (15 rounds), main's code then this,
load 3.9 to 7.0: p50 median 1.58 and 1.52 ms, p99 median 3.29 and 3.01 ms (2.76 to 4.67 and
2.47 to 5.06); the messages that met no scrub round alone had a p99 of 3.02 and 2.76 ms. At
that load the host's own noise puts p99 above 2 ms whatever the bot does; on a quiet host
(this morning: load 0.5, p99 of the rest about 1.6 ms) what is left above it is the scrub
round, about 1 message a second of sending: 0.6% of messages at 170 a second.

Counted per message once more (2026-11-30, third session, load 2.7 to 4.5 on 2 cores), to
find a fifth of the mean. strace of part 2 (2,000 messages): on the loop's thread about 27
system calls a message: 3 blocking epoll waits (the answer, and each of the two trips to
SQLite's thread coming back), 6 non-blocking ones (loop turns with work ready), 8 ``getpid``
(asyncio's check of the running loop, 0.7 us each), 5 futex (waking SQLite's thread, the GIL
handed over), 2 eventfd reads, the request's write and the answer's read, the ``.sent``
file's write and truncation; on SQLite's thread 12 ``fcntl`` (the WAL's locks, two
transactions), 6 ``pwrite`` (3 WAL frames), 5 futex and 2 eventfd writes. The two trips cost
0.20 to 0.27 ms of the process's CPU together (an INSERT and a DELETE through ``Database``,
2,000 pairs in a row on uvloop; 0.07 to 0.10 ms of it on the loop's thread): a fifth of the
whole, of which SQLite's own work is 65 to 78 us (the same pair in raw ``sqlite3``); the rest
is the hand-over both ways (queue, thread wake-up, GIL, eventfd). Both trips stay (see above).

- Kept: the queuing INSERT's row id is its cursor's ``lastrowid`` (``Database.insert``:
  aiosqlite's public ``execute``, one trip), instead of aiosqlite's ``execute_insert``,
  which runs a second statement (``SELECT last_insert_rowid()``) and reads a row back: the
  pair 64 to 71 us in raw ``sqlite3`` against 71 to 78 us (``INSERT ... RETURNING id`` was
  slower: 82 us). The deletion goes through ``execute`` too (no empty fetch). Neither
  cursor is closed: closing is a second trip, and a finished statement holds nothing.
  (First done through aiosqlite's private ``_execute``, which also skipped the awaitable
  wrapper; dropped for the public API, with no difference to be seen: an INSERT and a
  DELETE through aiosqlite, 5,000 pairs, private then public six times over at load 3.6 to
  4.1, CPU a pair private 253, 167, 152, 188, 182, 223 us, public 184, 161, 162, 241, 238,
  179 us.)
  tests/outbox/test_sqlite_work.py counts the statements a message costs: an INSERT and a
  DELETE.
- Measured and left: aiosqlite's two ``LOG.debug`` calls a trip (0.4 us each with logging
  off, 1.7 us a message); the ``.sent`` file's write into an emptied file and its
  truncation (6 to 7 and 10 to 11 us: ext4 takes and gives back a page each time, where an
  append to a file with data in it costs 1.7 us), kept because the file is emptied once its
  rows' deletion is committed (tests/outbox/test_crash.py); ``Destination.__str__`` (1.3
  us); ``locking_mode=EXCLUSIVE`` (no ``fcntl`` a transaction) would shut the scrub's own
  connection and backups out of the file.

Measured ``--no-hog --count 300 --overhead 2000`` back to back with main's code (013e048), A
B A B A B A B A B, then twice both at once (runs 7 and 8), load 2.8 to 4.5: CPU of the
process p50 before 1.01, 0.92, 0.87, 0.88, 1.23, 1.05, 0.87, 0.81 ms, after 0.80, 0.91,
0.87, 0.86, 0.89, 1.06, 1.16, 1.10 ms (runs 1 to 3 with the insert change alone); p99 before
2.03, 1.72, 2.05, 2.08, 2.65, 2.50, 2.86, 2.40 ms, after 1.96, 2.32, 2.34, 2.59, 2.05, 2.14,
2.79, 2.49 ms; mean before 1.15, 0.98, 1.04, 0.98, 1.41, 1.22, 1.11, 1.05 ms, after 0.93,
1.14, 1.02, 1.04, 1.00, 1.20, 1.32, 1.22 ms. Every fan-out 98.0 to 98.3% of 30/s, 0 lost, 0
doubled. The cuts are about 1% of a message, by their pieces (a few microseconds of SQLite's
thread), well inside the swing between two runs here (15 to 30%): not the fifth asked for.
What is left is spread thin (under py-spy no function of the bot above 6% of the loop's
samples, jsonpost's ``exchange`` the most; about half of them in uvloop's own C code and the
system calls above), and a fifth less would take a trip to SQLite's thread fewer per
message, which the crash and report guarantees rule out, or SQLite on the loop's thread,
ruled out above. On a quieter host p99 is under 2 ms already: part 2 with 5,000 messages at
load 1.9 to 2.1 gave p50 0.76 ms, p99 1.47 ms.

The slowest 1% once more (2026-11-30, fourth session, load 2.4 to 6.5 on 2 cores shared with
other sessions). First the attribution: SQLite's own checkpoint was told by the WAL file
shrinking, but that checkpoint (PASSIVE, inside a commit) leaves the file as it is; the *next*
write starts the WAL again and cuts the file back (``journal_size_limit=0``), so the message
that paid for the checkpoint was counted under "none of these" and the next one, which paid
for the cut, under the checkpoint. Each run now reads the WAL index (the ``-shm`` file: frames
copied, frames in the WAL) before and after each message and tells the two apart, and prints
the slowest messages' CPU split between the loop's thread and the others. On main's code
(0d372ce), of the 20 slowest in 2,000: 3 to 10 met a scrub round, 1 to 5 SQLite's own
checkpoint (+1.3 to 1.6 ms), 1 to 5 the restart and cut (+1.3 ms), 0 to 1 a middle
collection, and only 2 to 13 none of these. Then:

- SQLite checkpoints on its own at 4,000 pages instead of 1,000 (``AUTOCHECKPOINT_PAGES`` in
  ``bot/storage/database.py``, which says why): the scrub round, once a second, does that
  work aside, so neither lump comes any more; a round copies more frames (median 1,400 to
  2,600 at its start, at most about 3,000, 2.1 to 4.2 ms of CPU a round against 1.2 to 2.2),
  no more CPU in all (the mean per message of the runs below, median of 9 at each load:
  0.72 and 0.86 ms on main, 0.67 and 0.79 ms with this).
- A chat still pacing keeps only its rate bucket (``Outbox._let_go``): 8 to 11 young
  collections and no middle one per 4,000 messages against 16 to 22 and 1 to 2
  (``bot/collector.py``).
- This benchmark's own record of each message is a tuple, no longer a set the collector
  walked.

What ran on the loop's thread, besides the message (the stock loop, each handle timed, 2,000
messages): per message the two trips' wake-ups and results, the worker's two steps, the
socket's read, the journal's writes; the flush loop's wake-ups (5 a second, 30 to 35 us
each); nothing else (no scheduler job, no watchdog round, no lane's timer). The slow ones
with none of the causes above had the loop's thread at 0.7 to 2.8 ms against its median of
0.4 to 0.6, spread over every function (each function's own time timed per message: none
more than 0.1 to 0.2 ms above its median), their SQLite thread as usual: the host (other
sessions' processes on the same 2 cores). An involuntary context switch came in 83% of all
messages, slow or not: no sign either way.

Measured ``--no-hog --count 300 --overhead 2000 --rounds 3``, main's code and this, alternated,
p99 of each round: at load 2.6 to 3.3, main 0.97, 1.25, 1.67, 1.25, 1.55, 1.21, 1.01, 0.71,
0.76 ms (median 1.21), this 1.01, 1.68, 0.90, 0.83, 1.00, 0.89, 0.85, 0.86, 0.88 ms (median
0.89); at load 4.4 to 6.5, main 1.78, 1.53, 1.40, 1.31, 1.46, 1.90, 2.48, 1.57, 1.76 ms (median
1.57), this 1.37, 1.39, 1.25, 1.01, 1.16, 1.41, 1.67, 1.64, 2.72 ms (median 1.39; the 2.72 a
round where 15 of the 20 slowest met nothing of the bot's, their loop's thread at 2.8 ms).
p50 0.52 to 0.84 both. Of this code's 20 slowest, 4 to 10 met a scrub round and the rest
nothing of the bot's: what is left above 2 ms is the host.

Tried and dropped: a thread bridge of its own instead of aiosqlite's (a ``SimpleQueue`` and
``call_soon_threadsafe``, the same mechanism without aiosqlite's wrappers): an INSERT and a
DELETE, 3,000 pairs, interleaved four times at load 2.4: 129 to 134 us a pair against
aiosqlite's 126 to 207 and aiosqlite's own queue fed directly 126 to 176: not clearly
cheaper on this host, so aiosqlite stays. ``Destination``'s hash (a dataclass's, in Python)
is 0.3 us, about 9 a message: left.

A measurement, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import cProfile
import gc
import json
import logging
import os
import pstats
import resource
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bot import eventloop
from bot.core.model import Platform
from bot.outbox import Destination, OutgoingMessage
from bot.platforms.telegram import TelegramPlatform
from bot.service import running
from bot.storage.database import Database
from bot.storage.outbox import NewItem
from tests.fakes.telegram_server import FakeTelegram
from tests.helpers import make_settings

CEILING = 30.0  # Telegram's messages per second per bot
DEFAULT_COUNT = 3_000
FULL_COUNT = 10_000


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


@contextmanager
def cpu_hog(on: bool) -> Iterator[None]:
    """A second process spinning on one CPU for the duration, then stopped."""
    if not on:
        yield
        return
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(1.0)  # let it take its CPU before the clock starts
        yield
    finally:
        hog.terminate()
        hog.wait(5)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def fan_out(count: int, folder: Path, label: str) -> None:
    fake = await FakeTelegram().start()
    fake.enforce_limits = True
    people = [fake.user(f"Peer {n}") for n in range(count)]
    fake.world.started.update(p.id for p in people)  # everyone has opened a chat with the bot
    settings = make_settings(
        folder, telegram_bot_token=fake.token, telegram_api_base_url=fake.base_url
    )
    items = [
        NewItem(
            Destination(Platform.TELEGRAM, "user", str(p.id)),
            OutgoingMessage(f"This week's **self-care** prompt, number {n}: take a slow breath."),
        )
        for n, p in enumerate(people)
    ]
    try:
        async with running(settings, adapters=[TelegramPlatform(settings)]) as svc:
            started = time.monotonic()
            await svc.ctx.outbox.enqueue_many(items)
            enqueued = time.monotonic() - started
            await svc.ctx.outbox.drain()
            finished = time.monotonic()
            failed = await svc.ctx.repo.outbox.failed()
            stats = dict(svc.ctx.outbox.stats)
    finally:
        await fake.stop()
    sends = [c for c in fake.calls if c.method == "sendMessage"]
    accepted = [c for c in sends if c.status == 200]
    per_message = collections.Counter(str(c.params["text"]).split("number ")[1] for c in accepted)
    doubled = sum(1 for times in per_message.values() if times > 1)
    lost = count - len(per_message) - len(failed)
    arrived = sorted(c.at for c in accepted)
    seen_rate = (len(arrived) - 1) / (arrived[-1] - arrived[0]) if len(arrived) > 1 else 0.0
    overall = count / (finished - started)
    limits = fake.limits
    print(f"fan-out of {count} private messages, fake enforcing Telegram's limits, {label}")
    print(f"  enqueue (one transaction)   {enqueued:8.2f} s")
    print(f"  all delivered after         {finished - started:8.1f} s")
    print(
        f"  rate the fake saw           {seen_rate:8.2f} msg/s = {seen_rate / CEILING:.1%} of 30/s"
    )
    print(f"  rate from enqueue to done   {overall:8.2f} msg/s = {overall / CEILING:.1%} of 30/s")
    print(
        f"  429s                        {limits.hits:8d} = {limits.hits / max(1, len(sends)):.2%}"
        f" of {len(sends)} sends ({limits.bot_wide_hits} bot-wide, {limits.chat_hits} per chat)"
    )
    print(f"  failed for good             {len(failed):8d}")
    print(f"  lost                        {lost:8d}")
    print(f"  delivered twice (by message){doubled:8d}")
    print(f"  watchdog restarts           {stats['restarted']:8d}")
    print(f"  peak RSS                    {rss_mib():8.1f} MiB")
    print(f"  {load()}", flush=True)


def serve_fake(count: int) -> None:
    """The fake Bot API alone (part 2's child process): prints where it listens and the chats
    it knows as one JSON line, then serves until its stdin closes."""

    async def run() -> None:
        # Telegram holds a long poll with nothing to deliver for the whole timeout the bot
        # asks (10 s); the fake's default cap of half a second (so tests stop quickly) had the
        # bot take a getUpdates answer twice a second, each one charged to the message then
        # under way: about 1 in 150 messages, right where p99 is read.
        fake = await FakeTelegram(poll_cap=3600.0).start()
        people = [fake.user(f"Peer {n}") for n in range(count)]
        fake.world.started.update(p.id for p in people)
        where = {"base_url": fake.base_url, "token": fake.token, "ids": [p.id for p in people]}
        print(json.dumps(where), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        await fake.stop()

    logging.basicConfig(level=logging.ERROR)
    asyncio.run(run())


async def overhead(count: int, folder: Path, label: str, profile: bool) -> tuple[float, float]:
    """One message at a time, each started only once the one before was reported delivered
    (its row deleted), so nothing waits behind another: per message, the wall-clock round
    trip and the CPU the bot's process spent on it (every thread: the event loop, aiosqlite's,
    the HTTP client), the fake answering from its own process."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.outbox_fanout",
        "--serve-fake",
        str(count),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdout is not None and child.stdin is not None
    where = json.loads(await child.stdout.readline())
    settings = make_settings(
        folder, telegram_bot_token=where["token"], telegram_api_base_url=where["base_url"]
    )
    platform = TelegramPlatform(settings)
    platform.global_limit = None  # limits off: measure the bot, not the pacing
    walls: list[float] = []
    cpus: list[float] = []
    loop_cpus: list[float] = []  # the event loop's thread alone (the rest: SQLite's thread)
    # CPU time of the event loop's thread: a wait for the CPU is not charged to whatever
    # function happened to be running (aiosqlite's thread is not in this profile).
    profiler = cProfile.Profile(time.thread_time) if profile else None
    causes = Causes()
    try:
        async with running(settings, adapters=[platform]) as svc:
            outbox = svc.ctx.outbox
            causes.watch(svc.ctx.repo.db, platform)
            for warm in where["ids"][:20]:  # connections opened, caches filled
                dest = Destination(Platform.TELEGRAM, "user", str(warm))
                await outbox.settled([await outbox.enqueue(dest, OutgoingMessage("Warm up."))])
            cpu_before = time.process_time()
            collections_before = [g["collections"] for g in gc.get_stats()]
            if profiler is not None:
                profiler.enable()
            # One bound for the whole run, not a timeout per message: that would be a timer
            # armed and cancelled inside every measured span, the benchmark's own work.
            async with asyncio.timeout(60 + count):
                for chat_id in where["ids"]:
                    dest = Destination(Platform.TELEGRAM, "user", str(chat_id))
                    causes.begin()
                    began, cpu, own = time.perf_counter(), time.process_time(), time.thread_time()
                    sent = await outbox.enqueue(dest, OutgoingMessage("A short check-in."))
                    [report] = await outbox.settled([sent])
                    cpus.append(time.process_time() - cpu)
                    loop_cpus.append(time.thread_time() - own)
                    walls.append(time.perf_counter() - began)
                    causes.end()  # after the clocks: its look at the WAL file is not counted
                    assert report.delivered
            causes.stop()
            if profiler is not None:
                profiler.disable()
            cpu_all = time.process_time() - cpu_before
            collections = [
                g["collections"] - before
                for g, before in zip(gc.get_stats(), collections_before, strict=True)
            ]
    finally:
        causes.unwatch()
        child.stdin.close()
        await child.wait()
    n = len(cpus)
    print(f"bot's own cost per message, limits off, {n} sent one at a time, {label}")
    print(
        f"  CPU of the bot's process    p50 {statistics.median(cpus) * 1000:6.2f} ms"
        f"  p99 {percentile(cpus, 0.99) * 1000:6.2f} ms"
        f"  mean {cpu_all / n * 1000:6.2f} ms  (p99 = {percentile(cpus, 0.99) / 0.002:.0%} of 2 ms)"
    )
    print(
        f"  of which the loop's thread  p50 {statistics.median(loop_cpus) * 1000:6.2f} ms"
        f"  p99 {percentile(loop_cpus, 0.99) * 1000:6.2f} ms"
        f"  mean {sum(loop_cpus) / n * 1000:6.2f} ms  (the rest: SQLite's thread)"
    )
    print(
        "  spread of the CPU figure    "
        + "  ".join(f"p{q:g} {percentile(cpus, q / 100) * 1000:.2f}" for q in (75, 90, 95))
        + f" ms; garbage collections meanwhile (gen 0/1/2): {'/'.join(map(str, collections))}"
    )
    print(
        f"  wall, enqueue to report     p50 {statistics.median(walls) * 1000:6.2f} ms"
        f"  p99 {percentile(walls, 0.99) * 1000:6.2f} ms  (includes the fake's answer and any"
        " wait for a CPU)"
    )
    print(f"  {load()}", flush=True)
    causes.report(cpus, sum(walls), loop_cpus)
    if profiler is not None:
        print_profile(profiler, n)
    return statistics.median(cpus), percentile(cpus, 0.99)


_FRAME = 4096 + 24  # a WAL frame: a page and its header
#: SQLite's own (automatic) checkpoint, run inside a write's commit on the shared connection.
OWN_CHECKPOINT = "SQLite's own checkpoint (inside a commit)"
#: The first write after a checkpoint that copied every frame starts the WAL again from the
#: top, and ``journal_size_limit=0`` cuts the file back to that write at its commit.
RESTARTED = "the WAL started again and cut back (a write)"


class Causes:
    """What ran while each message was under way, besides the message itself: a scrub round
    of the WAL (the outbox's, once a second at most), SQLite's own checkpoint (the WAL reached
    ``AUTOCHECKPOINT_PAGES``: seen in the ``-shm`` file as frames copied with no scrub round),
    the WAL started again and cut back by a write (seen as fewer frames in the ``-shm`` file,
    or a smaller WAL file), garbage collections.
    Printed for the slowest 1%, so the tail is explained rather than guessed at."""

    def __init__(self) -> None:
        #: Per message, what ran while it was under way. Tuples: a set kept for each of 2,000
        #: messages is an object the garbage collector walks in every middle collection (about
        #: half of what it walked here), the benchmark's own cost charged to some message.
        self.per_message: list[tuple[str, ...]] = []
        self._now: set[str] = set()
        self._scrubbing = 0
        self._wal: Path | None = None
        #: The ``-shm`` file, opened once (see ``watch``); closed by ``unwatch``.
        self._shm: int | None = None
        self._index = (0, 0)  # the WAL index's (frames in the WAL, frames checkpointed)
        self._platform: object = None
        self._polled = 0.0
        self._wal_size = 0
        self.scrubs = 0
        self._scrubs_before = 0
        self.rounds = 0  # scrub rounds begun while messages were measured
        #: Per scrub round while messages were measured: the WAL's frames when it began,
        #: and whether it cleared the WAL.
        self.round_log: list[tuple[int, bool]] = []
        #: Per scrub round: the process's CPU, the loop thread's and the wall-clock time from
        #: its start to its end (the message under way meanwhile runs too).
        self.round_cpu: list[tuple[float, float, float]] = []
        self._measuring = False
        #: Per garbage collection while messages were measured: its generation and CPU time.
        self.collections: list[tuple[int, float]] = []
        self._gc_began = 0.0

    def watch(self, db: Database, platform: TelegramPlatform) -> None:
        self._wal = Path(f"{db.path}-wal")
        # Opened once and read with pread, closed only after the database is (``unwatch``):
        # closing any descriptor of a file drops every POSIX lock this process holds on it,
        # SQLite's too, and another process opening the database meanwhile (``python -m bot
        # status``, ``backup``) would then take the WAL index for unused and build it again
        # under a live writer (sqlite.org, "How To Corrupt An SQLite Database File", 2.2).
        try:
            self._shm = os.open(f"{db.path}-shm", os.O_RDONLY)
        except OSError:
            self._shm = None
        self._platform = platform
        for name in ("scrub_aside", "scrub"):
            original = getattr(db, name)

            async def counted(original: Callable[[], Awaitable[bool]] = original) -> bool:
                self.scrubs += 1
                self._scrubbing += 1
                self._now.add("a WAL scrub round")
                frames, cleared = self._size() // _FRAME, False
                cpu, own, wall = time.process_time(), time.thread_time(), time.perf_counter()
                try:
                    cleared = await original()
                    return cleared
                finally:
                    self._scrubbing -= 1
                    if self._measuring:
                        self.round_log.append((frames, cleared))
                        self.round_cpu.append(
                            (
                                time.process_time() - cpu,
                                time.thread_time() - own,
                                time.perf_counter() - wall,
                            )
                        )

            setattr(db, name, counted)
        gc.callbacks.append(self._collected)

    def unwatch(self) -> None:
        """Stop watching; called once the database is closed (the ``-shm`` file's descriptor
        is closed only then: see ``watch``)."""
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(self._collected)
        if self._shm is not None:
            shm, self._shm = self._shm, None
            os.close(shm)

    def _collected(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_began = time.thread_time()
        elif phase == "stop":
            self._now.add(f"a generation-{info['generation']} garbage collection")
            if self._measuring:
                self.collections.append((info["generation"], time.thread_time() - self._gc_began))

    def _wal_index(self) -> tuple[int, int]:
        """The WAL index's frames in the WAL (``mxFrame``) and frames already copied into the
        database (``nBackfill``), read from the ``-shm`` file (SQLite's WAL-index format: the
        first at byte 16 of the header, the second at byte 96, native byte order). A
        checkpoint raises the second; the WAL started again from the top lowers the first."""
        if self._shm is None:
            return (0, 0)
        try:
            head = os.pread(self._shm, 100, 0)
        except OSError:
            return (0, 0)
        if len(head) < 100:
            return (0, 0)
        return struct.unpack_from("=I", head, 16)[0], struct.unpack_from("=I", head, 96)[0]

    def _size(self) -> int:
        try:
            return self._wal.stat().st_size if self._wal is not None else 0
        except FileNotFoundError:
            return 0

    def begin(self) -> None:
        if not self.per_message:
            self._scrubs_before = self.scrubs  # the warm-up's are not counted
            self._measuring = True
        self._now = {"a WAL scrub round"} if self._scrubbing else set()
        self._wal_size = self._size()
        self._index = self._wal_index()
        self._polled = self._poll_answered()

    def _poll_answered(self) -> float:
        polls = getattr(self._platform, "_polls", None)  # relaying.WatchedRequest
        return float(getattr(polls, "last_answer", 0.0))

    def end(self) -> None:
        if self._poll_answered() != self._polled:
            self._now.add("a getUpdates answer (Telegram's long poll)")
        if "a WAL scrub round" not in self._now:
            frames, copied = self._wal_index()
            if copied > self._index[1]:
                self._now.add(OWN_CHECKPOINT)
            elif frames < self._index[0] or self._size() < self._wal_size:
                self._now.add(RESTARTED)
        self.per_message.append(tuple(sorted(self._now)))
        self.rounds = self.scrubs - self._scrubs_before  # not the one at stop either

    def stop(self) -> None:
        """Messages are no longer measured (the scrub at stop is not counted)."""
        self._measuring = False

    def report(self, cpus: list[float], seconds: float, loop_cpus: list[float]) -> None:
        n = len(cpus)
        slowest = sorted(range(n), key=lambda i: -cpus[i])[: max(1, n // 100)]
        counts = collections.Counter(c for i in slowest for c in self.per_message[i])
        plain = sum(1 for i in slowest if not self.per_message[i])
        print(f"  the slowest 1% ({len(slowest)} messages) had, while under way:")
        for cause, times in counts.most_common():
            every = sum(1 for m in self.per_message if cause in m)
            print(f"    {cause:48s} {times:4d}  (in {every} of all {n} messages)")
        print(f"    {'none of these (the host: other work, caches)':48s} {plain:4d}")
        # Where the slowest messages' CPU went: the loop's thread, or the others (SQLite's
        # threads): a lump on the others with no cause above is SQLite work not told apart.
        for label, chosen in (
            ("all of the slowest 1%", slowest),
            ("those with none of these", [i for i in slowest if not self.per_message[i]]),
            ("for comparison, every message", list(range(n))),
        ):
            if chosen:
                own = statistics.median(loop_cpus[i] for i in chosen) * 1000
                rest = statistics.median(cpus[i] - loop_cpus[i] for i in chosen) * 1000
                print(
                    f"    {label:31s} median: the loop's thread {own:.2f} ms,"
                    f" the other threads {rest:.2f} ms"
                )
        scrub = "a WAL scrub round"
        met = [c for c, m in zip(cpus, self.per_message, strict=True) if scrub in m]
        rest = [c for c, m in zip(cpus, self.per_message, strict=True) if scrub not in m]
        if met and rest:
            extra = statistics.median(met) - statistics.median(rest)
            print(
                f"  WAL scrub: {self.rounds} rounds in {seconds:.1f} s of sending"
                f" ({self.rounds / seconds:.2f} a second), {extra * 1000:+.2f} ms of CPU on a"
                f" message that met one (median): about {extra * self.rounds / seconds * 1000:.1f}"
                " ms of CPU a second, included in every figure above"
            )
            print(
                f"  for comparison only, the {len(rest)} messages that met no scrub round:"
                f" p50 {statistics.median(rest) * 1000:.2f} ms"
                f"  p99 {percentile(rest, 0.99) * 1000:.2f} ms"
            )
        if self.round_log:
            frames = [f for f, _ in self.round_log]
            print(
                f"  scrub rounds: {sum(c for _, c in self.round_log)} of {len(self.round_log)}"
                f" cleared the WAL; its frames at a round's start: median"
                f" {statistics.median(frames):.0f}, most {max(frames)}"
            )
            cpu, own, wall = (
                statistics.median(x) * 1000 for x in zip(*self.round_cpu, strict=True)
            )
            print(
                f"  a scrub round from start to end, median: CPU of the process {cpu:.2f} ms"
                f" (the loop's thread {own:.2f}), wall {wall:.2f} ms"
            )
        for generation in (0, 1, 2):
            took = [t for g, t in self.collections if g == generation]
            if took:
                print(
                    f"  generation-{generation} collections: {len(took)}, CPU each median"
                    f" {statistics.median(took) * 1000:.2f} ms, most {max(took) * 1000:.2f} ms"
                )
        print("  extra CPU on a message that met each (median against messages that met none):")
        plain = [c for c, m in zip(cpus, self.per_message, strict=True) if not m]
        kinds = collections.Counter(c for m in self.per_message for c in m)
        for cause, times in kinds.most_common():
            alone = [c for c, m in zip(cpus, self.per_message, strict=True) if m == (cause,)]
            if alone and plain:
                extra = statistics.median(alone) - statistics.median(plain)
                print(f"    {cause:48s} {times:4d} messages  {extra * 1000:+.2f} ms")


#: Where a function's own time is counted, by the path of its file (first match wins).
_PARTS = (
    ("tests/fakes/", "the fake Bot API (test harness)"),
    ("aiohttp/web", "the fake Bot API (test harness)"),
    ("/bot/", "the bot's own code"),
    ("/handlers/", "the bot's own code"),
    ("aiosqlite", "SQLite (aiosqlite, its thread)"),
    ("sqlite3", "SQLite (aiosqlite, its thread)"),
    ("/telegram/", "python-telegram-bot"),
    ("aiohttp", "HTTP client stack (aiohttp, yarl, multidict)"),
    ("yarl", "HTTP client stack (aiohttp, yarl, multidict)"),
    ("multidict", "HTTP client stack (aiohttp, yarl, multidict)"),
    ("asyncio", "asyncio event loop"),
    ("selectors", "asyncio event loop"),
    ("json", "JSON"),
)


_IDLE = {"<method 'poll' of 'select.epoll' objects>", "<method 'select' of 'select.epoll' objects>"}


def print_profile(profiler: cProfile.Profile, count: int) -> None:
    """Own time per part of the stack (bot, PTB, HTTP client, fake, loop), per message."""
    stats = pstats.Stats(profiler)
    parts: collections.Counter[str] = collections.Counter()
    entries = stats.stats  # type: ignore[attr-defined]
    for (filename, _, name), (_, _, own, _, _) in entries.items():
        if name in _IDLE:
            continue  # the loop waiting for the network: time, but not cost
        if "SimpleQueue" in name:  # aiosqlite handing a statement to its thread
            filename = "sqlite3"
        part = next((p for key, p in _PARTS if key in filename), "other (stdlib, builtins)")
        parts[part] += own
    total = sum(parts.values())
    print(
        f"  profile (cProfile own CPU time of the event loop's thread,"
        f" {total / count * 1000:.2f} ms a message in all):"
    )
    for part, own in parts.most_common():
        print(f"    {part:46s} {own / count * 1000:6.3f} ms  {own / total:6.1%}")
    print("  the functions with most own time:")
    for (filename, line, name), (_, calls, own, _, _) in sorted(
        entries.items(), key=lambda kv: -kv[1][2]
    )[:12]:
        where = f"{filename[-38:]}:{line} {name}"
        print(f"    {own / count * 1e6:7.1f} us  {calls / count:5.1f}x  {where}")
    print("  the bot's own functions, most own time first:")
    shown = 0
    for (filename, line, name), (_, calls, own, _, _) in sorted(
        entries.items(), key=lambda kv: -kv[1][2]
    ):
        if "/bot/" in filename and shown < 8:
            where = filename.split("/bot/", 1)[1]
            print(
                f"    {own / count * 1e6:7.1f} us  {calls // count:3d}x  bot/{where}:{line} {name}"
            )
            shown += 1


def print_rounds(figures: list[tuple[float, float]]) -> None:
    """Each round's CPU per message, and their medians (``--rounds``)."""
    print(f"part 2 in {len(figures)} rounds, CPU of the bot's process per message:")
    for n, (p50, p99) in enumerate(figures, 1):
        print(f"  round {n:2d}   p50 {p50 * 1000:6.2f} ms  p99 {p99 * 1000:6.2f} ms")
    p50s, p99s = [f[0] for f in figures], [f[1] for f in figures]
    print(
        f"  median     p50 {statistics.median(p50s) * 1000:6.2f} ms"
        f"  p99 {statistics.median(p99s) * 1000:6.2f} ms"
        f"  ({sum(p < 0.002 for p in p99s)} of {len(p99s)} rounds with p99 under 2 ms)"
    )
    print(f"  {load()}", flush=True)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="messages to fan out")
    parser.add_argument("--full", action="store_true", help=f"{FULL_COUNT:,} messages")
    parser.add_argument(
        "--overhead",
        type=int,
        default=1_000,
        help="messages for part 2 (whatever --count is); 0 skips it",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run part 2 this many times (each on a fresh database) and print each one's"
        " p50 and p99 and their medians: its p99 is bimodal from run to run",
    )
    parser.add_argument("--no-hog", action="store_true", help="skip the run beside a CPU hog")
    parser.add_argument("--profile", action="store_true", help="profile part 2 (cProfile)")
    parser.add_argument(
        "--asyncio",
        action="store_true",
        help="run on asyncio's own event loop (as with UVLOOP=false) instead of the service's",
    )
    return parser.parse_args()


async def main(args: argparse.Namespace) -> None:
    count = FULL_COUNT if args.full else args.count
    logging.basicConfig(level=logging.ERROR)
    loop = type(asyncio.get_running_loop())
    print(
        f"event loop: {loop.__module__}.{loop.__qualname__};", load(), "before starting", flush=True
    )
    for hog in (False,) if args.no_hog else (False, True):
        label = "beside a CPU hog" if hog else "quiet host"
        with (
            cpu_hog(hog),
            tempfile.TemporaryDirectory() as one,
            tempfile.TemporaryDirectory() as two,
        ):
            await fan_out(count, Path(one), label)
            if args.overhead > 0:
                figures = [await overhead(args.overhead, Path(two), label, profile=False)]
                for again in range(2, args.rounds + 1):
                    with tempfile.TemporaryDirectory() as other:
                        label = f"{'beside a CPU hog' if hog else 'quiet host'}, round {again}"
                        figures.append(await overhead(args.overhead, Path(other), label, False))
                if len(figures) > 1:
                    print_rounds(figures)
    if args.profile:  # a pass of its own: the profiler slows everything it watches
        with tempfile.TemporaryDirectory() as three:
            label = "quiet host, under cProfile (times inflated by it)"
            await overhead(args.overhead, Path(three), label, profile=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve-fake":
        serve_fake(int(sys.argv[2]))
    else:
        options = arguments()
        # The event loop the service runs on (uvloop where installed): bot/eventloop.py.
        eventloop.run(main(options), use_uvloop=not options.asyncio)
