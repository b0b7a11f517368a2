"""Loading content: mistakes named by file, line, entry and field; reload keeps the last good."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content.problems import ContentError
from bot.content.schema.crisis import CrisisGroup
from bot.content.sources import CRISIS, SOURCES, TEXTS
from bot.content.store import Content, ContentStore
from tests.helpers import CONTENT


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


async def problems_of(content_dir: Path) -> list[str]:
    with pytest.raises(ContentError) as err:
        await ContentStore(content_dir, SOURCES).load()
    return [str(p) for p in err.value.problems]


async def test_shipped_crisis_lines_hide_the_unconfirmed_ones() -> None:
    store = ContentStore(CONTENT, SOURCES)
    await store.load()
    crisis = store[CRISIS]
    shown = {line.id for line in crisis.shown()}
    assert {"988", "911", "1-800-suicide", "310", "hope-for-wellness"} <= shown
    assert "kuu-us" not in shown and "metis-crisis-line" not in shown
    assert [ln.id for ln in crisis.shown(CrisisGroup.ALWAYS)][:2] == ["988", "911"]
    assert any("kuu-us" in w for w in store.warnings)
    for line in crisis.lines:
        assert line.source and line.verified


async def test_a_missing_field_names_file_line_entry_and_field(content_dir: Path) -> None:
    edit(content_dir / "crisis.yaml", "    hours: 24/7, English and French\n", "")
    (problem,) = await problems_of(content_dir)
    assert problem.startswith("crisis.yaml:")
    assert 'entry lines[0] "988"' in problem and "field 'hours'" in problem
    assert "Field required" in problem


async def test_a_wrong_value_points_at_its_own_line(content_dir: Path) -> None:
    path = content_dir / "crisis.yaml"
    edit(path, "    phone: 1-800-784-2433\n", "    phone: call us\n")
    (problem,) = await problems_of(content_dir)
    line_no = next(
        n for n, text in enumerate(path.read_text().splitlines(), 1) if "phone: call us" in text
    )
    assert problem.startswith(f"crisis.yaml:{line_no} ")
    assert 'entry lines[2] "1-800-suicide"' in problem and "field 'phone'" in problem


async def test_a_misspelt_field_and_a_bad_date_and_a_yaml_slip(content_dir: Path) -> None:
    edit(content_dir / "crisis.yaml", "    region: Canada\n", "    regoin: Canada\n")
    edit(content_dir / "crisis.yaml", "verified: 2026-11-22", "verified: last week")
    found = await problems_of(content_dir)
    assert any("field 'regoin'" in p and "Extra inputs" in p for p in found)
    assert any("field 'region'" in p for p in found)
    assert any("field 'verified'" in p for p in found)
    edit(content_dir / "texts" / "help.yaml", "header:", "header :\n  - [")
    found = await problems_of(content_dir)
    assert any(p.startswith("texts/help.yaml:") and "YAML error" in p for p in found)


async def test_reload_keeps_the_last_good_content(content_dir: Path) -> None:
    store = ContentStore(content_dir, SOURCES)
    seen: list[Content] = []

    async def listener(content: Content) -> None:
        seen.append(content)

    store.on_reload(listener)
    await store.load()
    good = store.current
    edit(content_dir / "crisis.yaml", "    group: always\n", "    group: sometimes\n")
    problems = await store.reload()
    assert problems and "field 'group'" in str(problems[0])
    assert store.current is good and len(seen) == 1

    edit(content_dir / "crisis.yaml", "    group: sometimes\n", "    group: always\n")
    edit(content_dir / "texts" / "help.yaml", "Here's what you can use:", "What you can do:")
    assert await store.reload() == []
    assert store[TEXTS]("help.header") == "What you can do:" and len(seen) == 2


async def test_a_missing_content_folder_is_named(tmp_path: Path) -> None:
    found = await problems_of(tmp_path / "nowhere")
    assert "content folder is missing" in found[0]


async def test_unchecked_resources_and_trainings_are_listed_as_notes() -> None:
    store = ContentStore(CONTENT, SOURCES)
    await store.load()
    notes = "\n".join(store.warnings)
    assert 'resources.yaml — entry "get-your-drugs-tested-vancouver"' in notes
    assert 'trainings.yaml — entry "the-working-mind-course"' in notes
    assert '"opioid-treatment-access-line"' not in notes  # checked against its source


async def test_a_checked_entry_needs_its_date(content_dir: Path) -> None:
    path = content_dir / "resources.yaml"
    edit(path, "    verified: 2026-11-22\n\n  - id: prescribed-safer", "\n  - id: prescribed-safer")
    (problem,) = await problems_of(content_dir)
    assert '"opioid-treatment-access-line"' in problem and "field 'verified'" in problem
    assert "or set confirmed: false" in problem


async def test_a_list_typed_as_a_key_is_named_at_start_up_and_by_reload(
    content_dir: Path,
) -> None:
    """Regression: ``[a, b]: c`` broke start-up and /reload with a traceback (yaml-rs read a
    tuple as the key); it is one plain problem, with its file and line, and the last good
    content stays."""
    store = ContentStore(content_dir, SOURCES)
    await store.load()
    good = store.current
    help_file = content_dir / "texts" / "help.yaml"
    edit(help_file, "header:", "[header, footer]: x\nheader:")
    line = 1 + help_file.read_text().splitlines().index("[header, footer]: x")
    problems = [str(p) for p in await store.reload()]
    assert store.current is good
    assert len(problems) == 1 and problems[0].startswith(f"texts/help.yaml:{line}: YAML error")
    assert await problems_of(content_dir) == problems
