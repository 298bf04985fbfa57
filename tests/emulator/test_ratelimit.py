"""Rate limiting (§3): headers on every response, moving windows, 429 body, keys. The clock is
frozen and advanced by hand, so nothing depends on wall-clock timing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from emu_support import Api

from zenodo_publish.emulator.config import Clock, RateLimit, parse_limits
from zenodo_publish.emulator.testing import EmulatorHandle, running_emulator

T0 = 1_800_000_000.0


@pytest.fixture
def limited() -> Iterator[tuple[EmulatorHandle, Clock]]:
    clock = Clock(frozen_at=T0)
    with running_emulator(
        clock=clock, rate_limit_user="20 per hour;3 per minute", rate_limit_guest="2 per minute"
    ) as emu:
        yield emu, clock


def test_headers_on_every_response(emulator: EmulatorHandle, api: Api) -> None:
    for response in (
        api.get("/user/records"),
        api.get("/records/999999/draft"),
        api.post("/records", json={"metadata": {}}),
    ):
        assert response.headers["X-RateLimit-Limit"] == "100"
        assert int(response.headers["X-RateLimit-Remaining"]) < 100
        assert int(response.headers["X-RateLimit-Reset"]) > 1_700_000_000
        assert 0 <= int(response.headers["Retry-After"]) <= 61


def test_window_429_and_reset(limited: tuple[EmulatorHandle, Clock]) -> None:
    emu, clock = limited
    api = Api(emu, emu.token)
    remaining = [api.get("/user/records").headers["X-RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    r = api.get("/user/records")
    assert r.status_code == 429
    assert r.json() == {"status": 429, "message": "3 per 1 minute"}
    assert r.headers["X-RateLimit-Limit"] == "3"
    assert r.headers["X-RateLimit-Remaining"] == "0"
    assert r.headers["X-RateLimit-Reset"] == str(int(T0) + 61)
    assert r.headers["Retry-After"] == "61"
    # Control calls neither count nor get refused.
    assert emu.control.log()[-1]["status"] == 429
    clock.advance(30)
    assert api.get("/user/records").status_code == 429  # a moving window, not a fixed one
    clock.advance(30.5)
    r = api.get("/user/records")
    assert r.status_code == 200 and r.headers["X-RateLimit-Remaining"] == "2"


def test_hourly_limit_applies_too(limited: tuple[EmulatorHandle, Clock]) -> None:
    emu, clock = limited
    api = Api(emu, emu.token)
    for _ in range(6):
        for _ in range(3):
            assert api.get("/user/records").status_code == 200
        clock.advance(61)
    for _ in range(2):
        assert api.get("/user/records").status_code == 200
    r = api.get("/user/records")
    assert r.status_code == 429 and r.json()["message"] == "20 per 1 hour"
    assert r.headers["X-RateLimit-Limit"] == "20"


def test_keyed_by_token_so_shards_with_one_token_share_a_budget(
    limited: tuple[EmulatorHandle, Clock],
) -> None:
    emu, _clock = limited
    first = Api(emu, emu.token, user_agent="tool/1")
    same_token_elsewhere = Api(emu, emu.token, user_agent="tool/2")
    other_user_same_agent = Api(emu, emu.new_user(), user_agent="tool/1")
    for _ in range(3):
        assert first.get("/user/records").status_code == 200
    assert same_token_elsewhere.get("/user/records").status_code == 429
    assert other_user_same_agent.get("/user/records").status_code == 200
    guest = Api(emu, None, user_agent="tool/3")
    assert [guest.get("/records").status_code for _ in range(2)] == [200, 200]


def test_keyed_by_user_agent_and_ip_on_request(limited: tuple[EmulatorHandle, Clock]) -> None:
    """flask-limiter's default key (zenodo-api.md §3), for a deployment that keeps it."""
    emu, _clock = limited
    emu.control.config(rate_limit_key="useragent_ip")
    first = Api(emu, emu.token, user_agent="tool/1")
    other_user_same_agent = Api(emu, emu.new_user(), user_agent="tool/1")
    other_agent = Api(emu, emu.token, user_agent="tool/2")
    for _ in range(3):
        assert first.get("/user/records").status_code == 200
    assert other_user_same_agent.get("/user/records").status_code == 429
    assert other_agent.get("/user/records").status_code == 200


def test_upload_bandwidth_paces_each_body() -> None:
    """A throttled connection takes size / bandwidth seconds of the emulator's clock (frozen
    here and advanced by its sleeps, so nothing depends on wall-clock time)."""
    clock = Clock(frozen_at=T0)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds)

    with running_emulator(clock=clock, sleep=sleep, upload_bandwidth=1000) as emu:
        api = Api(emu, emu.token)
        record_id = api.post("/records", json={"metadata": {}}).json()["id"]
        files = f"/records/{record_id}/draft/files"
        api.post(files, json=[{"key": "a.bin"}])
        response = api.put(f"{files}/a.bin/content", data=b"x" * 5000)
        assert response.status_code == 200
    # Every body is paced: 5000 bytes of content, and the two small JSON bodies before it.
    assert 5.0 <= sum(slept) <= 5.1


def test_guest_limit_and_search_limit(limited: tuple[EmulatorHandle, Clock]) -> None:
    emu, _clock = limited
    guest = Api(emu, None, user_agent="guest")
    emu.control.config(rate_limit_search="")
    assert [guest.get("/records/1").headers["X-RateLimit-Limit"] for _ in range(2)] == ["2"] * 2
    assert guest.get("/records/1").status_code == 429


def test_disable_and_parse() -> None:
    assert parse_limits("5000 per hour;100 per minute") == (
        RateLimit(5000, 1, "hour"),
        RateLimit(100, 1, "minute"),
    )
    assert parse_limits("10/second") == (RateLimit(10, 1, "second"),)
    assert parse_limits("") == ()
    with pytest.raises(ValueError):
        parse_limits("lots")
    with running_emulator(rate_limit_enabled=False) as emu:
        r = Api(emu, emu.token).get("/user/records")
        assert "X-RateLimit-Limit" not in r.headers
