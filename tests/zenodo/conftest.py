"""Fixtures for the HTTP layer and backend tests: a fake clock and sleep (no test waits on wall
time), a session on a loopback base URL, and ``responses`` intercepting every request."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
import responses

from zenodo_publish.zenodo.backend import UploadSpec
from zenodo_publish.zenodo.http import RetryPolicy, ZenodoSession

BASE = "http://127.0.0.1:9/api"
TOKEN = "tok-SECRET-1234567890"


@dataclass
class FakeClock:
    """Epoch seconds that only move when the code under test sleeps."""

    now: float = 1_700_000_000.0
    sleeps: list[float] = field(default_factory=list)

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def session(clock: FakeClock) -> Iterator[ZenodoSession]:
    s = ZenodoSession(
        BASE,
        TOKEN,
        retry=RetryPolicy(max_retries=5, base=1.0, cap=30.0),
        sleep=clock.sleep,
        clock=clock.time,
        jitter=lambda: 0.5,
    )
    yield s
    s.close()


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def _calls(mock: responses.RequestsMock) -> list[str]:
    """``METHOD /path`` of every request made, in order (query strings dropped)."""
    out = []
    for call in mock.calls:
        url = call.request.url or ""
        path = url.split("?", 1)[0].removeprefix("http://127.0.0.1:9")
        out.append(f"{call.request.method} {path}")
    return out


def _spec(key: str, data: bytes) -> UploadSpec:
    opener: Callable[[], io.BytesIO] = lambda: io.BytesIO(data)  # noqa: E731
    return UploadSpec(key=key, size=len(data), md5=hashlib.md5(data).hexdigest(), open=opener)


CallLog = Callable[[], list[str]]
SpecMaker = Callable[[str, bytes], UploadSpec]


@pytest.fixture
def call_log(rsps: responses.RequestsMock) -> CallLog:
    return lambda: _calls(rsps)


@pytest.fixture
def make_spec() -> SpecMaker:
    return _spec
