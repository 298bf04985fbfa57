"""Counting the md5s made of local files (issue 15: each file hashed once per run); the
``hashed`` fixture of ``tests/conftest.py`` installs it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any


@dataclass
class HashTally:
    """Bytes of local files hashed, and how many md5s a scan made (the rest: upload streams)."""

    bytes: int = 0
    scans: int = 0


class CountedMd5:
    """An md5 that adds the bytes it is fed to a :class:`HashTally`."""

    def __init__(self, tally: HashTally) -> None:
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._tally = tally

    def update(self, data: Any) -> None:
        self._tally.bytes += len(data)
        self._md5.update(data)

    def hexdigest(self) -> str:
        return self._md5.hexdigest()
