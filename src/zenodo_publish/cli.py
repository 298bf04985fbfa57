"""Command-line entry point: ``zenodo-publish <command> ...``.

Each subcommand lives in ``zenodo_publish.commands.<name>`` and exposes ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``. This module only dispatches, and holds the one
top-level handler that turns :class:`ZenodoPublishError` into a message and an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn, Protocol, cast

from zenodo_publish import __version__, checksum
from zenodo_publish.errors import ZenodoPublishError
from zenodo_publish.escape import for_terminal
from zenodo_publish.process_exit import exit_process
from zenodo_publish.redact import redact

#: Subcommands in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = (
    "validate",
    "plan",
    "schema",
    "sync",
    "publish",
    "discard",
    "status",
    "versions",
    "matrix",
    "mirror",
    "emulator",
)

EXIT_INTERRUPTED = 130


class CommandModule(Protocol):
    HELP: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def _load(name: str) -> CommandModule:
    module: ModuleType = importlib.import_module(f"zenodo_publish.commands.{name}")
    return cast(CommandModule, module)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line. With ``command``, only that command's module is imported and
    given its options: the others are listed by name only, because importing every command
    (the sync engine, the HTTP stack, collections) would make ``validate`` pay for all of them
    at start-up (issue 15). Without it, every command is loaded (``--help`` lists them all)."""
    parser = argparse.ArgumentParser(
        prog="zenodo-publish",
        description="Keep a Zenodo record in step with a git repository.",
    )
    parser.add_argument("--version", action="version", version=f"zenodo-publish {__version__}")
    parser.add_argument(
        "--debug",
        action="store_true",
        default=bool(os.environ.get("ZENODO_PUBLISH_DEBUG")),
        help="show tracebacks for errors (also ZENODO_PUBLISH_DEBUG=1)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        if command is not None and name != command:
            sub.add_parser(name)  # never parsed in this run
            continue
        module = _load(name)
        child = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(child)
        child.set_defaults(_run=module.run)
    return parser


def chosen_command(argv: Sequence[str]) -> str | None:
    """The command ``argv`` runs, when that is certain before parsing: the first word, with
    nothing but ``--debug`` before it. None when a top-level option such as ``--help`` (or an
    abbreviation of it) comes first, or the word is no command: the full parser answers that."""
    for word in argv:
        if word == "--debug":
            continue
        return word if word in COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(chosen_command(words))
    args = parser.parse_args(words)
    try:
        # One run per command: the mirrors after a sync reuse the sync's md5s (issue 15).
        with checksum.once_per_run():
            return int(args._run(args))
    except ZenodoPublishError as error:
        report_error(error, debug=args.debug)
        return error.exit_code
    except KeyboardInterrupt:
        print("zenodo-publish: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def entry() -> NoReturn:
    """The ``zenodo-publish`` console script (``python -m zenodo_publish`` too)."""
    exit_process(main())


def report_error(error: ZenodoPublishError, *, debug: bool = False) -> None:
    """Print ``error: ...`` and ``hint: ...`` to stderr, secrets masked."""
    if debug:
        import traceback  # only for --debug: every command pays for what cli.py imports

        print(redact("".join(traceback.format_exception(error))), file=sys.stderr)
    # Messages carry server text: no terminal escape sequence reaches the user's terminal.
    print(for_terminal(redact(f"error: {error.message}")), file=sys.stderr)
    if error.hint:
        print(for_terminal(redact(f"hint: {error.hint}")), file=sys.stderr)
