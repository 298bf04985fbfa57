"""The one place where a path that a manifest, a catalog, a table or an input names is checked.

A repository is untrusted input (a pull request, a fork, a downloaded archive). Every path it
names goes through here before it is read or written:

* no NUL or other control character (``os`` functions raise ``ValueError`` on NUL, and a line
  break in a name breaks logs and workflow commands);
* no name longer than a file system allows (255 bytes a component, 4096 in all): such a path
  cannot exist, and asking about it raises ``ENAMETOOLONG`` where a missing file is expected;
* resolved with every symlink followed (``resolve(strict=True)``) and kept inside the root, for
  reads *and* writes;
* opened with ``O_NOFOLLOW`` (the resolved path has no symlink left, so a link swapped in after
  the check is refused) and ``O_NONBLOCK`` (a FIFO does not hang the open);
* a regular file only (no FIFO, device or folder), checked with ``fstat`` on the open descriptor;
* a size cap checked before reading, and again while reading (a file that grows, ``/proc``).

Refusals raise :class:`UnsafePath`; callers turn it into their own error with the place. The
messages never quote what a file holds.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Final

#: Cap for the text files a run reads: manifests, metadata sources, descriptions, catalogs,
#: record files. Far above any real one; a link to /dev/zero or a 1 GB file is refused.
MAX_TEXT_BYTES: Final = 8 * 1024 * 1024
#: Cap for a token file: a token is a few dozen characters.
MAX_TOKEN_BYTES: Final = 4096
#: Linux's and macOS's NAME_MAX and PATH_MAX (in bytes): no path beyond them can exist.
MAX_NAME_BYTES: Final = 255
MAX_PATH_BYTES: Final = 4096

_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")
_OPEN_FLAGS: Final = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


class UnsafePath(Exception):
    """A path that is refused; ``message`` and ``hint`` are safe to print."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def shown(text: str | os.PathLike[str]) -> str:
    """A path as it may be printed: control characters made visible."""
    value = os.fspath(text)
    return repr(value)[1:-1] if _CONTROL.search(value) else value


def check_name(text: str | os.PathLike[str], *, what: str = "the path") -> None:
    """Refuse NUL and other control characters in a path, and names too long to exist."""
    value = os.fspath(text)
    if _CONTROL.search(value):
        raise UnsafePath(
            f"{what} {shown(value)!r} holds a NUL, line break or other control character",
            "use a plain path",
        )
    encoded = os.fsencode(value)
    longest = max((len(part) for part in encoded.split(b"/")), default=0)
    if longest > MAX_NAME_BYTES or len(encoded) > MAX_PATH_BYTES:
        beginning = value[:40] + "..." if len(value) > 40 else value
        raise UnsafePath(
            f"{what} {shown(beginning)!r} is too long for a file name "
            f"(at most {MAX_NAME_BYTES} bytes a name, {MAX_PATH_BYTES} in all)",
            "shorten the path",
        )


def inside(root: Path, path: str | os.PathLike[str], *, strict: bool = True) -> Path:
    """``path`` (relative to ``root``, or absolute) with every symlink resolved, refused unless
    it stays inside ``root``. ``strict``: the path must exist (else ``FileNotFoundError``);
    without it, the missing tail is kept as written (a file about to be created)."""
    check_name(path)
    base = root.resolve()
    candidate = base / path
    try:
        resolved = candidate.resolve(strict=strict)
    except RuntimeError:  # a symlink loop, as Python before 3.13 reports it
        raise UnsafePath(f"{shown(path)} is a symlink loop", "fix or remove the link") from None
    except OSError as error:
        if error.errno != errno.ELOOP:
            raise
        raise UnsafePath(f"{shown(path)} is a symlink loop", "fix or remove the link") from None
    if not resolved.is_relative_to(base):
        raise UnsafePath(
            f"{shown(path)} is (or goes through) a symlink pointing outside the repository"
            if not Path(path).is_absolute() and ".." not in Path(path).parts
            else f"{shown(path)} is outside the repository",
            "use a path inside the repository (copy the file in, or remove the link)",
        )
    return resolved


#: Cap for a records table (CSV, TSV or XLSX) of a collection.
MAX_TABLE_BYTES: Final = 64 * 1024 * 1024


def regular_file(path: Path, *, root: Path | None = None, limit: int = MAX_TEXT_BYTES) -> Path:
    """``path`` resolved (inside ``root`` when given), checked to be a regular file of at most
    ``limit`` bytes, for a reader that opens it itself (openpyxl). Raises as :func:`read_bytes`
    does."""
    check_name(path)
    resolved = inside(root, path) if root is not None else path.resolve(strict=True)
    fd = os.open(resolved, _OPEN_FLAGS)
    try:
        _check_open_file(path, fd, limit)
    finally:
        os.close(fd)
    return resolved


def _check_open_file(path: Path, fd: int, limit: int) -> None:
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise UnsafePath(
            f"{shown(path)} is {kind} (a FIFO, device or folder is never read)",
            "point at an ordinary file",
        )
    if info.st_size > limit:
        raise UnsafePath(_too_big(path, limit), "this cannot be the file meant here")


def read_bytes(path: Path, *, root: Path | None = None, limit: int = MAX_TEXT_BYTES) -> bytes:
    """The bytes of a regular file, at most ``limit`` of them. With ``root``, the path must
    resolve inside it. Raises :class:`UnsafePath`, ``FileNotFoundError`` or ``OSError``."""
    check_name(path)
    resolved = inside(root, path) if root is not None else path.resolve(strict=True)
    fd = os.open(resolved, _OPEN_FLAGS)
    try:
        _check_open_file(path, fd, limit)
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        total = 0
        while chunk := os.read(fd, min(1024 * 1024, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise UnsafePath(_too_big(path, limit), "this cannot be the file meant here")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(
    path: Path, *, root: Path | None = None, limit: int = MAX_TEXT_BYTES, encoding: str = "utf-8"
) -> str:
    """:func:`read_bytes` decoded (``UnicodeDecodeError`` when it is not)."""
    return read_bytes(path, root=root, limit=limit).decode(encoding)


def _too_big(path: Path, limit: int) -> str:
    return f"{shown(path)} is larger than {limit // 1024} KiB"


def write_text_inside(
    root: Path, relative: str | os.PathLike[str], text: str, *, mode: int = 0o644
) -> Path:
    """Write ``text`` to ``root/relative`` atomically (temporary file + rename), refusing any
    place whose folder resolves outside ``root``. A symlink at the final name is replaced by the
    file, never written through. Returns the path written."""
    check_name(relative)
    if Path(relative).is_absolute() or ".." in Path(relative).parts:
        raise UnsafePath(f"{shown(relative)} is outside the repository")
    base = root.resolve()
    target = base / relative
    folder = inside(base, target.parent.relative_to(base), strict=False)
    # Create missing folders one level at a time, re-checking each: a link created in between
    # cannot carry the write out of the repository.
    missing = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for part in reversed(missing):
        part.mkdir(exist_ok=True)
        inside(base, part.relative_to(base))
    folder = inside(base, folder.relative_to(base))
    final = folder / target.name
    if final.exists() and not final.is_symlink() and not final.is_file():
        raise UnsafePath(f"{shown(relative)} exists and is not an ordinary file")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        # mkstemp creates 0600; a record file is an ordinary committed file, readable by all.
        Path(tmp_name).chmod(mode)
        Path(tmp_name).replace(final)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return final
