"""``python -m benchmarks``: every benchmark, one after another, printing their figures.

Pass ``--quick`` for a short run (1,000 messages instead of 10,000 in the fan-out).
"""

from __future__ import annotations

import asyncio
import sys

from benchmarks import content_load, outbox_fanout, search


async def run_all(quick: bool) -> None:
    print("== resource search ==", flush=True)
    await search.main()
    print("\n== content load ==", flush=True)
    sys.argv = [sys.argv[0], *(["--entries", "1000"] if quick else [])]
    await asyncio.to_thread(content_load.main)
    print("\n== outbox fan-out ==", flush=True)
    sys.argv = [sys.argv[0], *(["--count", "1000"] if quick else [])]
    await outbox_fanout.main()


if __name__ == "__main__":
    asyncio.run(run_all("--quick" in sys.argv[1:]))
