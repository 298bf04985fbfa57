"""Helpers for the emulator tests: a thin ``requests`` client and ready-made bodies."""

from __future__ import annotations

import hashlib
from typing import Any

import requests

from zenodo_publish.emulator.testing import EmulatorHandle

RDM = "application/vnd.inveniordm.v1+json"
UA = "zenodo-publish-tests/0 (+https://example.invalid)"


class Api:
    """Plain requests against one emulator, as one user, with the headers of §7."""

    def __init__(
        self,
        handle: EmulatorHandle,
        token: str | None = None,
        *,
        accept: str | None = RDM,
        user_agent: str = UA,
    ) -> None:
        self.handle = handle
        self.base = handle.api_url
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.headers["User-Agent"] = user_agent
        if token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"
        if accept is not None:
            self.session.headers["Accept"] = accept

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base}{path}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        kwargs.setdefault("allow_redirects", False)
        return self.session.request(method, self.url(path), **kwargs)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> requests.Response:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.request("DELETE", path, **kw)

    # --- RDM steps ---------------------------------------------------------------------

    def create(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        r = self.post("/records", json=body if body is not None else full_body())
        assert r.status_code == 201, r.text
        return dict(r.json())

    def upload(self, rid: str, key: str, data: bytes) -> dict[str, Any]:
        """init -> content -> commit; returns the commit response."""
        r = self.post(f"/records/{rid}/draft/files", json=[{"key": key}])
        assert r.status_code == 201, r.text
        r = self.put(
            f"/records/{rid}/draft/files/{key}/content",
            data=data,
            headers={"Content-Type": "application/octet-stream"},
        )
        assert r.status_code == 200, r.text
        r = self.post(f"/records/{rid}/draft/files/{key}/commit")
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
    return hashlib.md5(data).hexdigest()


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


LEGACY_METADATA: dict[str, Any] = {
    "upload_type": "dataset",
    "title": "My dataset",
    "creators": [{"name": "Lovelace, Ada", "affiliation": "Analytical Engines"}],
    "description": "Some numbers.",
    "publication_date": "2026-05-01",
    "license": "CC-BY-4.0",
    "keywords": ["numbers"],
    "version": "1.0",
}
