"""``zenodo-publish schema``: print the manifest's JSON Schema (draft 2020-12).

Editors that speak yaml-language-server check and complete ``zenodo.yaml`` with it.
"""

from __future__ import annotations

import argparse
import sys

from zenodo_publish.manifest import schema_text

HELP = "print the JSON Schema of the manifest (zenodo.yaml)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options: the schema is the one shipped in the package."""


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(schema_text())
    return 0
