"""Options shared by the commands that only read the manifest (validate, plan --offline)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_manifest_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--manifest", type=Path, default=Path("zenodo.yaml"), help="default: zenodo.yaml"
    )
    parser.add_argument(
        "--repo-root",
        type=Path,
        help="the repository the manifest's paths are relative to (default: the manifest's folder)",
    )
