"""``zenodo-publish publish``: sync, then publish the draft (SPEC §5.5)."""

from __future__ import annotations

import argparse

from zenodo_publish.commands._engine_options import add_engine_arguments, run_engine

HELP = "sync, then publish the draft (production needs endpoint: production and publish.on)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_engine_arguments(parser)


def run(args: argparse.Namespace) -> int:
    return run_engine(args, mode="publish", may_publish=True)
