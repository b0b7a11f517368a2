"""``python -m benchmarks``: every benchmark, one after another, printing their figures.

Pass ``--quick`` for a short run (1,000 messages instead of 10,000 in the fan-out).
"""

from __future__ import annotations

import asyncio
import sys

from benchmarks import (
    bridge,
    content_load,
    debrief,
    distress,
    distress_model,
    outbox_fanout,
    relay_format,
    relevance,
    search,
)


async def run_all(quick: bool) -> None:
    print("== distress recognition ==", flush=True)
    distress.main()
    print("\n== distress: the learned second opinion ==", flush=True)
    distress_model.main()
    print("\n== resource relevance ==", flush=True)
    relevance.main()
    print("\n== resource search ==", flush=True)
    await search.main((1_000, 10_000) if quick else search.SIZES)
    print("\n== content load ==", flush=True)
    sys.argv = [sys.argv[0], *(["--entries", "1000"] if quick else [])]
    await asyncio.to_thread(content_load.main)
    print("\n== outbox fan-out ==", flush=True)
    sys.argv = [sys.argv[0], *(["--count", "1000"] if quick else [])]
    await outbox_fanout.main()
    print("\n== debrief rooms ==", flush=True)
    sys.argv = [sys.argv[0], *(["--rooms", "10", "--seconds", "20"] if quick else [])]
    await debrief.main()
    print("\n== relay formatting ==", flush=True)
    relay_format.run(200 if quick else 2000, 5 if quick else 20)
    print("\n== the bridge ==", flush=True)
    sys.argv = [sys.argv[0], *(["--count", "300"] if quick else [])]
    await bridge.main()


if __name__ == "__main__":
    asyncio.run(run_all("--quick" in sys.argv[1:]))
