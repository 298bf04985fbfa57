"""A small Python API to run the emulator from tests, demos and benchmarks.

    with running_emulator(max_files=3) as emu:          # in-process, in a thread
        requests.post(f"{emu.api_url}/records", headers={"Authorization": f"Bearer {emu.token}"})
        emu.control.inject("/actions/publish$", status=504, when="after")
        emu.control.log()

    with spawned_emulator("--production") as emu:        # the CLI in a subprocess
        ...

Every request goes to the emulator's own loopback address; environment proxies are ignored.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests

from zenodo_publish.emulator.app import EmulatorApp
from zenodo_publish.emulator.config import EmulatorConfig
from zenodo_publish.emulator.server import EmulatorServer

READY_PREFIX = "zenodo-publish emulator listening on "


class ControlClient:
    """Client of the ``/_emulator/`` control API."""

    def __init__(self, base_url: str) -> None:
        self.url = f"{base_url}/_emulator"
        self.session = requests.Session()
        self.session.trust_env = False  # never route loopback traffic through a proxy

    def _call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        response = self.session.request(
            method, f"{self.url}/{path}", json=body, params=params or None, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def health(self) -> dict[str, Any]:
        return dict(self._call("GET", "health"))

    def reset(self) -> None:
        self._call("POST", "reset")

    def state(self) -> dict[str, Any]:
        return dict(self._call("GET", "state"))

    def log(self, since: int = 0) -> list[dict[str, Any]]:
        return list(self._call("GET", "log", since=since)["entries"])

    def log_page(self, since: int = 0) -> tuple[list[dict[str, Any]], int]:
        """(entries with index >= since, the index the next request will get)."""
        body = self._call("GET", "log", since=since)
        return list(body["entries"]), int(body["next"])

    def clear_log(self) -> int:
        return int(self._call("DELETE", "log")["next"])

    def new_user(self, email: str | None = None, token: str | None = None) -> dict[str, Any]:
        body = {k: v for k, v in (("email", email), ("token", token)) if v is not None}
        return dict(self._call("POST", "users", body))

    def users(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "users"))

    def config(self, **changes: Any) -> dict[str, Any]:
        """Read the settings, or change some (e.g. ``quota_bytes=100``) and read them back."""
        if changes:
            return dict(self._call("PATCH", "config", changes))
        return dict(self._call("GET", "config"))

    def inject(
        self,
        path: str = "",
        status: int | None = None,
        *,
        method: str = "*",
        count: int = 1,
        when: str = "before",
        format: str | None = None,
        drop_after_bytes: int | None = None,
    ) -> dict[str, Any]:
        """Make the next ``count`` requests matching ``method`` and the ``path`` regex fail."""
        spec: dict[str, Any] = {"path": path, "method": method, "count": count, "when": when}
        if status is not None:
            spec["status"] = status
        if format is not None:
            spec["format"] = format
        if drop_after_bytes is not None:
            spec["drop_after_bytes"] = drop_after_bytes
        return dict(self._call("POST", "faults", spec))

    def faults(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "faults"))

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def latency(
        self,
        fixed: float = 0.0,
        *,
        min: float = 0.0,
        max: float = 0.0,
        seed: int | None = None,
        method: str = "*",
        path: str = "",
    ) -> dict[str, Any]:
        spec = {
            "fixed": fixed,
            "min": min,
            "max": max,
            "seed": seed,
            "method": method,
            "path": path,
        }
        return dict(self._call("PUT", "latency", spec))

    def new_community(self, slug: str, title: str | None = None) -> dict[str, Any]:
        """A community, as a site administrator would make it."""
        found: dict[str, Any] = self._call(
            "POST", "communities", {"slug": slug, "title": title or slug}
        )
        return found

    def decide(self, request_id: str, action: str) -> dict[str, Any]:
        """A curator accepts (``accept``) or declines (``decline``) a community request."""
        found: dict[str, Any] = self._call("POST", f"requests/{request_id}/{action}")
        return found

    def clock(
        self,
        *,
        advance: float | None = None,
        freeze: float | bool | None = None,
        unfreeze: bool = False,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if freeze is not None:
            body["freeze"] = freeze
        if advance is not None:
            body["advance"] = advance
        if unfreeze:
            body["unfreeze"] = True
        return dict(self._call("POST" if body else "GET", "clock", body or None))


@dataclass
class EmulatorHandle:
    base_url: str
    token: str
    control: ControlClient
    #: The application object when it runs in this process (None for a subprocess).
    app: EmulatorApp | None = None
    process: subprocess.Popen[str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api"

    def new_user(self, email: str | None = None) -> str:
        """Create another user; return its token."""
        return str(self.control.new_user(email=email)["token"])

    def reset(self) -> None:
        self.control.reset()

    def headers(self, token: str | None = None, *, rdm: bool = True) -> dict[str, str]:
        """Headers a well-behaved client sends (§7): bearer token, RDM Accept, a User-Agent."""
        headers = {
            "Authorization": f"Bearer {token or self.token}",
            "User-Agent": "zenodo-publish-tests/0 (+https://example.invalid)",
        }
        if rdm:
            headers["Accept"] = "application/vnd.inveniordm.v1+json"
        return headers


@contextmanager
def running_emulator(
    *, host: str = "127.0.0.1", port: int = 0, token: str | None = None, **config: Any
) -> Iterator[EmulatorHandle]:
    """Serve an emulator from a thread of this process; ``config`` is :class:`EmulatorConfig`
    fields (``max_files=3``, ``clock=Clock(frozen_at=...)``, ``sleep=recorder``, ...)."""
    server = EmulatorServer(
        EmulatorConfig(**config), host=host, port=port, default_token=token
    ).start()
    try:
        yield EmulatorHandle(
            server.base_url, server.token, ControlClient(server.base_url), app=server.app
        )
    finally:
        server.stop()


@contextmanager
def spawned_emulator(*args: str, timeout: float = 30.0) -> Iterator[EmulatorHandle]:
    """Run ``zenodo-publish emulator ARGS`` as a subprocess and wait for its ready line."""
    command = [sys.executable, "-m", "zenodo_publish", "emulator", "--port", "0", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, bufsize=1)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        if not first.startswith(READY_PREFIX):
            raise RuntimeError(f"emulator did not start: {first!r}")
        api_url = first[len(READY_PREFIX) :].strip()
        token_line = process.stdout.readline()
        token = token_line.split(":", 1)[1].strip()
        base_url = api_url.removesuffix("/api")
        yield EmulatorHandle(base_url, token, ControlClient(base_url), process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
