"""An md5 is reused within one run only while the file's stat is the one its reading saw
(zenodo_publish.checksum.once_per_run, issue 15); outside a run nothing is remembered.

Files here are written a moment before they are hashed, so most tests take every reading as
settled (the ``settled`` fixture); the race window itself is tested with a window larger than
any file's age.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hash_support import HashTally
from zenodo_publish import checksum
from zenodo_publish.checksum import FileDigest, Watch, md5_and_size, once_per_run


@pytest.fixture
def run() -> Iterator[None]:
    with once_per_run():
        yield


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def write(path: Path, data: bytes, *, mtime_ns: int | None = None) -> None:
    """Rewrite ``path`` in place (same inode); ``mtime_ns`` sets its modification time."""
    with path.open("r+b" if path.exists() else "wb") as stream:
        stream.write(data)
        stream.truncate()
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))


@pytest.mark.usefixtures("settled", "run")
def test_an_unchanged_file_is_hashed_once_per_run(tmp_path: Path, hashed: HashTally) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"a" * 1000)
    assert md5_and_size(path) == (md5(b"a" * 1000), 1000)
    assert md5_and_size(path) == (md5(b"a" * 1000), 1000)
    assert md5_and_size(tmp_path / "." / "a.bin") == (md5(b"a" * 1000), 1000)
    assert hashed.bytes == 1000


@pytest.mark.usefixtures("settled")
def test_nothing_is_remembered_outside_a_run_or_after_it(tmp_path: Path, hashed: HashTally) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"a" * 1000)
    md5_and_size(path)
    md5_and_size(path)
    assert hashed.bytes == 2000
    with once_per_run():
        md5_and_size(path)
        with once_per_run():  # a nested run shares the outer one's memory
            md5_and_size(path)
    assert hashed.bytes == 3000
    with once_per_run():
        md5_and_size(path)
    assert hashed.bytes == 4000


@pytest.mark.usefixtures("settled", "run")
@pytest.mark.parametrize("change", ["size", "mtime", "inode"])
def test_a_file_whose_stat_changed_is_hashed_again(
    tmp_path: Path, hashed: HashTally, change: str
) -> None:
    path = tmp_path / "a.bin"
    write(path, b"a" * 1000, mtime_ns=10**18)
    md5_and_size(path)
    new = b"b" * 1000
    if change == "size":
        new = b"b" * 1001
        write(path, new, mtime_ns=10**18)
    elif change == "mtime":  # same size, same inode, another modification time
        write(path, new, mtime_ns=10**18 + 1)
    else:  # same size and mtime, another file under the name
        other = tmp_path / "other.bin"
        write(other, new, mtime_ns=10**18)
        os.replace(other, path)
    assert md5_and_size(path) == (md5(new), len(new))
    assert hashed.bytes == 1000 + len(new)


@pytest.mark.usefixtures("run")
def test_a_file_changed_within_the_timestamps_resolution_is_not_remembered(
    tmp_path: Path, hashed: HashTally, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within the window a second change may keep every stat field as it was, so such a
    reading is not remembered, whatever the stat says later."""
    monkeypatch.setattr(checksum, "RACY_WINDOW_NS", 10**15)
    path = tmp_path / "a.bin"
    path.write_bytes(b"a" * 1000)
    md5_and_size(path)
    md5_and_size(path)
    assert hashed.bytes == 2000


def test_a_reading_is_settled_only_when_nothing_changed_during_or_just_before_it() -> None:
    stamp = checksum.Stamp(1, 2, 3, mtime_ns=100, ctime_ns=200)
    window = checksum.RACY_WINDOW_NS
    assert checksum.Reading(200 + window + 1, stamp, stamp).settled
    assert not checksum.Reading(200 + window, stamp, stamp).settled  # ctime within the window
    later = checksum.Stamp(1, 2, 3, mtime_ns=100, ctime_ns=201)
    assert not checksum.Reading(10**18, stamp, later).settled  # changed while it was read


@pytest.mark.usefixtures("settled", "run")
def test_an_md5_learned_from_an_upload_is_reused_while_the_file_is_unchanged(
    tmp_path: Path, hashed: HashTally
) -> None:
    """The upload stream's md5 (confirmed by Zenodo) stands for the file when the file shows
    the stat it had before the upload read it; a file changed since is hashed again."""
    kept, changed = tmp_path / "kept.bin", tmp_path / "changed.bin"
    for path in (kept, changed):
        write(path, b"a" * 1000, mtime_ns=10**18)
    digests = {p: FileDigest(p, watch=Watch.start(p.stat)) for p in (kept, changed)}
    write(changed, b"c" * 1000, mtime_ns=10**18 + 1)  # during the upload, say
    for digest in digests.values():
        digest.learn(md5(b"a" * 1000).upper())
    assert md5_and_size(kept) == (md5(b"a" * 1000), 1000)
    assert md5_and_size(changed) == (md5(b"c" * 1000), 1000)
    assert hashed.bytes == 1000


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["hash", "rewrite", "replace", "touch"]), st.binary(max_size=64)),
        max_size=12,
    )
)
def test_every_md5_within_a_run_is_of_the_bytes_on_disk(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, steps: list[Any]
) -> None:
    """Whatever happens to a file during a run, each md5 it gets is of its bytes at that
    moment, provided a change shows in its stat (here each change sets a new mtime)."""
    monkeypatch.setattr(checksum, "RACY_WINDOW_NS", -(10**15))  # as `settled`, per example
    path = tmp_path_factory.mktemp("memory") / "f.bin"
    clock = 10**18
    write(path, b"start", mtime_ns=clock)
    with once_per_run():
        for action, data in steps:
            clock += 1
            if action == "rewrite":
                write(path, data, mtime_ns=clock)
            elif action == "replace":
                other = path.with_name("other.bin")
                write(other, data, mtime_ns=clock)
                os.replace(other, path)
            elif action == "touch":
                os.utime(path, ns=(clock, clock))
            assert md5_and_size(path) == (md5(path.read_bytes()), path.stat().st_size)
