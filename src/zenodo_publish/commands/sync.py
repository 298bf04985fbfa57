"""``zenodo-publish sync``: bring the Zenodo draft in line with the manifest; never publish."""

from __future__ import annotations

import argparse

from zenodo_publish.commands._engine_options import (
    add_engine_arguments,
    add_force_upload_argument,
    run_engine,
)

HELP = "sync files and metadata into the Zenodo draft (never publishes)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_engine_arguments(parser)
    add_force_upload_argument(parser)


def run(args: argparse.Namespace) -> int:
    return run_engine(args, mode="sync", may_publish=False)
