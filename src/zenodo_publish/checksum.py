"""The one checksum of local files: md5, what Zenodo stores and answers for every file.

Every md5 of a local file is made here (the scan in ``manifest.archive`` and the upload stream
in ``zenodo.uploads``), so a test can count them: each file is hashed at most once per run
(issue 15). :class:`FileDigest` holds one file's md5 until someone needs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import hashlib

#: Read size of a hashing scan: reads into one reused buffer (no allocation per block), large
#: enough that the calls cost nothing next to the hashing, small enough that the block is
#: still in the CPU cache when md5 reads it (256 KiB measured faster than 1 and 4 MiB).
HASH_BLOCK_SIZE = 256 * 1024


def new_md5() -> hashlib._Hash:
    # hashlib (OpenSSL) is loaded on first use: `validate` hashes nothing.
    import hashlib

    return hashlib.md5(usedforsecurity=False)


def md5_and_size(path: Path) -> tuple[str, int]:
    """Hex md5 and byte count of ``path``, read in :data:`HASH_BLOCK_SIZE` blocks into one
    buffer. hashlib releases the GIL while it hashes a block, so several files can be hashed
    at once from threads (``manifest.archive.md5_many``)."""
    digest = new_md5()
    size = 0
    buffer = bytearray(HASH_BLOCK_SIZE)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as stream:
        while count := stream.readinto(buffer):
            digest.update(view[:count])
            size += count
    return digest.hexdigest(), size


class FileDigest:
    """The md5 of one local file, made at most once per run: by :meth:`hex` when a comparison
    needs it, or handed over (:meth:`learn`) by the upload that read the whole file anyway and
    had it confirmed by Zenodo's checksum. A file that only has to be uploaded (nothing of its
    name and size on Zenodo) is therefore read once, not hashed first and read again."""

    def __init__(self, path: Path, md5: str | None = None) -> None:
        self.path = path
        self._md5 = md5

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
        if self._md5 is None:
            self._md5 = md5.lower()
