"""A hostile (or broken) server (issue 11): a JSON body nested 100 000 deep, and bodies far
larger than any Zenodo answer, streamed without end. Each is an UnexpectedResponseError naming
the call, and a huge body is refused while it streams in (counted in bytes the server managed
to send, never timed)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import requests
import responses
from leakcheck import SWEEP_TOKEN

from zenodo_publish.emulator.testing import EmulatorHandle
from zenodo_publish.errors import UnexpectedResponseError
from zenodo_publish.zenodo import LegacyBackend, RDMBackend
from zenodo_publish.zenodo.http import RetryPolicy, ZenodoSession

HOST = "http://127.0.0.1:9"
DEEP = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 100_000 + "1" + "}" * 100_000


def session(base: str) -> ZenodoSession:
    return ZenodoSession(
        f"{base}/api", SWEEP_TOKEN, retry=RetryPolicy(max_retries=0), sleep=lambda _s: None
    )


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT])
@pytest.mark.parametrize("status", [200, 400, 500])
@responses.activate
def test_json_nested_without_end_is_an_unexpected_response(body: str, status: int) -> None:
    responses.add(responses.GET, f"{HOST}/api/records/7/draft", body=body, status=status)
    responses.add(responses.GET, f"{HOST}/api/deposit/depositions", body=body, status=status)
    with pytest.raises(Exception) as raised:
        RDMBackend(session(HOST)).read_draft("7")
    assert not isinstance(raised.value, RecursionError)
    if status == 200:
        assert isinstance(raised.value, UnexpectedResponseError)
        assert "GET" in raised.value.message
        with pytest.raises(UnexpectedResponseError):
            LegacyBackend(session(HOST)).find_drafts("x")


@dataclass
class Endless:
    """A loopback server answering every GET with 200 and an endless JSON array, chunked (no
    Content-Length), or with a Content-Length far past the cap. Counts the bytes it sent."""

    declare_length: bool = False
    sent: int = 0
    offered: int = 256 * 1024 * 1024
    servers: list[http.server.ThreadingHTTPServer] = field(default_factory=list)

    def start(self) -> str:
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                if owner.declare_length:
                    self.send_header("Content-Length", str(owner.offered))
                else:
                    self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                block = b"[" + b"0," * (32 * 1024)
                try:
                    while owner.sent < owner.offered:
                        if owner.declare_length:
                            self.wfile.write(block)
                        else:
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
                        owner.sent += len(block)
                except OSError:
                    return  # the client hung up: what we want

            def log_message(self, *_args: object) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{server.server_address[1]}"

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


@pytest.fixture(params=[False, True], ids=["chunked", "declared-length"])
def endless(request: pytest.FixtureRequest) -> Iterator[Endless]:
    server = Endless(declare_length=request.param)
    yield server
    server.stop()


def test_a_body_past_the_cap_is_refused_while_it_streams(endless: Endless) -> None:
    base = endless.start()
    with pytest.raises(UnexpectedResponseError) as raised:
        session(base).request_json("GET", "/records/7", idempotent=True)
    assert "MiB" in raised.value.message and "GET" in raised.value.message
    # The cap is 32 MiB; socket buffers may hold a few MiB more. Never the whole 256 MiB.
    assert endless.sent < 96 * 1024 * 1024, endless.sent


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/user/records"), ("POST", "/api/records/1/draft/actions/publish")],
)
def test_the_emulator_drops_requests_without_a_body_too(
    emulator: EmulatorHandle, method: str, path: str
) -> None:
    emulator.control.inject(path=f"^{path}$", method=method, drop_after_bytes=0)
    with pytest.raises(requests.ConnectionError):
        requests.request(method, emulator.base_url + path, headers=emulator.headers(), timeout=30)
    (entry,) = emulator.control.log()
    assert entry["dropped"] is True and entry["path"] == path
    # The fault was used up: the same request now gets an answer.
    answer = requests.request(
        method, emulator.base_url + path, headers=emulator.headers(), timeout=30
    )
    assert answer.status_code < 500
