"""Persistent connections (HTTP/1.1 keep-alive), as real servers keep them.

A client that reuses its connection must be able to: its requests, uploads streamed or not,
answers the application gave without reading the body, injected faults and the control API all
leave the connection usable, and a dropped connection still drops.
"""

from __future__ import annotations

import requests
from emu_support import Api

from zenodo_publish.emulator.testing import EmulatorHandle


def opened(emulator: EmulatorHandle) -> int:
    answer = emulator.control.session.get(f"{emulator.base_url}/_emulator/log", timeout=30)
    return int(answer.json()["connections_opened"])


def test_one_connection_carries_a_whole_upload_flow(emulator: EmulatorHandle) -> None:
    api = Api(emulator, emulator.token)
    before = opened(emulator)
    rid = api.create()["id"]
    for number in range(5):
        committed = api.upload(rid, f"f{number}.bin", bytes([number]) * 300_000)
        assert committed["status"] == "completed"
    # A body the server answers without reading (an unknown record): the rest is read and
    # dropped, and the next request parses on the same connection.
    unread = api.post("/records/99999/draft/files", data=b"y" * 200_000)
    assert unread.status_code in (400, 404, 415)
    assert api.get(f"/records/{rid}/draft").status_code == 200
    assert api.get(f"/records/{rid}/draft").headers.get("Connection") != "close"
    assert opened(emulator) - before == 1


def test_a_chunked_request_body_works_and_then_closes(emulator: EmulatorHandle) -> None:
    """A body of unknown length (chunked) cannot be skipped safely: the server answers it and
    closes the connection, as werkzeug always did; zenodo-publish always sends a length."""
    api = Api(emulator, emulator.token)
    rid = api.create()["id"]
    api.post(f"/records/{rid}/draft/files", json=[{"key": "s.bin"}])
    before = opened(emulator)
    streamed = api.put(
        f"/records/{rid}/draft/files/s.bin/content",
        data=(b"z" * 65536 for _ in range(4)),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert streamed.status_code == 200, streamed.text
    assert streamed.headers.get("Connection") == "close"
    assert api.post(f"/records/{rid}/draft/files/s.bin/commit").json()["size"] == 4 * 65536
    assert opened(emulator) - before == 1


def test_faults_and_the_control_api_keep_the_connection(emulator: EmulatorHandle) -> None:
    api = Api(emulator, emulator.token)
    rid = api.create()["id"]
    before = opened(emulator)
    emulator.control.inject(f"/records/{rid}/draft$", method="GET", status=503)
    assert api.get(f"/records/{rid}/draft").status_code == 503
    assert api.get(f"/records/{rid}/draft").status_code == 200
    emulator.control.config(rate_limit_enabled=True, rate_limit_user="2 per 1 minute")
    statuses = [api.get(f"/records/{rid}/draft").status_code for _ in range(3)]
    assert statuses[-1] == 429
    emulator.control.config(rate_limit_enabled=False)
    assert api.get(f"/records/{rid}/draft").status_code == 200
    assert opened(emulator) - before == 0  # all on the connection of the create above


def test_a_dropped_connection_still_drops_and_the_client_reconnects(
    emulator: EmulatorHandle,
) -> None:
    api = Api(emulator, emulator.token)
    rid = api.create()["id"]
    api.post(f"/records/{rid}/draft/files", json=[{"key": "cut.bin"}])
    before = opened(emulator)
    emulator.control.inject("/content$", method="PUT", drop_after_bytes=100_000)
    try:
        api.put(
            f"/records/{rid}/draft/files/cut.bin/content",
            data=b"x" * 1_000_000,
            headers={"Content-Type": "application/octet-stream"},
        )
        dropped = False
    except requests.ConnectionError:
        dropped = True
    assert dropped
    assert emulator.control.log()[-1]["dropped"] is True
    assert api.get(f"/records/{rid}/draft").status_code == 200
    assert opened(emulator) - before == 1  # the new connection after the drop


def test_a_client_that_asks_to_close_gets_a_closed_connection(emulator: EmulatorHandle) -> None:
    api = Api(emulator, emulator.token)
    answer = api.get("/records/99999", headers={"Connection": "close"})
    assert answer.headers.get("Connection") == "close"
