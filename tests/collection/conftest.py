"""One emulator with a frozen clock for the collection tests, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from collection_support import T0, Runner

from zenodo_publish.emulator.config import Clock
from zenodo_publish.emulator.testing import running_emulator


@pytest.fixture(scope="session")
def _collection_runner() -> Iterator[Runner]:
    clock = Clock(frozen_at=T0)
    with running_emulator(clock=clock, sleep=clock.advance) as emu:
        yield Runner(emu, clock)


@pytest.fixture
def runner(_collection_runner: Runner) -> Runner:
    _collection_runner.emu.reset()
    _collection_runner.hooks.clear()
    return _collection_runner
