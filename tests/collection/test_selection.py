"""Selection of records: shards partition the keys evenly, from the set of keys alone, and a
new or removed row moves few other keys."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zenodo_publish.collection.selection import (
    Shard,
    assign_shards,
    chosen,
    matrix_json,
    parse_keys,
    parse_shard,
    select,
)
from zenodo_publish.errors import UsageError

KEY = st.from_regex(r"[A-Za-z0-9._-]{1,20}", fullmatch=True)
KEYS = st.lists(KEY, unique=True, max_size=60)
COUNT = st.integers(1, 12)


@given(keys=KEYS, count=COUNT)
def test_shards_partition_the_keys_in_order(keys: list[str], count: int) -> None:
    parts = [select(keys, shard=Shard(index, count)) for index in range(1, count + 1)]
    assert sorted(k for part in parts for k in part) == sorted(keys)
    for part in parts:
        assert list(part) == [k for k in keys if k in part]  # the collection's order


@given(keys=KEYS, count=COUNT)
def test_shard_sizes_differ_by_at_most_one(keys: list[str], count: int) -> None:
    sizes = [len(select(keys, shard=Shard(index, count))) for index in range(1, count + 1)]
    assert max(sizes) - min(sizes) <= 1
    assert sum(sizes) == len(keys)


@given(keys=KEYS, count=COUNT, data=st.data())
def test_the_split_does_not_depend_on_row_order(
    keys: list[str], count: int, data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(keys))
    assert assign_shards(shuffled, count) == assign_shards(keys, count)
    for index in range(1, count + 1):
        assert set(select(shuffled, shard=Shard(index, count))) == set(
            select(keys, shard=Shard(index, count))
        )


@given(keys=st.lists(KEY, unique=True, min_size=1, max_size=60), count=COUNT, data=st.data())
def test_one_new_or_removed_row_moves_at_most_one_key_per_cut(
    keys: list[str], count: int, data: st.DataObject
) -> None:
    """Adding or removing one key shifts each of the count-1 cuts by at most one rank, and
    each cut lets at most one key over it: at most count-1 other keys change shard, and all of
    them together cross at most count-1 cuts."""
    changed = data.draw(KEY.filter(lambda k: k not in keys))
    before = assign_shards(keys, count)
    for after in (assign_shards([*keys, changed], count), assign_shards(keys[1:], count)):
        moved = [key for key in before if key in after and after[key] != before[key]]
        assert len(moved) <= count - 1
        assert sum(abs(after[key] - before[key]) for key in moved) <= count - 1


def test_the_split_is_fixed_forever() -> None:
    # A change of the ranking would move records of every collection to other shard jobs.
    keys = [f"obj-{i:03d}" for i in range(8)]
    assert [assign_shards(keys, 4)[key] for key in keys] == [4, 3, 1, 1, 4, 2, 3, 2]
    assert Counter(assign_shards(keys, 3).values()) == {1: 3, 2: 3, 3: 2}


@given(keys=KEYS, count=COUNT, data=st.data())
def test_records_and_shard_together_take_the_shard_of_the_whole_collection(
    keys: list[str], count: int, data: st.DataObject
) -> None:
    wanted = data.draw(st.lists(st.sampled_from(keys), unique=True)) if keys else []
    for index in range(1, count + 1):
        shard = Shard(index, count)
        both = select(keys, wanted=wanted, shard=shard)
        assert both == tuple(k for k in select(keys, shard=shard) if not wanted or k in wanted)
    assert chosen(keys, wanted=["not-a-key"]) == ()  # chosen leaves unknown keys out


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
