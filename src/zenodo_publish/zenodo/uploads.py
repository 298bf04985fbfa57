"""Pieces both backends use to upload: a counting body stream, verification of what Zenodo
stored, and bounded parallelism.

Every file is hashed once per run. A file the run had to hash before (to compare it with what
Zenodo holds) is not hashed again on the way out: Zenodo's answer after the upload (the
commit's or the bucket PUT's checksum) is compared with that md5, so a file that changed on
disk between the scan and the upload, or bytes corrupted in transit, show up as a mismatch, and
the file is removed from the draft again. A file nothing was compared with (a new name, or a
new size) is hashed here, in the one read that sends it, and Zenodo's checksum is compared with
that md5 the same way: the upload of a new 1 GiB file no longer waits for a whole-file scan
first (``make bench``, rows 8 and 10)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import IO, TypeVar

from zenodo_publish import checksum
from zenodo_publish.errors import IntegrityError
from zenodo_publish.zenodo.backend import ProgressCallback, RemoteFile, UploadSpec

log = logging.getLogger("zenodo_publish.http")

T = TypeVar("T")

#: Report progress at most once per this many bytes (plus once at the end of each file).
PROGRESS_STEP = 8 * 1024 * 1024


class UploadStream:
    """The body of one upload: reads ``spec`` in the chunks the HTTP stack asks for (memory
    stays flat), counts what is sent, reports progress. ``len()`` is the declared
    size so the request carries a Content-Length, which Zenodo checks against the body."""

    def __init__(
        self, spec: UploadSpec, progress: ProgressCallback | None, *, hashing: bool = False
    ) -> None:
        self.spec = spec
        self._file: IO[bytes] = spec.open()
        self._progress = progress
        self._md5 = checksum.new_md5() if hashing else None
        self.sent = 0
        self._reported = 0
        self._announced = False

    def __len__(self) -> int:
        return self.spec.size

    def read(self, size: int = -1) -> bytes:
        if not self._announced and self._progress is not None:
            # The start of this attempt: the reporter's baseline for the rate and time left.
            self._announced = True
            self._progress(self.spec.key, 0, self.spec.size)
        chunk = self._file.read(size)
        if chunk:
            if self._md5 is not None:
                self._md5.update(chunk)
            self.sent += len(chunk)
            if self.sent > self.spec.size:
                raise IntegrityError(
                    f"{self.spec.key}: the local file grew while it was being uploaded "
                    f"(more than the {self.spec.size} bytes hashed before)",
                    hint="do not change files while zenodo-publish runs; run again",
                )
        elif self.sent < self.spec.size:
            raise IntegrityError(
                f"{self.spec.key}: the local file shrank while it was being uploaded "
                f"({self.sent} of {self.spec.size} bytes)",
                hint="do not change files while zenodo-publish runs; run again",
            )
        if self._progress is not None and (
            self.sent - self._reported >= PROGRESS_STEP
            or (self.sent == self.spec.size and self._reported != self.sent)
        ):
            self._reported = self.sent
            self._progress(self.spec.key, self.sent, self.spec.size)
        return chunk

    def close(self) -> None:
        self._file.close()

    def check_sent(self) -> str | None:
        """After a successful send: every planned byte went out (the content is checked
        against Zenodo's checksum afterwards). The md5 of what was sent when this stream
        hashed it, else None."""
        if self.sent != self.spec.size:
            raise IntegrityError(
                f"{self.spec.key}: {self.sent} bytes were sent of the {self.spec.size} planned; "
                "the file changed on disk during the run",
                hint="do not change files while zenodo-publish runs; run again",
            )
        return self._md5.hexdigest() if self._md5 is not None else None


class StreamOpener:
    """A re-openable body: each call opens a fresh :class:`UploadStream` (hashing what it sends
    when the spec brings no md5; a retry hashes its own bytes anew); the last one opened is
    kept so the caller can check what was actually sent."""

    def __init__(self, spec: UploadSpec, progress: ProgressCallback | None) -> None:
        self.spec = spec
        self.progress = progress
        self.last: UploadStream | None = None

    def __call__(self) -> UploadStream:
        self.last = UploadStream(self.spec, self.progress, hashing=self.spec.md5 is None)
        return self.last

    def check_sent(self) -> str:
        """Every planned byte went out; the md5 to compare with Zenodo's checksum: the one the
        spec brought, else the one made of the bytes sent."""
        if self.last is None:
            raise IntegrityError(f"{self.spec.key}: nothing was sent")
        streamed = self.last.check_sent()
        md5 = self.spec.md5 or streamed
        if md5 is None:
            raise AssertionError("an upload without an md5 must hash its stream")
        return md5.lower()

    def confirmed(self, md5: str) -> None:
        """Zenodo stored exactly what was sent: a streamed md5 is now the file's md5."""
        if self.spec.md5 is None and self.spec.learned is not None:
            self.spec.learned(md5)


def stored_mismatch(spec: UploadSpec, stored: RemoteFile, md5: str) -> str | None:
    """Why what Zenodo stored is not what we sent (``md5``: of the file, from the scan or from
    the upload stream), or None when it matches."""
    problems = []
    if stored.status != "completed":
        problems.append(f"status is {stored.status!r}, not 'completed'")
    if stored.size != spec.size:
        problems.append(f"size is {stored.size}, sent {spec.size}")
    if stored.md5 != md5.lower():
        problems.append(f"md5 is {stored.md5}, hashed locally {md5.lower()}")
    return "; ".join(problems) or None


def integrity_error(spec: UploadSpec, problem: str, call: str) -> IntegrityError:
    return IntegrityError(
        f"{spec.key}: Zenodo stored something other than the file as this run hashed it "
        f"({problem}) after {call}; the file was removed from the draft again. Either it "
        "changed on disk during the run or the transfer was corrupted",
        hint="do not change files while zenodo-publish runs; run again to upload it anew; if "
        "it keeps failing, the network or Zenodo is corrupting the transfer",
    )


def run_bounded(
    items: Sequence[UploadSpec], work: Callable[[UploadSpec], T], parallel: int
) -> list[T]:
    """``work(item)`` for each item with at most ``parallel`` at a time; results in input
    order. On the first failure no further item starts; the running ones finish, then the
    first error is raised."""
    if parallel <= 1 or len(items) <= 1:
        return [work(item) for item in items]
    stop = threading.Event()

    def guarded(item: UploadSpec) -> T | None:
        if stop.is_set():
            return None
        return work(item)

    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="upload") as pool:
        futures: list[Future[T | None]] = [pool.submit(guarded, item) for item in items]
        wait(futures, return_when=FIRST_EXCEPTION)
        if any(f.done() and f.exception() is not None for f in futures):
            stop.set()
            for future in futures:
                future.cancel()
            wait(futures)
            failed = [
                error for f in futures if not f.cancelled() and (error := f.exception()) is not None
            ]
            for other in failed[1:]:
                log.debug("a parallel upload also failed: %s", other)
            raise failed[0]
    results: list[T] = []
    for future in futures:
        value = future.result()
        if value is None:
            raise RuntimeError("an upload was skipped although none failed")
        results.append(value)
    return results
