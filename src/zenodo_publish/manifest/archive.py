"""Streaming checksums and deterministic zip archives.

Same tree, same bytes: entries sorted by name, a fixed timestamp, fixed modes and a fixed
"made on" system, so an unchanged folder gives an unchanged md5 and is not uploaded again.
Both functions read in fixed-size chunks, so memory stays flat whatever the file size.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

CHUNK_SIZE = 1024 * 1024
#: The earliest date a zip header can hold; any fixed value would do.
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
_REGULAR_FILE_MODE = 0o100644
_UNIX = 3


def md5_and_size(path: Path) -> tuple[str, int]:
    """Hex md5 and byte count of ``path``, read in chunks."""
    digest = hashlib.md5(usedforsecurity=False)
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def write_deterministic_zip(members: Sequence[tuple[str, Path]], target: Path) -> None:
    """Write ``(name in archive, source file)`` pairs to ``target`` as a reproducible zip.

    The archive is written next to ``target`` and renamed into place, so a crash never leaves
    a half-written archive under the final name.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w") as archive:
            for name, source in sorted(members, key=lambda member: member[0]):
                info = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = _UNIX
                info.external_attr = _REGULAR_FILE_MODE << 16
                large = source.stat().st_size >= zipfile.ZIP64_LIMIT
                with source.open("rb") as src, archive.open(info, "w", force_zip64=large) as dst:
                    shutil.copyfileobj(src, dst, CHUNK_SIZE)
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
