"""Which records a run takes: ``--records KEY,...`` and ``--shard I/N`` (SPEC §9).

A key's shard is a hash of the key alone, so it never changes when rows are added, removed or
reordered: a re-run of shard 2/4 takes the same records, and a new row lands in one shard only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from zenodo_publish.errors import UsageError

MAX_SHARDS = 256  # GitHub Actions runs at most 256 jobs per matrix


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based, as written: 2/4 is the second of four
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, key: str) -> bool:
        return shard_of(key, self.count) == self.index


def shard_of(key: str, count: int) -> int:
    """The 1-based shard of ``key`` among ``count`` (sha256 of the key, stable everywhere)."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def parse_shard(text: str) -> Shard:
    hint = "write I/N with 1 <= I <= N, e.g. 2/4 for the second of four shards"
    index_text, slash, count_text = text.strip().partition("/")
    if not slash or not index_text.strip().isdigit() or not count_text.strip().isdigit():
        raise UsageError(f"shard {text!r} is not of the form I/N", hint=hint)
    index, count = int(index_text), int(count_text)
    if not 1 <= count <= MAX_SHARDS or not 1 <= index <= count:
        raise UsageError(f"shard {text!r} is out of range (1 <= I <= N <= {MAX_SHARDS})", hint=hint)
    return Shard(index, count)


def parse_keys(text: str) -> tuple[str, ...]:
    """``a,b c`` -> ``("a", "b", "c")`` (commas and/or white space separate keys)."""
    return tuple(dict.fromkeys(part for part in text.replace(",", " ").split() if part))


def select(
    keys: Sequence[str], *, wanted: Sequence[str] | None = None, shard: Shard | None = None
) -> tuple[str, ...]:
    """The keys a run takes, in the collection's order. Unknown wanted keys are an error."""
    if wanted:
        unknown = [key for key in wanted if key not in keys]
        if unknown:
            raise UsageError(
                f"no record with key {', '.join(repr(k) for k in unknown)} in the collection",
                hint="check --records (or the records input) against the key column",
            )
    chosen = set(wanted) if wanted else None
    return tuple(
        key
        for key in keys
        if (chosen is None or key in chosen) and (shard is None or shard.holds(key))
    )


def matrix_json(count: int) -> str:
    """The ``strategy.matrix`` for ``count`` shards: ``{"shard": ["1/4", ..., "4/4"]}``."""
    if not 1 <= count <= MAX_SHARDS:
        raise UsageError(f"--shards must be between 1 and {MAX_SHARDS}")
    return json.dumps({"shard": [f"{index}/{count}" for index in range(1, count + 1)]})
