"""Retry rules and pacing, asserted on the injected sleep, never on wall time."""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest
import requests
import responses

from zenodo_publish.errors import NotFoundError, ServerError, TransportError
from zenodo_publish.zenodo.http import ZenodoSession

BASE = "http://127.0.0.1:9/api"


def _statuses(rsps: responses.RequestsMock, method: str, path: str, *statuses: int) -> None:
    for status in statuses:
        rsps.add(
            method,
            f"{BASE}{path}",
            status=status,
            json={"status": status, "message": "x"} if status >= 400 else {"id": "1"},
        )


def test_idempotent_calls_retry_5xx_with_exponential_backoff_and_jitter(
    rsps: responses.RequestsMock,
    session: ZenodoSession,
    clock: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _statuses(rsps, "PUT", "/records/123/draft", 502, 503, 500, 504, 200)
    with caplog.at_level(logging.WARNING, logger="zenodo_publish.http"):
        response = session.request("PUT", "/records/123/draft", idempotent=True, json={})
    assert response.status_code == 200
    # base 1 s doubling, jitter fixed at 0.5 of the ceiling.
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0]
    assert caplog.messages[1] == "retry 2 of 5 after 1.0 s: 503 from PUT /api/records/123/draft"


def test_backoff_is_capped_and_retries_are_bounded(
    rsps: responses.RequestsMock, session: ZenodoSession, clock: Any
) -> None:
    session.retry = type(session.retry)(max_retries=7, base=1.0, cap=8.0)
    _statuses(rsps, "GET", "/records/1", *([502] * 8))
    with pytest.raises(ServerError) as info:
        session.request("GET", "/records/1", idempotent=True)
    assert info.value.status == 502
    assert len(rsps.calls) == 8
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0]


def test_full_jitter_uses_the_whole_range(rsps: responses.RequestsMock, clock: Any) -> None:
    values = iter([0.0, 0.99])
    s = ZenodoSession(BASE, None, sleep=clock.sleep, clock=clock.time, jitter=lambda: next(values))
    _statuses(rsps, "GET", "/records/1", 502, 502, 200)
    s.request("GET", "/records/1", idempotent=True)
    assert clock.sleeps == [0.0, 1.98]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_non_idempotent_calls_are_not_retried_on_5xx(
    rsps: responses.RequestsMock, session: ZenodoSession, clock: Any, status: int
) -> None:
    _statuses(rsps, "POST", "/records", status, 201)
    with pytest.raises(ServerError):
        session.request("POST", "/records", idempotent=False, json={})
    assert len(rsps.calls) == 1
    assert clock.sleeps == []


def test_non_idempotent_calls_are_not_retried_on_timeouts(
    rsps: responses.RequestsMock, session: ZenodoSession
) -> None:
    rsps.post(f"{BASE}/records/1/draft/actions/publish", body=requests.ReadTimeout("slow"))
    with pytest.raises(TransportError) as info:
        session.request("POST", "/records/1/draft/actions/publish", idempotent=False)
    assert len(rsps.calls) == 1
    assert info.value.hint is not None and "not repeated" in info.value.hint


def test_connection_errors_are_retried_for_idempotent_calls(
    rsps: responses.RequestsMock, session: ZenodoSession, clock: Any
) -> None:
    rsps.get(f"{BASE}/records/1", body=requests.ConnectionError("reset"))
    rsps.get(f"{BASE}/records/1", json={"id": "1"})
    assert session.request("GET", "/records/1", idempotent=True).status_code == 200
    assert clock.sleeps == [0.5]


def test_a_connect_timeout_is_safe_to_retry_for_any_call(
    rsps: responses.RequestsMock, session: ZenodoSession
) -> None:
    rsps.post(f"{BASE}/records", body=requests.ConnectTimeout("never connected"))
    rsps.post(f"{BASE}/records", status=201, json={"id": "1"})
    assert session.request("POST", "/records", idempotent=False, json={}).status_code == 201


