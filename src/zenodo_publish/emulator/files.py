"""Streamed file storage: request bodies go to disk in chunks, hashed with md5 on the way.

Memory stays flat whatever the upload size: at most one chunk is held at a time. A body is
written to a temporary file first and only becomes a blob when it arrived whole, so a dropped
connection or a limit breach never leaves a partial file behind.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from zenodo_publish.emulator.state import ApiError

CHUNK = 1024 * 1024


class SizeLimitExceeded(Exception):
    """The body grew past the allowed size; ``message`` is Zenodo's wording for which limit."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.blobs = root / "blobs"
        self.incoming = root / "incoming"
        self.blobs.mkdir(parents=True, exist_ok=True)
        self.incoming.mkdir(parents=True, exist_ok=True)

    def receive(
        self,
        stream: IO[bytes],
        *,
        max_file: int,
        remaining_quota: int,
        expected_length: int | None,
    ) -> tuple[Path, int, str]:
        """Write ``stream`` to a temporary file; return (path, size, md5 hex).

        Raises :class:`SizeLimitExceeded` as soon as the body passes a limit, and
        :class:`ApiError` 400 when it is shorter than ``expected_length``. Any exception (a
        dropped connection included) removes the temporary file.
        """
        temp = self.incoming / f"{uuid.uuid4()}.part"
        digest = hashlib.md5(usedforsecurity=False)
        size = 0
        try:
            with temp.open("wb") as out:
                while True:
                    chunk = stream.read(CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > max_file:
                        raise SizeLimitExceeded("Maximum file size exceeded.")
                    if size > remaining_quota:
                        raise SizeLimitExceeded("Bucket quota exceeded.")
                    digest.update(chunk)
                    out.write(chunk)
            if expected_length is not None and size < expected_length:
                raise ApiError(400, "File is smaller than expected.")
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return temp, size, digest.hexdigest()

    def keep(self, temp: Path) -> str:
        """Turn a received temporary file into a blob; return its path."""
        target = self.blobs / temp.name.replace(".part", "")
        temp.replace(target)
        return str(target)

    def discard(self, path: str | Path | None) -> None:
        if path is not None:
            Path(path).unlink(missing_ok=True)

    def read(self, blob: str, chunk: int = CHUNK) -> Iterator[bytes]:
        with Path(blob).open("rb") as handle:
            while True:
                data = handle.read(chunk)
                if not data:
                    return
                yield data

    def clear(self) -> None:
        for directory in (self.blobs, self.incoming):
            shutil.rmtree(directory)
            directory.mkdir(parents=True, exist_ok=True)
