"""One face for both servers: what a contract test needs to talk to the emulator or to the real
InvenioRDM, and to count the requests it answered."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from inveniordm import InvenioRDMServer

from zenodo_publish.emulator.testing import EmulatorHandle

RDM = "application/vnd.inveniordm.v1+json"
UA = "zenodo-publish-conformance/0 (+https://example.invalid)"


@dataclass
class Server:
    """A server under test. ``writes_since(mark)`` lists the non-GET requests answered since
    ``mark()``, as ``"METHOD /path"``."""

    name: str
    api_url: str
    token: str
    mark: Callable[[], int]
    calls_since: Callable[[int], list[tuple[str, str, int]]]

    def writes_since(self, index: int) -> list[str]:
        return [
            f"{method} {path}"
            for method, path, _status in self.calls_since(index)
            if method not in ("GET", "HEAD", "OPTIONS")
        ]

    def client(self, token: str | None = None, *, rdm: bool = True) -> Client:
        return Client(self, token or self.token, rdm=rdm)


def emulator_server(handle: EmulatorHandle) -> Server:
    def calls_since(index: int) -> list[tuple[str, str, int]]:
        return [(e["method"], e["path"], int(e["status"])) for e in handle.control.log(since=index)]

    def mark() -> int:
        return handle.control.log_page(0)[1]

    return Server("emulator", handle.api_url, handle.token, mark, calls_since)


def inveniordm_server(real: InvenioRDMServer) -> Server:
    def calls_since(index: int) -> list[tuple[str, str, int]]:
        return [(e.method, e.path, e.status) for e in real.log.since(index)]

    return Server("inveniordm", real.api_url, real.token, real.log.mark, calls_since)


class Client:
    """Plain requests as one user, with the headers a well-behaved client sends."""

    def __init__(self, server: Server, token: str, *, rdm: bool = True) -> None:
        self.server = server
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.headers["User-Agent"] = UA
        self.session.headers["Authorization"] = f"Bearer {token}"
        if rdm:
            self.session.headers["Accept"] = RDM

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 120)
        kwargs.setdefault("allow_redirects", False)
        url = path if path.startswith("http") else f"{self.server.api_url}{path}"
        return self.session.request(method, url, **kwargs)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> requests.Response:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.request("DELETE", path, **kw)

    # --- steps both servers take the same way ---------------------------------------------

    def create(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        r = self.post("/records", json=body if body is not None else full_body())
        assert r.status_code == 201, r.text
        return dict(r.json())

    def init(self, rid: str, *keys: str) -> requests.Response:
        return self.post(f"/records/{rid}/draft/files", json=[{"key": k} for k in keys])

    def content(self, rid: str, key: str, data: bytes, **headers: str) -> requests.Response:
        return self.put(
            f"/records/{rid}/draft/files/{key}/content",
            data=data,
            headers={"Content-Type": "application/octet-stream", **headers},
        )

    def commit(self, rid: str, key: str) -> requests.Response:
        return self.post(f"/records/{rid}/draft/files/{key}/commit")

    def upload(self, rid: str, key: str, data: bytes) -> dict[str, Any]:
        r = self.init(rid, key)
        assert r.status_code == 201, r.text
        r = self.content(rid, key, data)
        assert r.status_code == 200, r.text
        r = self.commit(rid, key)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def publish(self, rid: str) -> dict[str, Any]:
        r = self.post(f"/records/{rid}/draft/actions/publish")
        assert r.status_code == 202, r.text
        return dict(r.json())

    def published_record(self, files: dict[str, bytes] | None = None) -> dict[str, Any]:
        draft = self.create()
        for key, data in (files or {"data.csv": b"a,b\n1,2\n"}).items():
            self.upload(draft["id"], key, data)
        return self.publish(draft["id"])


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def full_metadata(**overrides: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "resource_type": {"id": "software"},
        "title": "My tool",
        "publication_date": "2026-05-01",
        "creators": [
            {"person_or_org": {"type": "personal", "given_name": "Ada", "family_name": "Lovelace"}}
        ],
        "publisher": "Zenodo",
        "version": "v1.0.0",
        "rights": [{"id": "cc-by-4.0"}],
        "related_identifiers": [
            {
                "identifier": "https://github.com/o/r",
                "scheme": "url",
                "relation_type": {"id": "issupplementto"},
            }
        ],
    }
    metadata.update(overrides)
    return metadata


def full_body(**overrides: Any) -> dict[str, Any]:
    return {
        "metadata": full_metadata(**overrides),
        "files": {"enabled": True},
        "access": {"record": "public", "files": "public"},
    }
