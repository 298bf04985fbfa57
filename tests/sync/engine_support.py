"""Helpers for the sync engine's integration and fault tests (tests/sync/test_engine_*.py).

* :func:`make_repo` writes a tiny repository (a manifest and a ``data/`` folder) in tmp_path.
* :class:`Harness` runs :func:`zenodo_publish.sync.engine.run` against one in-process emulator
  whose clock is frozen: the client's sessions read the same clock and their ``sleep`` advances
  it, so retries, ``Retry-After`` and rate-limit pacing take no wall time at all.
* Response hooks on the client's sessions let a test act right after the n-th response: inject
  a fault for the next request, lose an answer the server already processed, or "kill" the run.
* :func:`end_state` reads the emulator's state dump and :func:`assert_converged` checks that it
  equals what the manifest asks for.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import requests

from zenodo_publish.emulator.config import Clock
from zenodo_publish.emulator.testing import EmulatorHandle
from zenodo_publish.manifest import Endpoint
from zenodo_publish.sync.engine import BackendFactory, Mode, SyncRequest, run
from zenodo_publish.sync.result import RunResult
from zenodo_publish.zenodo import Backend, RetryPolicy, ZenodoSession, backend_for
from zenodo_publish.zenodo.http import Timeouts

REPOSITORY_URL = "https://github.com/example/tiny"
RECORD_FILE = ".zenodo-record.json"
TODAY = datetime.date(2026, 3, 14)
#: The emulator's frozen clock starts here (2026-03-14T12:00:00Z).
T0 = 1_773_489_600.0
TITLE = "Tiny engine test dataset"

Api = Literal["rdm", "legacy"]
Hook = Callable[[requests.Response], None]


TEST_TIMEOUTS = Timeouts(connect=5.0, read=15.0, upload_read=15.0)


class Killed(BaseException):
    """Stands in for SIGKILL: raised from a response hook, nothing in the engine catches it."""


def manifest_text(
    *,
    endpoint: str,
    api: Api,
    title: str = TITLE,
    publish_on: str = "never",
    version: str | None = None,
    code_repository: str | None = REPOSITORY_URL,
) -> str:
    lines = [
        f"endpoint: {endpoint}",
        f"api: {api}",
        f"record_file: {RECORD_FILE}",
    ]
    if code_repository:
        lines.append(f"code_repository: {code_repository}")
    lines += [
        "metadata:",
        f"  title: {title}",
        "  description: Small files for the sync engine's tests.",
        "  resource_type: dataset",
        "  license: cc-by-4.0",
        "  publisher: Zenodo",
        "  creators:",
        "    - family_name: Doe",
        "      given_name: Jane",
    ]
    if version is not None:
        lines.append(f"  version: {version}")
    lines += ["files:", "  - data/*", f"publish: {{on: {publish_on}}}", ""]
    return "\n".join(lines)


def file_bytes(index: int, size: int | None = None) -> bytes:
    """Distinct, deterministic content for file number ``index``."""
    line = f"{index},{index * index},sample {index}\n".encode()
    if size is not None:
        return (line * (size // len(line) + 1))[:size]
    return line * (index + 1)


def make_repo(
    root: Path,
    *,
    endpoint: str,
    api: Api,
    n_files: int = 3,
    files: Mapping[str, bytes] | None = None,
    **manifest: Any,
) -> Path:
    """A repository with ``zenodo.yaml`` and ``data/`` (``files`` or ``n_files`` CSVs)."""
    root.mkdir(parents=True, exist_ok=True)
    data = root / "data"
    data.mkdir(exist_ok=True)
    chosen = (
        files if files is not None else {f"f{i:03d}.csv": file_bytes(i) for i in range(n_files)}
    )
    for name, content in chosen.items():
        (data / name).write_bytes(content)
    (root / "zenodo.yaml").write_text(manifest_text(endpoint=endpoint, api=api, **manifest))
    return root


def local_files(repo: Path) -> dict[str, str]:
    """name -> md5 of what the manifest selects (every file under data/)."""
    return {
        p.name: hashlib.md5(p.read_bytes(), usedforsecurity=False).hexdigest()
        for p in sorted((repo / "data").iterdir())
        if p.is_file()
    }


def record_entry(repo: Path, endpoint_url: str) -> dict[str, Any] | None:
    path = repo / RECORD_FILE
    if not path.exists():
        return None
    entry = json.loads(path.read_text()).get(endpoint_url)
    return entry if isinstance(entry, dict) else None


# --- the harness -----------------------------------------------------------------------------


@dataclass
class Harness:
    """One emulator (frozen clock) and the way the engine talks to it in these tests."""

    emu: EmulatorHandle
    clock: Clock
    #: Called with every response the client receives (all sessions of the run).
    hooks: list[Hook] = field(default_factory=list)
    #: What the client slept, in order (virtual seconds).
    slept: list[float] = field(default_factory=list)

    def reset(self) -> None:
        self.emu.reset()
        self.hooks.clear()
        self.slept.clear()

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        if seconds > 0:
            self.clock.advance(seconds)

    def factory(self, retry: RetryPolicy | None = None) -> BackendFactory:
        """Every endpoint (sandbox, production, an URL) goes to the emulator."""

        def make(endpoint: Endpoint, api: str, token: str) -> Backend:
            session = ZenodoSession(
                self.emu.api_url,
                token,
                retry=retry,
                sleep=self.sleep,
                clock=self.clock.now,
                jitter=lambda: 0.5,
                # The emulator answers on loopback at once: a wait of seconds is a stall (seen
                # once in a clean CI run, a content PUT whose answer's body never came on a
                # kept-alive connection), which must become a retried transport error, not a
                # ten-minute hang of the suite.
                timeouts=TEST_TIMEOUTS,
            )
            session.http.hooks["response"].append(self._on_response)
            return backend_for(api, session)

        return make

    def _on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        for hook in list(self.hooks):
            hook(response)

    def run(
        self,
        repo: Path,
        mode: Mode = "sync",
        *,
        endpoint: str | None = None,
        parallel: int = 1,
        version: str | None = None,
        retry: RetryPolicy | None = None,
        repository_url: str | None = None,
        force_upload: tuple[str, ...] | None = None,
    ) -> RunResult:
        request = SyncRequest(
            mode=mode,
            manifest_path=repo / "zenodo.yaml",
            token=self.emu.token,
            endpoint=endpoint,
            may_publish=mode == "publish",
            version=version,
            parallel=parallel,
            today=TODAY,
            repository_url=repository_url,
            force_upload=force_upload,
        )
        return run(request, backend_factory=self.factory(retry))

    # --- the request log ---------------------------------------------------------------------

    def log(self) -> list[dict[str, Any]]:
        return self.emu.control.log()

    def mark(self) -> int:
        """Forget the log so far (entries keep their indexes)."""
        return self.emu.control.clear_log()


def calls(entries: Iterable[Mapping[str, Any]]) -> list[str]:
    return [f"{e['method']} {e['path']}" for e in entries]


def writes(entries: Iterable[Mapping[str, Any]]) -> list[str]:
    return [f"{e['method']} {e['path']}" for e in entries if e["method"] not in ("GET", "HEAD")]


def uploaded_bytes(entries: Iterable[Mapping[str, Any]]) -> int:
    """Body bytes of content uploads (RDM content PUTs and legacy bucket PUTs)."""
    return sum(
        int(e["bytes_in"])
        for e in entries
        if e["method"] == "PUT" and (e["path"].endswith("/content") or "/api/files/" in e["path"])
    )


def upload_calls(entries: Iterable[Mapping[str, Any]]) -> list[str]:
    return [
        e["path"].rsplit("/", 2)[-2] if e["path"].endswith("/content") else e["path"].split("/")[-1]
        for e in entries
        if e["method"] == "PUT" and (e["path"].endswith("/content") or "/api/files/" in e["path"])
    ]


# --- the emulator's state ----------------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    record_id: str
    is_draft: bool
    files: dict[str, str]  # key -> md5 of completed files
    pending: tuple[str, ...]
    metadata: dict[str, Any]


@dataclass(frozen=True)
class Concept:
    id: str
    published: list[Version]  # oldest first
    drafts: list[Version]  # unpublished drafts (new or new-version), not edit drafts
    edit_drafts: list[Version]


def _version(record_id: Any, dump: Mapping[str, Any], is_draft: bool) -> Version:
    files = {
        f["key"]: str(f["checksum"]).removeprefix("md5:")
        for f in dump["files"]
        if f["status"] == "completed"
    }
    pending = tuple(f["key"] for f in dump["files"] if f["status"] != "completed")
    return Version(str(record_id), is_draft, files, pending, dict(dump["metadata"]))


def concepts(emu: EmulatorHandle) -> list[Concept]:
    """Every concept in the emulator, with its versions and open drafts."""
    state = emu.control.state()
    records = {r["id"]: r for r in state["records"]}
    found = []
    for parent in state["parents"]:
        published, drafts, edits = [], [], []
        for rid in parent["record_ids"]:
            record = records.get(rid)
            if record is None:
                continue
            if record["published"] is not None:
                published.append(_version(rid, record["published"], False))
                if record["draft"] is not None:
                    edits.append(_version(rid, record["draft"], True))
            elif record["draft"] is not None:
                drafts.append(_version(rid, record["draft"], True))
        found.append(Concept(str(parent["id"]), published, drafts, edits))
    return found


def only_concept(emu: EmulatorHandle) -> Concept:
    found = concepts(emu)
    assert len(found) == 1, f"expected exactly one concept, found {len(found)}: {found}"
    return found[0]


def assert_metadata_is_the_manifests(metadata: Mapping[str, Any], title: str = TITLE) -> None:
    """The emulator keeps RDM metadata for both APIs."""
    assert metadata["title"] == title
    assert [c["person_or_org"]["family_name"] for c in metadata["creators"]] == ["Doe"]
    assert metadata["resource_type"]["id"] == "dataset"
    assert [r["id"] for r in metadata.get("rights", [])] == ["cc-by-4.0"]
    markers = [r["identifier"] for r in metadata.get("related_identifiers", [])]
    assert REPOSITORY_URL in markers


def assert_converged(
    h: Harness,
    repo: Path,
    *,
    endpoint_url: str,
    published_versions: int = 0,
    draft: bool = True,
    title: str = TITLE,
) -> Concept:
    """The end state equals the manifest: one concept; ``published_versions`` versions; one
    draft with exactly the local files when ``draft`` (else none, and the latest published
    version holds them); the manifest's metadata; the record file names the current record."""
    concept = only_concept(h.emu)
    assert concept.edit_drafts == []
    assert len(concept.published) == published_versions, concept.published
    want = local_files(repo)
    if draft:
        assert len(concept.drafts) == 1, f"expected one draft, found {concept.drafts}"
        current = concept.drafts[0]
    else:
        assert concept.drafts == [], f"expected no open draft, found {concept.drafts}"
        current = concept.published[-1]
    assert current.pending == ()
    assert current.files == want
    assert_metadata_is_the_manifests(current.metadata, title)
    entry = record_entry(repo, endpoint_url)
    assert entry is not None and entry["record_id"] == current.record_id
    assert entry["concept_id"] == concept.id
    assert entry["state"] == ("draft" if draft else "published")
    return concept
