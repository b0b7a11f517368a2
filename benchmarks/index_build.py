"""The directory's search index: what building it costs, and proof that a change to how it is
built finds the same entries in the same order.

Run from the repository root:
  python -m benchmarks.index_build [--entries N] [--runs N]
      CPU and wall time of ``SearchIndex.build`` alone at N entries (10,000 by default, issue
      14's size), on the benchmark's synthetic directory (benchmarks/search.py ``synthetic``).
  python -m benchmarks.index_build --compare CHECKOUT
      the same, with another checkout's code (say main's) taking turns with this code's, each
      run in a fresh child process, A B A B ..., so both meet the same load.
  python -m benchmarks.index_build --variants
      this code's index declared other ways, each built in turn (see ``VARIANTS``), to show
      what each part of the declaration costs.
  python -m benchmarks.index_build --verify CHECKOUT
      the same searches through ``ResourceDirectory.search`` with this code and with
      CHECKOUT's, on the synthetic directory and on the shipped one: single words, every
      two-letter start of an indexed word, three-, four- and five-letter starts, typos, two to
      four words, words with accents, digits and joiners, filters with and without words, and
      searches that find nothing; this code's index built whole, and built in 8 parts as the
      load builds a big resources.yaml's (bot/content/in_parts.py). It prints how many
      differ (entries, their order, the "did you mean" words, "some of your words") and the
      first few that do; 0 is the goal.

The machine's load average is printed beside every figure; CPU time is the steadier figure on a
shared host. Nothing is asserted: these are measurements and a comparison to read.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEED = 20261122  # the same synthetic directory as benchmarks/content_load.py

#: What the child process runs, in the folder of the code measured (``python -c`` imports from
#: there first). It uses only what main's code has too.
CHILD = """
import json, random, sys, time
from pathlib import Path
import yaml
from benchmarks.search import synthetic
from bot.content.schema.common import Cost, Format, Region
from bot.content.schema.resources import ResourcesFile
from bot.directory.resources import Query, ResourceDirectory, _doc
from bot.storage.search_index import SearchIndex

mode, corpus, arg = sys.argv[1], sys.argv[2], sys.argv[3]
PARTS = 8
if corpus == "shipped":
    data = yaml.safe_load(Path("content/resources.yaml").read_text("utf-8"))
else:
    data = synthetic(int(corpus), random.Random(int(sys.argv[4])))
file = ResourcesFile.model_validate(data)
if mode == "build":
    labels = {t.id: t.label for t in file.topics}
    docs = [_doc(i, r, labels) for i, r in enumerate(file.resources)]
    for _ in range(int(arg)):
        wall, cpu = time.perf_counter(), time.process_time()
        SearchIndex.build(docs).close()
        print(time.perf_counter() - wall, time.process_time() - cpu)
