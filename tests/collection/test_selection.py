"""Selection of records: shards partition the keys, and a key's shard never depends on the
other keys (so new rows and re-runs do not reshuffle)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zenodo_publish.collection.selection import (
    Shard,
    matrix_json,
    parse_keys,
    parse_shard,
    select,
    shard_of,
)
from zenodo_publish.errors import UsageError

KEY = st.from_regex(r"[A-Za-z0-9._-]{1,20}", fullmatch=True)


@given(keys=st.lists(KEY, unique=True, max_size=60), count=st.integers(1, 12))
def test_shards_partition_the_keys_in_order(keys: list[str], count: int) -> None:
    parts = [select(keys, shard=Shard(index, count)) for index in range(1, count + 1)]
    assert sorted(k for part in parts for k in part) == sorted(keys)
    for part in parts:
        assert list(part) == [k for k in keys if k in part]  # the collection's order


@given(
    keys=st.lists(KEY, unique=True, min_size=1, max_size=30),
    more=st.lists(KEY, unique=True, max_size=30),
    count=st.integers(1, 12),
)
def test_new_rows_never_move_a_key_to_another_shard(
    keys: list[str], more: list[str], count: int
) -> None:
    grown = keys + [k for k in more if k not in keys]
    for key in keys:
        before = next(i for i in range(1, count + 1) if key in select(keys, shard=Shard(i, count)))
        after = next(i for i in range(1, count + 1) if key in select(grown, shard=Shard(i, count)))
        assert before == after == shard_of(key, count)


def test_shard_of_is_fixed_forever() -> None:
    # A change of the hash would move every record of every collection to another shard job.
    assert [shard_of(f"obj-{i:03d}", 4) for i in range(8)] == [1, 1, 3, 2, 3, 4, 2, 3]


def test_parsing_and_matrix() -> None:
    assert parse_shard(" 2/4 ") == Shard(2, 4)
    for bad in ("0/4", "5/4", "1/0", "a/b", "2", "1/257"):
        with pytest.raises(UsageError):
            parse_shard(bad)
    assert parse_keys("a, b\nc,,a") == ("a", "b", "c")
    assert json.loads(matrix_json(3)) == {"shard": ["1/3", "2/3", "3/3"]}
    with pytest.raises(UsageError):
        matrix_json(0)
    with pytest.raises(UsageError, match="'zz'"):
        select(["a", "b"], wanted=["a", "zz"])
    assert select(["a", "b", "c"], wanted=["c", "a"]) == ("a", "c")
