"""The control API (log, reset, state, users, config, clock) and fault injection."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests
from emu_support import Api, full_body
from werkzeug.test import Client

from zenodo_publish.emulator import EmulatorApp
from zenodo_publish.emulator.testing import EmulatorHandle, running_emulator

DEP = "/deposit/depositions"


def test_log_since_and_clear(emulator: EmulatorHandle, api: Api) -> None:
    api.get("/user/records")
    draft = api.create()
    api.put(f"/records/{draft['id']}/draft", json=full_body())
    entries, next_index = emulator.control.log_page()
    assert [(e["method"], e["status"]) for e in entries] == [
        ("GET", 200),
        ("POST", 201),
        ("PUT", 200),
    ]
    put = entries[2]
    assert put["path"] == f"/api/records/{draft['id']}/draft"
    assert put["bytes_in"] > 100 and put["bytes_out"] > 100
    assert put["user_agent"].startswith("zenodo-publish-tests/")
    assert put["user"] == 1 and put["fault"] is None
    assert emulator.control.log(since=entries[1]["index"])[0]["method"] == "POST"
    assert emulator.control.clear_log() == next_index
    assert emulator.control.log() == []
    api.get("/user/records")
    assert [e["index"] for e in emulator.control.log()] == [next_index]


def test_reset_state_users_and_config(emulator: EmulatorHandle, api: Api) -> None:
    draft = api.create()
    user = emulator.control.new_user(email="b@example.invalid")
    assert user["id"] == 2 and user["token"]
    state = emulator.control.state()
    assert [r["id"] for r in state["records"]] == [int(draft["id"])]
    assert state["records"][0]["draft"]["metadata"]["title"] == "My tool"
    assert {u["email"] for u in emulator.control.users()} == {
        "default@emulator.invalid",
        "b@example.invalid",
    }
    config = emulator.control.config(max_files=5)
    assert config["max_files"] == 5
    bad = requests.patch(f"{emulator.base_url}/_emulator/config", json={"nope": 1}, timeout=5)
    assert bad.status_code == 400
    emulator.control.reset()
    assert emulator.control.state()["records"] == []
    assert emulator.control.config()["max_files"] == 100
    assert [u["token"] for u in emulator.control.users()] == [emulator.token]
    assert Api(emulator, user["token"]).get("/user/records").status_code == 403
    assert api.get("/user/records").status_code == 200


def test_control_refuses_non_loopback_clients() -> None:
    app = EmulatorApp()
    try:
        remote = Client(app).get("/_emulator/state", environ_base={"REMOTE_ADDR": "10.0.0.7"})
        assert remote.status_code == 403
        local = Client(app).get("/_emulator/state", environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert local.status_code == 200
    finally:
        app.close()


@pytest.mark.parametrize("status", [500, 502, 504])
def test_next_requests_fail(emulator: EmulatorHandle, api: Api, status: int) -> None:
    fault = emulator.control.inject(r"^/api/user/records$", status, method="GET", count=2)
    assert fault["count"] == 2
    assert api.post("/records", json=full_body()).status_code == 201  # not matching
    first, second = api.get("/user/records"), api.get("/user/records")
    assert first.status_code == second.status_code == status
    if status == 500:
        assert first.json()["status"] == 500 and "error_id" in first.json()
    else:  # gateway errors are HTML, not JSON (§2.1)
        assert first.headers["Content-Type"].startswith("text/html")
        assert "<html>" in first.text and str(status) in first.text
    assert api.get("/user/records").status_code == 200
    assert emulator.control.faults() == []
    assert [e["fault"] for e in emulator.control.log()][1:3] == [
        f"{status}-{'json' if status == 500 else 'html'}-before"
    ] * 2


def test_injected_429_and_413(emulator: EmulatorHandle, api: Api) -> None:
    emulator.control.inject("/user/records", 429)
    r = api.get("/user/records")
    assert r.status_code == 429 and r.json() == {"status": 429, "message": "100 per 1 minute"}
    assert "Retry-After" in r.headers
    draft = api.create()
    api.post(f"/records/{draft['id']}/draft/files", json=[{"key": "big"}])
    emulator.control.inject("/content$", 413, method="PUT", format="html")
    r = api.put(f"/records/{draft['id']}/draft/files/big/content", data=b"x" * 1000)
    assert r.status_code == 413 and "Request Entity Too Large" in r.text
    emulator.control.inject("/content$", 413, method="PUT")
    r = api.put(f"/records/{draft['id']}/draft/files/big/content", data=b"x")
    assert r.json() == {
        "status": 413,
        "message": "The data value transmitted exceeds the capacity limit.",
    }
    # Nothing was stored by the refused uploads.
    assert api.get(f"/records/{draft['id']}/draft/files/big").json()["status"] == "pending"
    assert "size" not in api.get(f"/records/{draft['id']}/draft/files/big").json()


def test_publish_commits_then_answers_504(emulator: EmulatorHandle, api: Api) -> None:
    draft = api.create()
    api.upload(draft["id"], "a.txt", b"a")
    emulator.control.inject(r"/actions/publish$", 504, method="POST", when="after")
    r = api.post(f"/records/{draft['id']}/draft/actions/publish")
    assert r.status_code == 504 and r.headers["Content-Type"].startswith("text/html")
    assert "504 Gateway Time-out" in r.text
    # The publish committed: re-read before retrying (§7 step 5).
    record = api.get(f"/records/{draft['id']}")
    assert record.status_code == 200 and record.json()["is_published"] is True
    assert api.post(f"/records/{draft['id']}/draft/actions/publish").status_code == 404


def _raw_put(url: str, headers: dict[str, str], chunks: Iterator[bytes]) -> BaseException:
    try:
        requests.put(url, data=chunks, headers=headers, timeout=10)
    except requests.ConnectionError as error:
        return error
    raise AssertionError("the upload was expected to be cut off")


def test_connection_dropped_mid_upload(emulator: EmulatorHandle, api: Api) -> None:
    draft = api.create()
    rid = draft["id"]
    api.post(f"/records/{rid}/draft/files", json=[{"key": "big.bin"}])
    emulator.control.inject("/content$", method="PUT", drop_after_bytes=300_000)
    url = f"{emulator.api_url}/records/{rid}/draft/files/big.bin/content"
    headers = {"Authorization": f"Bearer {emulator.token}"}
    _raw_put(url, headers, (b"x" * 65536 for _ in range(64)))
    entry = api.get(f"/records/{rid}/draft/files/big.bin").json()
    assert entry["status"] == "pending" and "checksum" not in entry
    last = emulator.control.log()[-2]
    assert last["dropped"] is True and last["status"] is None
    assert 300_000 <= last["bytes_in"] < 64 * 65536

    # Legacy bucket PUT: the file is not stored at all.
    bucket = (
        Api(emulator, emulator.token, accept=None).get(f"{DEP}/{rid}").json()["links"]["bucket"]
    )
    emulator.control.inject("/api/files/", method="PUT", drop_after_bytes=1000)
    _raw_put(f"{bucket}/cut.bin", headers, (b"y" * 65536 for _ in range(8)))
    keys = api.get(f"/records/{rid}/draft/files").json()["entries"]
    assert [e["key"] for e in keys] == ["big.bin"]
    # The next upload goes through.
    assert api.put(f"{bucket}/ok.bin", data=b"ok").status_code == 201


def test_latency_uses_the_injected_sleep() -> None:
    slept: list[float] = []
    with running_emulator(sleep=slept.append) as emu:
        api = Api(emu, emu.token)
        emu.control.latency(0.25, path="^/api/records")
        api.get("/user/records")
        api.post("/records", json=full_body())
        assert slept == [0.25]
        emu.control.latency(min=0.1, max=0.2, seed=7)
        api.get("/user/records")
        api.get("/user/records")
        first = slept[1:]
        emu.control.latency(min=0.1, max=0.2, seed=7)
        api.get("/user/records")
        api.get("/user/records")
        assert slept[3:] == first and all(0.1 <= s <= 0.2 for s in first)
        assert [e["latency"] for e in emu.control.log()][-2:] == first


def test_clock_control(emulator: EmulatorHandle, api: Api) -> None:
    frozen = emulator.control.clock(freeze=1_900_000_000)
    assert frozen == {"now": 1_900_000_000, "frozen": True}
    draft = api.create()
    assert draft["created"].startswith("2030-03-17")
    assert emulator.control.clock(advance=86400)["now"] == 1_900_086_400
    emulator.control.reset()
    assert emulator.control.clock()["frozen"] is False


def test_fault_spec_validation(emulator: EmulatorHandle) -> None:
    url = f"{emulator.base_url}/_emulator/faults"
    for spec in (
        {"path": "x"},
        {"path": "x", "status": 418},
        {"path": "x", "status": 500, "drop_after_bytes": 3},
        {"path": "x", "drop_after_bytes": 3, "when": "after"},
    ):
        assert requests.post(url, json=spec, timeout=5).status_code == 400, spec


def test_index_delay_hides_new_drafts(emulator: EmulatorHandle, api: Api) -> None:
    emulator.control.clock(freeze=True)
    emulator.control.config(index_delay=1.0)
    draft = api.create()
    assert api.get("/user/records").json()["hits"]["total"] == 0
    emulator.control.clock(advance=1.5)
    assert api.get("/user/records").json()["hits"]["hits"][0]["id"] == draft["id"]


def test_server_closes_socket_on_drop_before_reading_all(emulator: EmulatorHandle) -> None:
    """A raw-socket view of the drop: the server resets the connection mid-body."""
    draft = Api(emulator, emulator.token).create()
    emulator.control.inject("/content$", method="PUT", drop_after_bytes=10)
    Api(emulator, emulator.token).post(f"/records/{draft['id']}/draft/files", json=[{"key": "k"}])
    host, port = emulator.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(
            f"PUT /api/records/{draft['id']}/draft/files/k/content HTTP/1.1\r\n"
            f"Host: x\r\nAuthorization: Bearer {emulator.token}\r\n"
            "Content-Length: 100000\r\n\r\n".encode()
            + b"z" * 100
        )
        try:
            answer = sock.recv(1024)
        except ConnectionResetError:
            answer = b""
        assert answer == b""  # no HTTP response, just a closed connection