else:
    if mode == "parts":  # in parts, as the load builds a big file's (bot/content/in_parts.py)
        from bot.storage.search_index import Building
        labels = {t.id: t.label for t in file.topics}
        building = Building(parts=True)
        n = len(file.resources)
        for part in range(PARTS):
            some = file.resources[part * n // PARTS : (part + 1) * n // PARTS]
            building.add([_doc(i, r, labels) for i, r in enumerate(some)])
        building.finish()
        directory = ResourceDirectory(file, building.result())
    else:
        directory = ResourceDirectory(file)
    out = []
    for q in json.loads(Path(arg).read_text("utf-8")):
        query = Query(
            q["text"], q["topic"], Region(q["region"]) if q["region"] else None,
            Cost(q["cost"]) if q["cost"] else None,
            Format(q["format"]) if q["format"] else None,
            q["indigenous"], q["peer"], q["crisis"],
        )
        found = directory.search(query)
        out.append([[r.id for r in found.resources], found.corrected, found.partial])
    print(json.dumps(out))
"""

#: The index declared other ways (text replaced in this code's schema), for ``--variants``;
#: each fills facets and tags as this code does, so none of them is main's whole build time
#: (``--compare`` gives that).
VARIANTS: dict[str, tuple[str, str]] = {
    "prefix '2 3' (main's FTS5 table)": ("prefix = '2',", "prefix = '2 3',"),
    "prefix '3'": ("prefix = '2',", "prefix = '3',"),
    "prefix '2' (this code)": ("", ""),
    "no prefix index": ("prefix = '2',", ""),
    "detail=column": ("content = ''", "content = '', detail = column"),
    "remove_diacritics 1": ("remove_diacritics 2", "remove_diacritics 1"),
    "pgsz 16000": (
        "INSERT INTO docs(docs, rank) VALUES('hashsize'",
        "INSERT INTO docs(docs, rank) VALUES('pgsz', 16000);\n"
        "INSERT INTO docs(docs, rank) VALUES('hashsize'",
    ),
}


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def child(code: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(code), "LOG_LEVEL": "WARNING"}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args], cwd=code, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"{code} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def builds(codes: dict[str, Path], entries: int, runs: int, rounds: int) -> None:
    """Each code's build, ``runs`` builds in each of ``rounds`` child processes, taking turns."""
    took: dict[str, list[tuple[float, float]]] = {name: [] for name in codes}
    for n in range(rounds):
        for name, code in codes.items():
            out = child(code, "build", str(entries), str(runs), str(SEED))
            times = [(float(w), float(c)) for w, c in (line.split() for line in out.splitlines())]
            took[name] += times
            shown = ", ".join(f"{c * 1000:,.0f}" for _, c in times)
            print(
                f"  round {n + 1} {name}: CPU {shown} ms; wall"
                f" {', '.join(f'{w * 1000:,.0f}' for w, _ in times)} ms · {load_average()}"
            )
    for name, times in took.items():
        cpu = sorted(c * 1000 for _, c in times)
        wall = sorted(w * 1000 for w, _ in times)
        print(
            f"index build at {entries:,} entries, {name}: CPU median {statistics.median(cpu):,.0f}"
            f" ms (min {cpu[0]:,.0f}), wall median {statistics.median(wall):,.0f} ms"
            f" (min {wall[0]:,.0f}) over {len(cpu)} builds"
        )


def variants(entries: int, runs: int) -> None:
    """This code's index declared as in ``VARIANTS``, built in turn in this process."""
    from benchmarks.search import synthetic
    from bot.content.schema.resources import ResourcesFile
    from bot.directory.resources import _doc
    from bot.storage import search_index

    file = ResourcesFile.model_validate(synthetic(entries, random.Random(SEED)))
    labels = {t.id: t.label for t in file.topics}
    docs = [_doc(i, r, labels) for i, r in enumerate(file.resources)]
    schema = search_index._SCHEMA
    took: dict[str, list[float]] = {name: [] for name in VARIANTS}
    try:
        for _ in range(runs):
            for name, (old, new) in VARIANTS.items():
                search_index._SCHEMA = schema.replace(old, new) if old else schema
                cpu = time.process_time()
                search_index.SearchIndex.build(docs).close()
                took[name].append((time.process_time() - cpu) * 1000)
    finally:
        search_index._SCHEMA = schema
    for name, times in took.items():
        print(
            f"  {name:>24}: CPU median {statistics.median(times):5,.0f} ms"
            f" (min {min(times):5,.0f}) over {runs} builds"
        )
    print(load_average())


def queries(
    vocabulary: list[str], topics: list[str], rng: random.Random
) -> list[dict[str, object]]:
    """Searches of every kind this index answers, as plain data both codes read alike."""
    from bot.content.schema.common import Cost, Format, Region

    words = [w for w in vocabulary if w.isalpha()]
    starts = {n: sorted({w[:n] for w in words if len(w) > n}) for n in (2, 3, 4, 5)}
    texts: list[str] = []
    texts += rng.sample(words, min(300, len(words)))
    texts += starts[2][:400]
    for n in (3, 4, 5):
        texts += rng.sample(starts[n], min(300 if n == 3 else 150, len(starts[n])))
    long = [w for w in words if len(w) >= 5]
    for _ in range(200):  # a letter dropped, doubled or two swapped
        w = rng.choice(long)
        at = rng.randrange(1, len(w) - 1)
        texts.append(
            rng.choice([w[:at] + w[at + 1 :], w[:at] + w[at] + w[at:], w[:at] + w[at + 1] + w[at]])
        )
    for n, count in ((2, 200), (3, 150), (4, 60)):
        texts += [" ".join(rng.sample(words, n)) for _ in range(count)]
    texts += [f"{rng.choice(starts[2])} {rng.choice(words)}" for _ in range(100)]
    texts += [f"i need {rng.choice(words)} for my {rng.choice(words)} please" for _ in range(50)]
    texts += ["café", "naïve", "Montréal", "Ñ", "élder", "24", "911", "2026", "a_b", "don't"]
    texts += ["e-mail", "co-op", "zq1234x", "", "   ", "the and of", "hiv", "bc", "aa", "na"]
    searches = [_search(text) for text in texts]
    for _ in range(500):  # filters, with a word or a start or none
        text = rng.choice(["", rng.choice(words), rng.choice(starts[2]), rng.choice(starts[3])])
        searches.append(
            _search(
                text,
                topic=rng.choice([None, None, *topics]),
                region=rng.choice([None, *[r.value for r in Region]]),
                cost=rng.choice([None, None, *[c.value for c in Cost]]),
                format=rng.choice([None, None, *[f.value for f in Format]]),
                indigenous=rng.random() < 0.2,
                peer=rng.random() < 0.2,
                crisis=rng.random() < 0.3,
            )
        )
    return searches


def _search(text: str, **filters: object) -> dict[str, object]:
    base: dict[str, object] = dict.fromkeys(("topic", "region", "cost", "format"))
    base.update(indigenous=False, peer=False, crisis=False)
    return {"text": text, **base, **filters}


def verify(other: Path, entries: int) -> None:
    """The same searches with this code and ``other``'s: how many differ."""
    import yaml

    from benchmarks.search import synthetic
    from bot.content.schema.resources import ResourcesFile
    from bot.directory.resources import ResourceDirectory

    rng = random.Random(7)
    for corpus in (str(entries), "shipped"):
        if corpus == "shipped":
            data = yaml.safe_load((REPO / "content" / "resources.yaml").read_text("utf-8"))
        else:
            data = synthetic(entries, random.Random(SEED))
        file = ResourcesFile.model_validate(data)
        directory = ResourceDirectory(file)
        asked = queries(directory.vocabulary, [t.id for t in file.topics], rng)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "queries.json"
            path.write_text(json.dumps(asked), "utf-8")
            theirs = json.loads(child(other, "results", corpus, str(path), str(SEED)))
            for mode, how in (("results", ""), ("parts", " (its index built in 8 parts)")):
                ours = json.loads(child(REPO, mode, corpus, str(path), str(SEED)))
                differ = [n for n, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b]
                found = sum(1 for result in ours if result[0])
                name = "shipped directory" if corpus == "shipped" else f"{entries:,} entries"
                print(
                    f"{name}: {len(asked):,} searches ({found:,} finding something),"
                    f" {len(differ)} differ between this code{how} and {other}"
                    f" · {load_average()}"
                )
                for n in differ[:5]:
                    print(f"  {asked[n]}\n    this code: {ours[n]}\n    {other}: {theirs[n]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="builds per child process")
    parser.add_argument("--rounds", type=int, default=3, help="child processes per code")
    parser.add_argument("--compare", type=Path, help="another checkout, taking turns")
    parser.add_argument("--variants", action="store_true", help="this index declared otherwise")
    parser.add_argument("--verify", type=Path, help="compare search results with a checkout")
    args = parser.parse_args()
    print(load_average())
    if args.verify:
        verify(args.verify.resolve(), args.entries)
    elif args.variants:
        variants(args.entries, args.runs * args.rounds)
    else:
        codes = {"this code": REPO}
        if args.compare:
            codes = {f"{args.compare}": args.compare.resolve(), **codes}
        builds(codes, args.entries, args.runs, args.rounds)
    print(load_average())


if __name__ == "__main__":
    main()
