"""The image's default base is pinned by digest where Dependabot can update it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_default_base_is_python_slim_by_digest_in_a_from_line() -> None:
    froms = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", DOCKERFILE, flags=re.MULTILINE)
    pinned = [(image, stage) for image, stage in froms if "@sha256:" in image]
    assert len(pinned) == 1, froms
    image, stage = pinned[0]
    assert re.fullmatch(r"python:3\.12-slim@sha256:[0-9a-f]{64}", image)
    # A build without --build-arg (GitHub's, on main) starts from that stage.
    default = re.search(r"^ARG BASE_IMAGE=(\S+)$", DOCKERFILE, flags=re.MULTILINE)
    assert default is not None and default.group(1) == stage
    assert froms[-1] == ("${BASE_IMAGE}", "")
