"""Helpers for the collection tests: a repository with a table of records, and a run of the
collection against the in-process emulator with a frozen clock (sleeps advance it)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from zenodo_publish.collection.manifest import Collection, load_collection
from zenodo_publish.collection.run import CollectionRequest, CollectionResult, run_collection
from zenodo_publish.collection.selection import Shard
from zenodo_publish.emulator.config import Clock
from zenodo_publish.emulator.testing import EmulatorHandle
from zenodo_publish.manifest import Endpoint
from zenodo_publish.sync.engine import BackendFactory, Mode
from zenodo_publish.zenodo import Backend, ZenodoSession, backend_for

REPOSITORY_URL = "https://github.com/example/objects"
TODAY = datetime.date(2026, 3, 14)
T0 = 1_773_489_600.0

MANIFEST = """\
endpoint: sandbox
code_repository: {repository}
metadata:
  resource_type: dataset
  license: cc-by-4.0
  publisher: Zenodo
  description: One object of the collection.
  creators: [{{family_name: Lovelace, given_name: Ada}}]
files: [LICENSE.txt]
records:
  table: {table}
  key: id
  metadata:
    title: "{{title}}"
    license: "{{license}}"
    keywords: {{column: keywords, split: ";"}}
  files:
    - "objects/{{id}}/*"
"""


def make_collection_repo(
    root: Path,
    keys: Sequence[str],
    *,
    table: str = "records.csv",
    files_per_record: int = 2,
    bad: dict[str, dict[str, str]] | None = None,
) -> Path:
    """``records.csv`` (or .tsv) with one row per key, ``objects/<key>/`` holding files."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "LICENSE.txt").write_text("CC-BY-4.0\n")
    rows = []
    for index, key in enumerate(keys):
        folder = root / "objects" / key
        folder.mkdir(parents=True, exist_ok=True)
        for number in range(files_per_record):
            (folder / f"{key}-{number}.txt").write_text(f"{key} part {number} {index}\n")
        row = {"id": key, "title": f"Object {key}", "license": "", "keywords": "a;b"}
        row.update((bad or {}).get(key, {}))
        rows.append(row)
    separator = "\t" if table.endswith(".tsv") else ","
    lines = [separator.join(["id", "title", "license", "keywords"])]
    lines += [separator.join(r[c] for c in ("id", "title", "license", "keywords")) for r in rows]
    if table.endswith((".csv", ".tsv")):
        (root / table).write_text("\n".join(lines) + "\n")
    (root / "zenodo.yaml").write_text(MANIFEST.format(repository=REPOSITORY_URL, table=table))
    return root


@dataclass
class Runner:
    emu: EmulatorHandle
    clock: Clock
    hooks: list[Callable[[requests.Response], None]] = field(default_factory=list)
    sessions: list[ZenodoSession] = field(default_factory=list)  # one per run, in order

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.clock.advance(seconds)

    def factory(self, token: str | None = None) -> BackendFactory:
        def make(endpoint: Endpoint, api: str, given: str) -> Backend:
            session = ZenodoSession(
                self.emu.api_url,
                token or given,
                sleep=self.sleep,
                clock=self.clock.now,
                jitter=lambda: 0.5,
            )
            session.http.hooks["response"].append(self._on_response)
            self.sessions.append(session)
            return backend_for(api, session)

        return make

    def _on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        for hook in list(self.hooks):
            hook(response)

    def load(self, repo: Path) -> Collection:
        return load_collection(repo / "zenodo.yaml", check_files=lambda keys: keys)

    def run(
        self,
        repo: Path,
        mode: Mode = "sync",
        *,
        records: tuple[str, ...] | None = None,
        shard: Shard | None = None,
        repository_url: str | None = REPOSITORY_URL,
    ) -> CollectionResult:
        request = CollectionRequest(
            mode=mode,
            token=self.emu.token,
            may_publish=mode == "publish",
            parallel=1,
            repository_url=repository_url,
            records=records,
            shard=shard,
            today=TODAY,
        )
        return run_collection(self.load(repo), request, backend_factory=self.factory())

    def log(self) -> list[dict[str, Any]]:
        return self.emu.control.log()


def titles(emu: EmulatorHandle) -> dict[str, int]:
    """How many records (drafts or published versions) carry each title."""
    found: dict[str, int] = {}
    for record in emu.control.state()["records"]:
        version = record["draft"] if record["draft"] is not None else record["published"]
        title = version["metadata"]["title"]
        found[title] = found.get(title, 0) + 1
    return found


def record_file(repo: Path, key: str, endpoint: str) -> dict[str, Any] | None:
    path = repo / ".zenodo" / "records" / f"{key}.json"
    if not path.exists():
        return None
    entry = json.loads(path.read_text()).get(endpoint)
    return entry if isinstance(entry, dict) else None
