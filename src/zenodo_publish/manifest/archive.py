"""Streaming checksums and deterministic zip archives.

Same tree, same bytes: entries sorted by name, a fixed timestamp, fixed modes and a fixed
"made on" system, so an unchanged folder gives an unchanged md5 and is not uploaded again.
Both functions read in fixed-size chunks, so memory stays flat whatever the file size.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from zenodo_publish.checksum import md5_and_size

CHUNK_SIZE = 1024 * 1024
#: The earliest date a zip header can hold; any fixed value would do.
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
_REGULAR_FILE_MODE = 0o100644
_UNIX = 3


def md5_many(paths: Sequence[Path], *, workers: int | None = None) -> list[tuple[str, int]]:
    """:func:`md5_and_size` of each path, in order, hashing up to ``workers`` files at once
    (default: the usable cores, at most 4). One file at a time leaves all but one core idle
    while a tree of many files is scanned; md5 itself cannot be split within a file."""
    if workers is None:
        workers = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    if workers <= 1 or len(paths) <= 1:
        return [md5_and_size(path) for path in paths]
    from concurrent.futures import ThreadPoolExecutor  # only when something is hashed

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="md5") as pool:
        return list(pool.map(md5_and_size, paths))


def write_deterministic_zip(members: Sequence[tuple[str, Path]], target: Path) -> None:
    """Write ``(name in archive, source file)`` pairs to ``target`` as a reproducible zip.

    The archive is written next to ``target`` and renamed into place, so a crash never leaves
    a half-written archive under the final name.
    """
    # Loaded here: validating a manifest builds no archive.
    import shutil
    import tempfile
    import zipfile

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
