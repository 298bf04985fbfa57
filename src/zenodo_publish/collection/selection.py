"""Which records a run takes: ``--records KEY,...`` and ``--shard I/N`` (SPEC §9).

Shards split a collection evenly: the keys are ranked by the sha256 of the key and the ranking is
cut into N runs of consecutive ranks whose sizes differ by at most one (shard 1 takes the first
run). So the split

* depends on the set of keys alone: never on row order, the runner or the files, so every shard
  job of one commit computes the same split without talking to the others, and a re-run of shard
  2/4 of that commit takes the same records;
* is even: with 8 keys and 4 shards every shard takes 2 (the largest shard bounds the wall time,
  and hashing each key on its own gave shards of 3/2/2/1);
* moves little when rows come or go: adding or removing one key shifts each of the N-1 cuts by
  at most one rank, so at most N-1 other keys change shard (hashing each key on its own moved
  none, but could not be even).

A key that changes shard between two commits costs nothing: no state is kept per shard, and every
run of a commit covers every key of its collection, whichever job takes it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from zenodo_publish.errors import UsageError

MAX_SHARDS = 256  # GitHub Actions runs at most 256 jobs per matrix


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based, as written: 2/4 is the second of four
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def assign_shards(keys: Iterable[str], count: int) -> dict[str, int]:
    """The 1-based shard of each of ``keys`` among ``count``: ranked by sha256 (the key itself
    breaks a tie), rank r of n goes to shard r * count // n + 1."""
    ranked = sorted(set(keys), key=lambda key: (hashlib.sha256(key.encode("utf-8")).digest(), key))
    return {key: rank * count // len(ranked) + 1 for rank, key in enumerate(ranked)}


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


def chosen(
    keys: Sequence[str], *, wanted: Sequence[str] | None = None, shard: Shard | None = None
) -> tuple[str, ...]:
    """The keys a run takes, in the collection's order: those of ``wanted`` (all when empty)
    that the shard of the whole collection holds. Unknown wanted keys are left out."""
    in_shard = None
    if shard is not None:
        shards = assign_shards(keys, shard.count)
        in_shard = {key for key, index in shards.items() if index == shard.index}
    picked = set(wanted) if wanted else None
    return tuple(
        key
        for key in keys
        if (picked is None or key in picked) and (in_shard is None or key in in_shard)
    )


def select(
    keys: Sequence[str], *, wanted: Sequence[str] | None = None, shard: Shard | None = None
) -> tuple[str, ...]:
    """:func:`chosen`, and unknown wanted keys are an error."""
    if wanted:
        unknown = [key for key in wanted if key not in keys]
        if unknown:
            raise UsageError(
                f"no record with key {', '.join(repr(k) for k in unknown)} in the collection",
                hint="check --records (or the records input) against the key column",
            )
    return chosen(keys, wanted=wanted, shard=shard)


def matrix_json(count: int) -> str:
    """The ``strategy.matrix`` for ``count`` shards: ``{"shard": ["1/4", ..., "4/4"]}``."""
    if not 1 <= count <= MAX_SHARDS:
        raise UsageError(f"--shards must be between 1 and {MAX_SHARDS}")
    return json.dumps({"shard": [f"{index}/{count}" for index in range(1, count + 1)]})
