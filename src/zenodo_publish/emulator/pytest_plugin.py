"""Pytest fixtures: ``emulator`` (a fresh emulator per test) and ``emulator_server``.

One in-process server serves the whole session; ``emulator`` resets it before each test (records,
users, files, faults, latency, clock, settings, rate windows, log), so tests stay isolated and
fast. A test that needs its own clock or sleep function uses ``running_emulator(...)`` directly.
Register with ``pytest_plugins = ["zenodo_publish.emulator.pytest_plugin"]``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from zenodo_publish.emulator.testing import EmulatorHandle, running_emulator


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorHandle]:
    with running_emulator() as handle:
        yield handle


@pytest.fixture
def emulator(emulator_server: EmulatorHandle) -> EmulatorHandle:
    emulator_server.reset()
    return emulator_server
