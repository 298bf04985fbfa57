"""Fixtures for the sync engine tests: one emulator with a frozen clock for the whole session,
reset before each test (see engine_support.Harness)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from engine_support import T0, Harness

from zenodo_publish.emulator.config import Clock
from zenodo_publish.emulator.testing import running_emulator


@pytest.fixture(scope="session")
def _engine_harness() -> Iterator[Harness]:
    clock = Clock(frozen_at=T0)
    with running_emulator(clock=clock, sleep=clock.advance) as emu:
        yield Harness(emu, clock)


@pytest.fixture
def harness(_engine_harness: Harness) -> Harness:
    _engine_harness.reset()
    return _engine_harness
