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
import traceback
from collections.abc import Sequence
from types import ModuleType
from typing import Protocol, cast

from zenodo_publish import __version__
from zenodo_publish.errors import ZenodoPublishError
from zenodo_publish.escape import for_terminal
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


def build_parser() -> argparse.ArgumentParser:
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
        command = _load(name)
        child = sub.add_parser(name, help=command.HELP, description=command.HELP)
        command.add_arguments(child)
        child.set_defaults(_run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._run(args))
    except ZenodoPublishError as error:
        report_error(error, debug=args.debug)
        return error.exit_code
    except KeyboardInterrupt:
        print("zenodo-publish: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def report_error(error: ZenodoPublishError, *, debug: bool = False) -> None:
    """Print ``error: ...`` and ``hint: ...`` to stderr, secrets masked."""
    if debug:
        print(redact("".join(traceback.format_exception(error))), file=sys.stderr)
    # Messages carry server text: no terminal escape sequence reaches the user's terminal.
    print(for_terminal(redact(f"error: {error.message}")), file=sys.stderr)
    if error.hint:
        print(for_terminal(redact(f"hint: {error.hint}")), file=sys.stderr)