def test_429_honours_retry_after_even_for_non_idempotent_calls(
    rsps: responses.RequestsMock,
    session: ZenodoSession,
    clock: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    rsps.post(
        f"{BASE}/records/1/draft/actions/publish",
        status=429,
        headers={"Retry-After": "7"},
        json={"status": 429, "message": "100 per 1 minute"},
    )
    rsps.post(f"{BASE}/records/1/draft/actions/publish", status=202, json={"id": "1"})
    with caplog.at_level(logging.WARNING, logger="zenodo_publish.http"):
        response = session.request("POST", "/records/1/draft/actions/publish", idempotent=False)
    assert response.status_code == 202
    assert clock.sleeps == [7.0]
    assert caplog.messages == [
        "retry 1 of 5 after 7.0 s: 429 from POST /api/records/1/draft/actions/publish"
    ]


def test_429_without_retry_after_waits_for_the_reset(
    rsps: responses.RequestsMock, session: ZenodoSession, clock: Any
) -> None:
    reset = int(clock.now) + 12
    rsps.get(
        f"{BASE}/records/1",
        status=429,
        headers={
            "X-RateLimit-Reset": str(reset),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Limit": "100",
        },
    )
    rsps.get(f"{BASE}/records/1", json={"id": "1"})
    session.request("GET", "/records/1", idempotent=True)
    assert clock.sleeps == [12.0]


def test_a_429_holds_back_other_requests_too(
    rsps: responses.RequestsMock, session: ZenodoSession, clock: Any
) -> None:
    rsps.get(f"{BASE}/records/1", status=429, headers={"Retry-After": "3"})
    rsps.get(f"{BASE}/records/1", json={"id": "1"})
    session.pacer.penalise(clock.now + 30)  # as if another thread had just been told 30 s
    session.request("GET", "/records/1", idempotent=True)
    assert clock.sleeps == [30.0, 3.0]


def test_503_retry_after_is_honoured_for_idempotent_calls(
    rsps: responses.RequestsMock, session: ZenodoSession, clock: Any
) -> None:
    rsps.get(f"{BASE}/records/1", status=503, headers={"Retry-After": "20"})
    rsps.get(f"{BASE}/records/1", json={"id": "1"})
    session.request("GET", "/records/1", idempotent=True)
    assert clock.sleeps == [20.0]


def test_pacing_waits_for_the_reset_when_the_budget_is_spent(
    rsps: responses.RequestsMock, session: ZenodoSession, clock: Any
) -> None:
    reset = int(clock.now) + 25
    rsps.get(
        f"{BASE}/records/1",
        json={},
        headers={
            "X-RateLimit-Limit": "100",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(reset),
        },
    )
    session.request("GET", "/records/1", idempotent=True)
    session.request("GET", "/records/1", idempotent=True)
    assert clock.sleeps == [25.0]
    assert len(rsps.calls) == 2


def test_requests_go_at_full_speed_until_the_budget_is_spent(
    rsps: responses.RequestsMock, session: ZenodoSession, clock: Any
) -> None:
    """A moving window frees a slot only when its oldest request leaves it: the session
    spends what remains at once, then waits for the reset (no even spacing)."""
    reset = clock.now + 40
    remaining = [3]

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        remaining[0] = max(remaining[0] - 1, 0)
        headers = {
            "X-RateLimit-Limit": "100",
            "X-RateLimit-Reset": str(int(reset)),
            "X-RateLimit-Remaining": str(remaining[0]),
        }
        return 200, headers, "{}"

    rsps.add_callback("GET", f"{BASE}/records/1", callback=answer)
    for _ in range(4):
        session.request("GET", "/records/1", idempotent=True)
    assert clock.sleeps == [pytest.approx(40.0)]
    assert session.pacer.in_flight == 0


def test_a_streamed_body_is_reopened_for_a_retry(
    rsps: responses.RequestsMock, session: ZenodoSession
) -> None:
    opened: list[int] = []

    def opener() -> io.BytesIO:
        opened.append(1)
        return io.BytesIO(b"payload")

    rsps.put(f"{BASE}/records/1/draft/files/a/content", body=requests.ConnectionError("reset"))
    rsps.put(f"{BASE}/records/1/draft/files/a/content", json={})
    session.request("PUT", "/records/1/draft/files/a/content", idempotent=True, body=opener)
    assert len(opened) == 2
    assert rsps.calls[1].request.body == b"payload"


def test_delete_that_went_through_before_a_retry_counts_as_done(
    rsps: responses.RequestsMock, session: ZenodoSession
) -> None:
    _statuses(rsps, "DELETE", "/records/1/draft", 502, 404)
    session.request("DELETE", "/records/1/draft", idempotent=True, ok_after_retry=(404,))
    # Without a retry, a 404 is a real "not found".
    _statuses(rsps, "DELETE", "/records/2/draft", 404)
    with pytest.raises(NotFoundError):
        session.request("DELETE", "/records/2/draft", idempotent=True, ok_after_retry=(404,))
