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


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"
