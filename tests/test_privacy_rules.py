"""Rules from DESIGN.md that hold across the whole code base.

- Every table that names a person is covered by a feature's export and erase (rule 3).
- Handlers never know which platform they run on (STYLE 1).
- Logs never carry tokens (rule 3).
- Every wording key the code uses exists in content/texts/, with the placeholders it fills.
"""

from __future__ import annotations

import ast
import io
import logging

from bot.config import Settings
from bot.content.sources import SOURCES, TEXTS
from bot.content.store import load_all
from bot.content.wording import scan
from bot.logs import configure
from tests.helpers import CONTENT, REPO, console_service


async def test_every_table_that_names_a_person_can_be_exported_and_erased(
    settings: Settings,
) -> None:
    async with console_service(settings) as (svc, _):
        db = svc.ctx.repo.db
        naming: set[str] = set()
        for table in await db.tables():
            if table == "people":
                naming.add(table)
                continue
            fks = await db.fetchall(f"PRAGMA foreign_key_list({table})")
            cols = await db.fetchall(f"PRAGMA table_info({table})")
            if any(fk["table"] == "people" for fk in fks) or any(
                c["name"].endswith("person_id") for c in cols
            ):
                naming.add(table)
        covered = {t for part in svc.ctx.personal_data for t in part.holds}
    assert naming, "expected person tables"
    assert naming <= covered, f"not covered by any export/erase: {sorted(naming - covered)}"


def test_handlers_never_import_a_platform_library() -> None:
    for path in sorted((REPO / "handlers").rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                root = name.split(".")[0]
                assert root not in {"discord", "telegram"}, f"{path.name} imports {name}"
                assert not name.startswith("bot.platforms."), f"{path.name} imports {name}"
            if isinstance(node, ast.Compare):
                text = ast.unparse(node)
                assert "Platform.TELEGRAM" not in text and "Platform.DISCORD" not in text, (
                    f"{path.name} branches on the platform: {text}"
                )


def test_logs_mask_tokens_even_inside_urls() -> None:
    token = "123456789:AAH" + "x" * 32
    stream = io.StringIO()
    configure("INFO", [token], stream)
    log = logging.getLogger("httpx")
    other = "987654321:" + "Q" * 35  # a token the settings don't know
    log.warning("HTTP Request: POST https://api.telegram.org/bot%s/getMe", token)
    logging.getLogger("bot.test").warning("tokens %s and %s", token, other)
    text = stream.getvalue()
    assert token not in text and other not in text
    assert "/bot[token]/getMe" in text


def test_every_wording_key_used_in_code_exists_with_its_placeholders() -> None:
    """The shipped wording passes the check every load runs (bot/content/wording.py reads
    every call site; tests/content/test_wording_checked_at_load.py shows it refusing)."""
    content, _ = load_all(CONTENT, SOURCES)
    texts = content[TEXTS]
    uses = scan().uses
    assert len(uses) > 100
    for use in uses:
        if use.pattern is None:
            assert use.key in texts, f"{use.where} uses missing text '{use.key}'"
