"""``zenodo-publish matrix --shards N``: the JSON for a workflow's ``strategy.matrix``.

Printed as one line, ready for ``$GITHUB_OUTPUT`` and ``fromJSON()``: ``{"shard": ["1/4", ...]}``.
Each value is what the action's ``shard`` input (or ``--shard``) takes.
"""

from __future__ import annotations

import argparse

from zenodo_publish.collection.selection import MAX_SHARDS, matrix_json

HELP = "print the strategy.matrix JSON that splits a collection into N shards"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--shards", type=int, required=True, metavar="N", help=f"how many shards (1-{MAX_SHARDS})"
    )


def run(args: argparse.Namespace) -> int:
    print(matrix_json(args.shards))
    return 0
