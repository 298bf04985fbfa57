"""Fixtures for the emulator tests (the ``emulator`` fixture comes from the plugin)."""

from __future__ import annotations

import pytest
from emu_support import Api

from zenodo_publish.emulator.testing import EmulatorHandle


@pytest.fixture
def api(emulator: EmulatorHandle) -> Api:
    return Api(emulator, emulator.token)


@pytest.fixture
def legacy(emulator: EmulatorHandle) -> Api:
    return Api(emulator, emulator.token, accept=None)
