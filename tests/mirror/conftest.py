"""Fixtures for the mirror tests: one S3 API server (moto) on loopback for the session, reset
before each test, and an AWS environment that can only ever reach it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from s3_support import FOREIGN_AWS_VARIABLES, S3Server, aws_environment, running_s3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "sweep"))


@pytest.fixture(scope="session")
def _s3_server() -> Iterator[S3Server]:
    with running_s3() as server:
        yield server


@pytest.fixture
def s3(_s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> S3Server:
    for name in FOREIGN_AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in aws_environment(_s3_server.url).items():
        monkeypatch.setenv(name, value)
    _s3_server.reset()
    return _s3_server
