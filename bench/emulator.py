"""The shared emulator helper: one ``zenodo-publish emulator`` subprocess per measurement, its
file bodies in a folder of the benchmark's scratch directory, and readings of its request log."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from zenodo_publish.emulator.testing import EmulatorHandle, spawned_emulator

#: High enough that no benchmark but the rate-limit one is ever paced (said in the table).
UNLIMITED = "1000000 per hour;100000 per minute"


@dataclass(frozen=True)
class Traffic:
    """What the client sent, from the emulator's request log (API calls only)."""

    requests: int
    bytes_in: int
    writes: int
    status_429: int
    #: Searches of the user's records (GET with a query on /user/records or the legacy list).
    searches: int = 0

    @staticmethod
    def of(entries: list[dict[str, Any]]) -> Traffic:
        return Traffic(
            requests=len(entries),
            bytes_in=sum(int(e["bytes_in"]) for e in entries),
            writes=sum(1 for e in entries if e["method"] not in ("GET", "HEAD")),
            status_429=sum(1 for e in entries if e["status"] == 429),
            searches=sum(1 for e in entries if _is_search(e)),
        )


def _is_search(entry: dict[str, Any]) -> bool:
    path = str(entry["path"]).rstrip("/")
    listing = path.endswith(("/api/user/records", "/api/records", "/api/deposit/depositions"))
    return entry["method"] == "GET" and listing


class Emulator:
    """A running emulator subprocess and the calls the benchmarks make on it."""

    def __init__(self, handle: EmulatorHandle) -> None:
        self.handle = handle
        self.control = handle.control
        self.api_url = handle.api_url
        self.token = handle.token
        self.session = requests.Session()
        self.session.trust_env = False  # loopback only, never through a proxy
        self.session.headers.update(handle.headers())

    @property
    def pid(self) -> int:
        assert self.handle.process is not None
        return self.handle.process.pid

    def cpu_seconds(self) -> float:
        """User + system CPU time the emulator process has used so far (/proc)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rate_limit(self, limits: str) -> None:
        """Authenticated limits in flask-limiter syntax (``"30 per 10 second"``)."""
        self.control.config(rate_limit_enabled=True, rate_limit_user=limits)

    def latency(self, seconds: float) -> None:
        self.control.latency(fixed=seconds)

    def clear_log(self) -> None:
        self.control.clear_log()

    def connections_opened(self) -> int:
        """TCP connections the emulator accepted so far (it keeps them alive, as real servers
        do); the bench's own control session holds one open connection throughout."""
        answer = self.control.session.get(f"{self.handle.base_url}/_emulator/log", timeout=30)
        answer.raise_for_status()
        return int(answer.json()["connections_opened"])

    def publish(self, record_id: str, *, legacy: bool = False) -> None:
        """Publish a draft the way a person does in the web interface (for peers that leave
        publishing to the user)."""
        if legacy:
            url = f"{self.api_url}/deposit/depositions/{record_id}/actions/publish"
        else:
            url = f"{self.api_url}/records/{record_id}/draft/actions/publish"
        accept = "application/json" if legacy else "application/vnd.inveniordm.v1+json"
        response = self.session.post(url, timeout=120, headers={"Accept": accept})
        if response.status_code >= 300:
            raise RuntimeError(f"publishing {record_id} failed: {response.text[:500]}")

    def traffic(self) -> Traffic:
        return Traffic.of(self.control.log())

    def new_draft_with_key(self, key: str) -> str:
        """A new draft with ``key`` initialised (ready for a content PUT); its content URL."""
        response = self.session.post(f"{self.api_url}/records", json={}, timeout=30)
        response.raise_for_status()
        record_id = response.json()["id"]
        files = f"{self.api_url}/records/{record_id}/draft/files"
        self.session.post(files, json=[{"key": key}], timeout=30).raise_for_status()
        return f"{files}/{key}/content"

    def new_draft(self) -> str:
        response = self.session.post(f"{self.api_url}/records", json={}, timeout=30)
        response.raise_for_status()
        return str(response.json()["id"])

    def discard(self, record_id: str) -> None:
        """Delete a draft (and so its stored bodies, keeping the scratch disk small)."""
        self.session.delete(f"{self.api_url}/records/{record_id}/draft", timeout=60)


@contextmanager
def emulator(scratch: Path, *, limits: str = UNLIMITED) -> Iterator[Emulator]:
    """An emulator subprocess with its data dir under ``scratch`` (removed afterwards)."""
    with (
        tempfile.TemporaryDirectory(prefix="emulator-", dir=scratch) as data_dir,
        spawned_emulator("--data-dir", data_dir, "--rate-limit", limits) as handle,
    ):
        yield Emulator(handle)
