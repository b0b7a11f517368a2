"""``python -m bot`` and the ``peer-circle`` script: run, back up, check content, status,
prepare (at install).

Problems a person running the bot can fix (a setting, a content file) are printed as plain
lines and exit with status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from pathlib import Path

from bot import collector, eventloop, logs
from bot.config import Settings, load_settings
from bot.content.problems import ContentError
from bot.content.sources import SOURCES
from bot.content.store import load_all
from bot.core.errors import SettingsError
from bot.platforms.console import ConsolePlatform, stdin_lines
from bot.storage.database import MigrationError, backup

BANNER = (
    "{name} — console. Type /help to see what you can do, a number to press a button,"
    " :quit to leave.\n"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="peer-circle", description="Peer Circle: a peer-only network bot."
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (the default)")
    back = sub.add_parser("backup", help="copy the database safely while the bot runs")
    back.add_argument("path", type=Path, help="where to write the copy")
    sub.add_parser("check-content", help="check every file in the content folder")
    sub.add_parser("export-schemas", help="write content/schemas/*.schema.json for editors")
    sub.add_parser(
        "train-distress-model",
        help="train the distress model from the examples and write content/distress_model.json",
    )
    sub.add_parser("status", help="how the database and content stand, without starting")
    sub.add_parser(
        "prepare",
        help="at install and after each update: compile the code and work out, once, what"
        " every first start would otherwise (the wording keys the code uses, the word list)",
    )
    return parser


def _prepare() -> int:
    """What ``compileall`` does for the code, and what ``bot.content.prepared`` keeps beside
    it: run where the service may not write beside its code (docs/deploy.md)."""
    import compileall

    import bot
    import handlers
    from bot.content import wording
    from bot.directory import english

    for package in (bot, handlers):
        folder = Path(str(package.__file__)).parent
        if not compileall.compile_dir(folder, quiet=2):
            print(
                f"Could not compile {package.__name__} in {folder}: a file there does not"
                " compile, or this user may not write its compiled files (run prepare as"
                f" the user that installed it; python -m compileall {folder} names the file).",
                file=sys.stderr,
            )
            return 1
    try:
        for kept in (wording.prepare(), english.prepare(), _prepare_distress()):
            if kept is not None:
                print(f"Kept {kept}")
    except OSError as exc:
        print(
            f"Could not keep what is prepared beside the compiled code ({exc}): run prepare"
            " as the user that installed the code.",
            file=sys.stderr,
        )
        return 1
    print("Prepared: compiled the code, and kept what each first start would work out.")
    return 0


def _check_content(settings: Settings) -> int:
    try:
        _, warnings = load_all(settings.content_dir, SOURCES)
    except ContentError as exc:
        print(f"Content has {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    for warning in warnings:
        print(f"  note: {warning}")
    print(f"Content in {settings.content_dir} is good.")
    return 0


def _run(settings: Settings) -> int:
    from bot.service import serve

    console = None
    if settings.console_only:
        level = max(logging.getLevelName(settings.log_level), logging.WARNING)
        logs.configure(logging.getLevelName(level), settings.secrets())
        if sys.stdin.isatty():
            print(BANNER.format(name=settings.network_name), flush=True)

        def write(text: str) -> None:
            sys.stdout.write(text)
            sys.stdout.flush()

        console = ConsolePlatform(stdin_lines(), write)
    else:
        logs.configure(settings.log_level, settings.secrets())
    with contextlib.suppress(KeyboardInterrupt):
        eventloop.run(serve(settings, console), use_uvloop=settings.uvloop)
    return 0


def _prepare_distress() -> Path | None:
    """The distress patterns of the content folder as installed, compiled
    (``bot.directory.compiled``); nothing if the settings or the content are not ready yet
    (the first start then compiles them, as before)."""
    from bot.content.sources import DISTRESS
    from bot.directory import compiled

    try:
        load_all(load_settings().content_dir, [DISTRESS])
    except (SettingsError, ContentError) as exc:
        print(f"Distress patterns not prepared: {str(exc).splitlines()[0]}", file=sys.stderr)
        return None
    return compiled.keep(asked=True)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command not in (None, "run"):
        collector.resume()  # a one-off command: nothing more to hold the collector off for
    if args.command == "prepare":  # at install: no settings are there yet
        return _prepare()
    try:
        settings = load_settings()
        if args.command == "backup":
            backup(settings.database_path, args.path)
            print(f"Backed up {settings.database_path} to {args.path}.")
            return 0
        if args.command == "check-content":
            return _check_content(settings)
        if args.command == "status":
            from bot.status_report import report

            code, lines = report(settings)
            print("\n".join(lines))
            return code
        if args.command == "export-schemas":
            from bot.content.jsonschemas import export

            for path in export(settings.content_dir / "schemas"):
                print(f"Wrote {path}")
            return 0
        if args.command == "train-distress-model":
            from bot.directory.distress_model import write_shipped

            print(f"Wrote {write_shipped(settings.content_dir)}; commit it with the examples.")
            return 0
        return _run(settings)
    except SettingsError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except ContentError as exc:
        print("The content folder has problems; the bot did not start:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        print("Fix them, then check with: python -m bot check-content", file=sys.stderr)
        return 2
    except MigrationError as exc:
        print(f"DATABASE_PATH: {exc}. The database was left as it was.", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
