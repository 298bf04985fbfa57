#!/usr/bin/env python3
"""Produce the released ``action.yml``: the development one, run from a prebuilt image.

On ``main`` the action builds its image from the Dockerfile (``runs.image: Dockerfile``), which
costs every user's runner a base-image pull, an apt-get and a pip install on every run. The
release workflow pushes that image to GHCR once and commits an ``action.yml`` whose
``runs.image`` is ``docker://<registry>/<name>@sha256:<digest>``: the runner pulls exactly the
bytes that were built, tested and attested, and builds nothing.

Only the ``image:`` line of the ``runs:`` block changes; inputs, outputs, comments and
everything else are carried over byte for byte, then checked by parsing both files.

    python scripts/release_action.py --image ghcr.io/owner/repo@sha256:<64 hex> \\
        [--action action.yml] [--output action.yml]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import yaml

#: ``registry/path@sha256:digest``: lower-case repository path (registries refuse upper case),
#: an explicit registry host, and a full digest. A tag is not enough: tags move.
IMAGE_REFERENCE = re.compile(
    r"^(?P<registry>[a-z0-9]+(?:[.-][a-z0-9]+)*(?::[0-9]+)?)"
    r"/(?P<path>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r"@sha256:(?P<digest>[0-9a-f]{64})$"
)
_RUNS_KEY = re.compile(r"^runs:\s*(#.*)?$")
_TOP_LEVEL = re.compile(r"^[^\s#]")
_IMAGE_LINE = re.compile(r"^(?P<indent>\s+)image:\s*(?P<value>\S.*?)\s*$")


class ReleaseError(Exception):
    """The action.yml or the image reference cannot make a release."""


def check_image(reference: str) -> str:
    if not IMAGE_REFERENCE.match(reference):
        raise ReleaseError(
            f"image {reference!r} is not REGISTRY/NAME@sha256:<64 hex digits> in lower case"
        )
    return reference


def released_action(source: str, image: str) -> str:
    """``source`` (the development action.yml) with ``runs.image`` set to ``docker://image``."""
    check_image(image)
    lines = source.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if _RUNS_KEY.match(line)), None)
    if start is None:
        raise ReleaseError("action.yml has no top-level `runs:` block")
    end = next((i for i in range(start + 1, len(lines)) if _TOP_LEVEL.match(lines[i])), len(lines))
    image_lines = [i for i in range(start + 1, end) if _IMAGE_LINE.match(lines[i])]
    if len(image_lines) != 1:
        raise ReleaseError(f"`runs:` must have exactly one `image:` line, found {len(image_lines)}")
    index = image_lines[0]
    match = _IMAGE_LINE.match(lines[index])
    assert match is not None
    newline = "\n" if lines[index].endswith("\n") else ""
    lines[index] = f"{match['indent']}image: docker://{image}{newline}"
    result = "".join(lines)
    _verify(source, result, image)
    return result


def _verify(source: str, result: str, image: str) -> None:
    """The generated file differs from the source in ``runs.image`` alone."""
    before = _load(source, "the development action.yml")
    after = _load(result, "the generated action.yml")
    runs = before.get("runs")
    if not isinstance(runs, dict) or runs.get("using") != "docker":
        raise ReleaseError("action.yml must be a Docker action (`runs.using: docker`)")
    if runs.get("image") != "Dockerfile":
        raise ReleaseError(
            f"action.yml already runs {runs.get('image')!r}; expected the development "
            "`image: Dockerfile`"
        )
    expected = dict(before, runs=dict(runs, image=f"docker://{image}"))
    if after != expected:
        raise ReleaseError("rewriting `runs.image` changed more than that line")


def _load(text: str, what: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ReleaseError(f"{what} is not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise ReleaseError(f"{what} is not a mapping")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--image", required=True, help="REGISTRY/NAME@sha256:DIGEST")
    parser.add_argument("--action", default="action.yml", type=Path, help="the dev action.yml")
    parser.add_argument("--output", type=Path, help="where to write (default: stdout)")
    args = parser.parse_args(argv)
    try:
        text = released_action(args.action.read_text(encoding="utf-8"), args.image)
    except (ReleaseError, OSError) as error:
        print(f"release_action: {error}", file=sys.stderr)
        return 1
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
