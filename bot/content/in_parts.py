"""A big resources.yaml read part by part, its search index filled with each part as it comes.

Why: at 10,000 entries a cold load read the whole file (parse, checks, validation, the index's
rows: about 630 ms, all of it Python holding the GIL) and only then let the index's thread
fill FTS5 (about 390 ms, SQLite's own work, without the GIL). Read in parts, the index's
thread fills one part (``search_index.Building``, ``parts=True``) on the other core while
this thread reads the next, so what is left after the last part is that part's fill alone.

Only for a file that reads the same either way, and only when nothing is wrong with it:
- the list of entries (``resources:``, at the top level) comes last, its items each starting
  a line at one indentation (what the file's own layout and a YAML dump both give); the file
  is cut before such lines, and each part is read as the text ``resources:`` and its lines
  (where they stand in the file: the same indentation, under the same key), the part before
  the first entry (the topics) as itself;
- every part must be read by yaml-rs where it surely reads as PyYAML (``fastyaml``: no
  anchors, aliases, tags, document markers, brackets over several lines...), give only the
  list (a key after the list, or two ``resources:``, would show as another key or be refused),
  have no value a comment cut short, and pass validation, and the whole file must pass the
  file's own checks (ids used once, topics from the list);
- a quoted text or a bracket left open at a cut would leave a part that does not parse; a block
  or plain text cannot hold a line less indented than its entry's fields.
Else the file is read whole, as before (``load_yaml_model``), so every problem a steward sees
is word for word what it was, and the index built so far is discarded. The model made is the
one the whole file gives (the same entries, in order, validated by the same schema; the file's
checks run on it whole), kept as the file's last good model and its data in the content cache
as ``load_yaml_model`` keeps them, so an unchanged file, a warm start and the kept index work
as before. A file whose model or index is kept (``_last_good``, the content cache) is read as
before too: that is quicker. A small file (under ``PART_BYTES`` twice: the shipped one is
110 kB) is read whole: its index is built in a few milliseconds.

Measured 2026-11-30 at 10,000 entries (7.8 MB, ``python -m benchmarks.content_load --cold 3``,
A B against main 0d372ce in /tmp, other helpers busy on the host throughout, so wall times
swing by half a second; see benchmarks/content_load.py for every figure): one cold load part
by part at load 2.7, main: resources.yaml read whole and its rows staged 0-558 ms, the index's
thread 546-1,063, the directory ready at 1,108; read in parts: the parts 0-656 ms, the
index's thread 8-794 (filling each part as it came), ready at 814. The CPU is the same (the
parts do the same work; 780-1,120 ms against 807-960 per load in those runs).
Search is unchanged: the parts leave FTS5 with 6 segments on 2 levels instead of 1 (each
statement's savepoint writes what FTS5 holds; automerge folds them), and ``python -m
benchmarks.search --sizes 10000 --fresh 0``, two runs each, A B A B at load 1.8-2.4, gave p50
0.80 / 0.80 ms, p99 2.62 / 7.47 ms (CPU p99 2.56 / 2.67) against main's p50 1.07 / 1.20, p99
3.08 / 8.64 (CPU p99 3.06 / 3.42). An ``optimize`` after the last part (one segment again)
cost 43-97 ms on the critical path and was not done. ``python -m benchmarks.index_build
--verify /tmp/base`` builds this code's index in 8 parts too: 0 of 2,561 (10,000 entries) and
of 2,380 (shipped) searches differ from main's; tests/content/test_in_parts.py loads the
shipped directory in 4 parts, and a made-up one (200 entries) in 4, against whole.
Parts of about 1 MB, at most 8 (7 at 10,000 entries): other sizes measured the same within
the noise (best of 10 alternated loads without a cache, load 3.5: 4 parts of 2 MB 562 ms,
7 of 1 MB 551, 12 of 0.7 MB 618; the file read whole 657).

Known costs, left as they are (a review of 2026-11-30 measured them; not worth the code):
- a big file refused late is read twice: the parts stop at the first doubtful part, but ids
  used twice and unknown topics show only once every part is read, and then the file is read
  whole again for its problems (a broken 10,000-entry file: 3.9-4.7 s of CPU against 3.3-4.4
  read whole alone, load 5-5.6: a steward's reload of a broken file, PyYAML's line numbers
  most of it). A valid file can fall back too: an empty block (``hours: >``) as the last field
  before a cut fails that part's ``fastyaml`` check (``_empty_block_at_end``), so the file is
  read whole, as before;
- after a schema change the content cache still has data for the bytes (``cache.has``) that
  no longer validates: that first start reads the file whole (about 1.2 s against 0.9 at
  10,000 entries), once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from bot.content import cache, fastyaml, yamlfile
from bot.content.schema.resources import Resource, ResourcesFile, Topic
from bot.directory.resources import docs_of
from bot.storage.search_index import Building

#: About how big a part is, and at most how many there are.
PART_BYTES = 1_000_000
MOST_PARTS = 8
SHOWN_AS = "resources.yaml"
_KEY = b"resources:"
_ENTRIES = TypeAdapter(list[Resource])
_TOPICS = TypeAdapter(list[Topic])


@dataclass(frozen=True, slots=True)
class Whole:
    """The file is to be read whole (``load_yaml_model``); ``raw`` and ``digest``: its bytes
    and their sha256, if they were read here (a big file is neither read nor hashed twice:
    20-25 and about 5 ms at 10,000 entries)."""

    raw: bytes | None = None
    digest: bytes | None = None


def begin(path: Path) -> tuple[ResourcesFile, Building, str] | Whole:
    """resources.yaml's model, its index being built, read part by part, and the sha256 (hex)
    of the bytes read (what the index's image is kept by: asking ``yamlfile.digest_of`` after
    ``keep`` could find another thread's load of the same path kept since, and no digest);
    ``Whole`` when the file is to be read whole (see the module's docstring)."""
    try:
        if path.stat().st_size < 2 * PART_BYTES:
            return Whole()
        raw = path.read_bytes()
    except OSError:
        return Whole()  # ``load_yaml_model`` says what is wrong
    digest = hashlib.sha256(raw).digest()
    kind = yamlfile.data_kind(SHOWN_AS, ResourcesFile)
    if yamlfile.last_good(path, ResourcesFile, digest) is not None or cache.has(kind, digest.hex()):
        return Whole(raw, digest)
    cut = _cut(raw)
    if cut is None:
        return Whole(raw, digest)
    head = _read(raw[: cut[0]])
    if not isinstance(head, dict) or not head or list(head)[-1] != "resources":
        return Whole(raw, digest)
    if head["resources"] is not None:
        return Whole(raw, digest)
    try:
        topics = _TOPICS.validate_python(head.get("topics"))
    except ValidationError:
        return Whole(raw, digest)
    building = Building(keep_image=True, parts=True)
    try:
        built = _entries(raw, cut, head, topics, building)
    except BaseException:
        building.discard()
        raise
    if built is None:
        building.discard()
        return Whole(raw, digest)
    file, data = built
    building.finish()
    yamlfile.keep(path, ResourcesFile, digest, file, data, kind)
    return file, building, digest.hex()


def _entries(
    raw: bytes, cut: list[int], head: dict[str, Any], topics: list[Topic], building: Building
) -> tuple[ResourcesFile, dict[str, Any]] | None:
    """Each part read, validated and given to ``building``; then the whole file's model and
    its plain data (as ``load_yaml_model`` would keep it). None at the first doubt."""
    entries: list[Resource] = []
    listed: list[Any] = []
    for start, end in zip(cut, [*cut[1:], len(raw)], strict=True):
        part = _read(_KEY + b"\n" + raw[start:end])
        if not isinstance(part, dict) or list(part) != ["resources"]:
            return None
        items = part["resources"]
        if not isinstance(items, list):
            return None
        try:
            valid = _ENTRIES.validate_python(items)
        except ValidationError:
            return None
        building.add(docs_of(ResourcesFile.model_construct(topics=topics, resources=valid)))
        entries += valid
        listed += items
    data = {**head, "resources": listed}
    try:
        file = ResourcesFile.model_validate({**head, "resources": entries})
    except ValidationError:
        return None
    return file, data


def _read(raw: bytes) -> Any:
    """The plain data in one part, or None when yaml-rs may read it otherwise than PyYAML, a
    comment cut a value short, or it is not UTF-8."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    data = fastyaml.load(text, yamlfile._Loader.yaml_implicit_resolvers, raw)
    if data is None or yamlfile.values_cut_by_comments(text, SHOWN_AS, raw):
        return None
    return data


def _cut(raw: bytes) -> list[int] | None:
    """Where each part begins: the first entry of the list under ``resources:`` (a top-level
    key, followed by blank and comment lines only), then about every ``PART_BYTES``, each
    at the next line that starts an entry at the first one's indentation. None when the file
    is not laid out so."""
    key = 0 if raw.startswith(_KEY) else raw.find(b"\n" + _KEY) + 1
    if key == 0 and not raw.startswith(_KEY):
        return None
    line_end = raw.find(b"\n", key)
    if line_end == -1 or raw[key + len(_KEY) : line_end].strip(b" \t"):
        return None  # a value (or a comment) on the key's own line: read it whole
    at = line_end + 1
    while True:  # blank and comment lines up to the first entry
        end = raw.find(b"\n", at)
        if end == -1:
            return None
        line = raw[at:end].lstrip(b" ")
        if line and not line.startswith(b"#"):
            break
        at = end + 1
    indent = raw[at:end].index(line[:1])
    if not line.startswith(b"- "):
        return None
    marker = b"\n" + b" " * indent + b"- "
    parts = min(MOST_PARTS, (len(raw) - at) // PART_BYTES)
    cut = [at]
    size = (len(raw) - at) // max(parts, 1)
    for n in range(1, parts):
        found = raw.find(marker, max(at + n * size, cut[-1] + 1))
        if found == -1:
            break
        cut.append(found + 1)
    return cut if len(cut) > 1 else None
