"""Shared test configuration.

The network guard below makes every test fail loudly if anything tries to connect anywhere but
the loopback interface: Zenodo itself must never be contacted from a test.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from hash_support import CountedMd5, HashTally
from zenodo_publish import checksum
from zenodo_publish.redact import clear_secrets

pytest_plugins = ["zenodo_publish.emulator.pytest_plugin"]

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_loopback(address: Any) -> bool:
    if isinstance(address, tuple) and address:
        host = address[0]
        if host in ("localhost", ""):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    # AF_UNIX paths and the like never leave the machine.
    return isinstance(address, (str, bytes))


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if not _is_loopback(address):
        raise RuntimeError(f"test tried to connect to {address!r}: only loopback is allowed")
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if not _is_loopback(address):
        raise RuntimeError(f"test tried to connect to {address!r}: only loopback is allowed")
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True, scope="session")
def _loopback_only() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _forget_secrets() -> Iterator[None]:
    yield
    clear_secrets()


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> HashTally:
    """What was hashed of local files since the fixture started (reset its fields to count
    anew): every md5 of a local file is made by :func:`zenodo_publish.checksum.new_md5`, the
    scan (:func:`~zenodo_publish.checksum.md5_and_size`) and the upload stream alike; the
    emulator's and S3's own md5s are not counted."""
    tally = HashTally()

    def counted() -> CountedMd5:
        if sys._getframe(1).f_code is checksum.md5_and_size.__code__:
            tally.scans += 1
        return CountedMd5(tally)

    monkeypatch.setattr(checksum, "new_md5", counted)
    return tally


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every reading of a file counts as settled, however recently the file was written
    (``checksum.RACY_WINDOW_NS``): a test writes its files a moment before it hashes them.
    The window itself is tested in tests/core/test_checksum_memory.py."""
    monkeypatch.setattr(checksum, "RACY_WINDOW_NS", -(10**15))
