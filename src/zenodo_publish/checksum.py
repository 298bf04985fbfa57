"""The one checksum of local files: md5, what Zenodo stores and answers for every file.

Every md5 of a local file is made here (the scan in ``manifest.archive`` and the upload stream
in ``zenodo.uploads``), so a test can count them: each file is hashed at most once per run
(issue 15). :class:`FileDigest` holds one file's md5 until someone needs it.

Within :func:`once_per_run` (the CLI's command, the action's run: a sync and the mirrors after
it) an md5 is also remembered by path with the file's stat, and :func:`md5_and_size` answers
from that memory while the stat is unchanged, so the mirrors do not hash again what the sync
hashed. Nothing is written anywhere: the memory ends with the run.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import hashlib

#: Read size of a hashing scan: reads into one reused buffer (no allocation per block), large
#: enough that the calls cost nothing next to the hashing, small enough that the block is
#: still in the CPU cache when md5 reads it (256 KiB measured faster than 1 and 4 MiB).
HASH_BLOCK_SIZE = 256 * 1024

#: A file changed less than this before a read of it began is not remembered: file timestamps
#: are coarse (a clock tick on Linux, 1 or 2 s on some file systems), so a second change within
#: the same tick would leave the stat as it was ("racily clean", as git calls it).
RACY_WINDOW_NS = 2 * 10**9


def new_md5() -> hashlib._Hash:
    # hashlib (OpenSSL) is loaded on first use: `validate` hashes nothing.
    import hashlib

    return hashlib.md5(usedforsecurity=False)


@dataclass(frozen=True)
class Stamp:
    """What stat says of a file's content: a change of content changes one of these (within
    the limits of :data:`RACY_WINDOW_NS`)."""

    device: int
    inode: int
    size: int
    mtime_ns: int
    ctime_ns: int

    @classmethod
    def of(cls, stat: os.stat_result) -> Stamp:
        return cls(stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


@dataclass(frozen=True)
class Reading:
    """One read of a file from start to end: the clock and the stat when it began, the stat
    when it ended. Its md5 is the file's as long as the file still shows ``after``, when
    nothing changed during the read and the last change before it is older than the timestamps'
    resolution."""

    started_ns: int
    before: Stamp
    after: Stamp

    @property
    def settled(self) -> bool:
        changed = max(self.before.mtime_ns, self.before.ctime_ns)
        return self.before == self.after and changed < self.started_ns - RACY_WINDOW_NS


@dataclass(frozen=True)
class Watch:
    """The start of a :class:`Reading` (taken before the first byte is read)."""

    started_ns: int
    before: Stamp

    @classmethod
    def start(cls, stat: Callable[[], os.stat_result]) -> Watch:
        # The clock first, then the stat: a change after the stat is then stamped later than
        # ``started`` less one timestamp tick, which the race window covers.
        started = time.time_ns()
        return cls(started, Stamp.of(stat()))

    def reading(self, stat: os.stat_result) -> Reading:
        return Reading(self.started_ns, self.before, Stamp.of(stat))


class _Memory:
    """md5s of this run by absolute path, each with the stat its reading ended with."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[Path, tuple[Stamp, str]] = {}

    def recall(self, path: Path) -> tuple[str, int] | None:
        with self._lock:
            entry = self._known.get(path.absolute())
        if entry is None:
            return None
        stamp, md5 = entry
        try:
            now = Stamp.of(path.stat())
        except OSError:
            return None
        return (md5, stamp.size) if now == stamp else None

    def remember(self, path: Path, md5: str, reading: Reading) -> None:
        if reading.settled:
            with self._lock:
                self._known[path.absolute()] = (reading.after, md5)


_memory: _Memory | None = None
_memory_lock = threading.Lock()


@contextmanager
def once_per_run() -> Iterator[None]:
    """One run: an md5 made of a file (by a scan, or by an upload Zenodo confirmed) is reused,
    instead of hashing the file again, while the file's stat is the same. Nested calls share
    the outermost run's memory."""
    global _memory
    with _memory_lock:
        outermost = _memory is None
        if outermost:
            _memory = _Memory()
    try:
        yield
    finally:
        if outermost:
            with _memory_lock:
                _memory = None


def md5_and_size(path: Path) -> tuple[str, int]:
    """Hex md5 and byte count of ``path``, read in :data:`HASH_BLOCK_SIZE` blocks into one
    buffer (or, within :func:`once_per_run`, remembered from an earlier read of the unchanged
    file). hashlib releases the GIL while it hashes a block, so several files can be hashed
    at once from threads (``manifest.archive.md5_many``)."""
    memory = _memory
    if memory is not None and (known := memory.recall(path)) is not None:
        return known
    digest = new_md5()
    size = 0
    buffer = bytearray(HASH_BLOCK_SIZE)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as stream:
        watch = Watch.start(lambda: os.fstat(stream.fileno()))
        while count := stream.readinto(buffer):
            digest.update(view[:count])
            size += count
        reading = watch.reading(os.fstat(stream.fileno()))
    md5 = digest.hexdigest()
    if memory is not None:
        memory.remember(path, md5, reading)
    return md5, size


class FileDigest:
    """The md5 of one local file, made at most once per run: by :meth:`hex` when a comparison
    needs it, or handed over (:meth:`learn`) by the upload that read the whole file anyway and
    had it confirmed by Zenodo's checksum. A file that only has to be uploaded (nothing of its
    name and size on Zenodo) is therefore read once, not hashed first and read again.

    ``watch``: the file's stat from before anything read it, so an md5 learned from an upload
    is remembered for the rest of the run (:func:`once_per_run`) when the file's stat is
    still the same afterwards: the bytes sent were the file's."""

    def __init__(self, path: Path, md5: str | None = None, *, watch: Watch | None = None) -> None:
        self.path = path
        self._md5 = md5
        self._watch = watch

    @property
    def known(self) -> str | None:
        """The md5 when it has been made, else None (nothing is read)."""
        return self._md5

    def hex(self) -> str:
        """The md5, hashing the file now when nobody has yet."""
        if self._md5 is None:
            self._md5, _ = md5_and_size(self.path)
        return self._md5

    def learn(self, md5: str) -> None:
        """Take the md5 the upload stream made of this file."""
        if self._md5 is not None:
            return
        self._md5 = md5.lower()
        memory = _memory
        if memory is not None and self._watch is not None:
            # Read between the two stats: same stats, same bytes (as the scan's own reading).
            with suppress(OSError):
                memory.remember(self.path, self._md5, self._watch.reading(self.path.stat()))
