"""Running a collection: the sync engine once per record, each record on its own (SPEC §9).

A record that fails (Zenodo refuses it, an upload breaks, its files changed under the run) is
reported and the run goes on with the next; the run ends with every record's outcome. All
records share one backend, so one HTTP session paces every request of the run against the
token's rate limit, and one search finds the records of earlier interrupted runs. A re-run
does only what is left: a record already in step costs one read.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from zenodo_publish.collection.manifest import Collection
from zenodo_publish.collection.marker import SharedSearch, collection_marker, record_marker
from zenodo_publish.collection.selection import Shard, select
from zenodo_publish.errors import ZenodoPublishError
from zenodo_publish.manifest import Endpoint
from zenodo_publish.sync.engine import BackendFactory, Mode, SyncRequest
from zenodo_publish.sync.engine import run as run_record
from zenodo_publish.sync.report import NullReporter, Reporter
from zenodo_publish.sync.result import RunResult
from zenodo_publish.zenodo import make_backend, share_rate_limit
from zenodo_publish.zenodo.backend import Backend


@dataclass(frozen=True)
class CollectionRequest:
    mode: Mode
    token: str | None = None
    endpoint: str | None = None
    api: Literal["rdm", "legacy"] | None = None
    may_publish: bool = False
    version: str | None = None
    dry_run: bool = False
    parallel: int = 4
    #: The repository's URL; with the manifest path and the key it marks each record.
    repository_url: str | None = None
    records: tuple[str, ...] | None = None
    shard: Shard | None = None
    today: datetime.date | None = None


@dataclass(frozen=True)
class RecordOutcome:
    key: str
    result: RunResult | None = None
    error: str | None = None  # "<title>: <message>" when the record failed
    hint: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class CollectionResult:
    mode: Mode
    record_folder: str  # repository-relative: what commit-back stages
    total: int  # records in the collection
    outcomes: tuple[RecordOutcome, ...]  # the selected records, in the collection's order
    searches: int = 0  # orphan searches sent (at most one per run, one request)

    @property
    def failed(self) -> tuple[str, ...]:
        return tuple(o.key for o in self.outcomes if not o.ok)

    @property
    def record_files_changed(self) -> bool:
        return any(o.result is not None and o.result.record_file_changed for o in self.outcomes)


def run_collection(
    collection: Collection,
    request: CollectionRequest,
    *,
    reporter: Reporter | None = None,
    backend_factory: BackendFactory | None = None,
) -> CollectionResult:
    report: Reporter = reporter if reporter is not None else NullReporter()
    keys = select(collection.keys, wanted=request.records, shard=request.shard)
    by_key = {record.key: record for record in collection.records}
    marker_prefix = (
        collection_marker(request.repository_url, collection.path, collection.repo_root)
        if request.repository_url
        else None
    )
    # The shards of the run share the token's budget: each paces itself to its part of it.
    clients = request.shard.count if request.shard is not None else 1
    shared = _SharedBackend(backend_factory or make_backend, marker_prefix, clients)
    what = f"{len(keys)} of {len(collection.records)} records"
    if request.shard is not None:
        what += f" (shard {request.shard})"
    report.info(f"collection {collection.display_name}: {what}")
    outcomes: list[RecordOutcome] = []
    for number, key in enumerate(keys, start=1):
        record = by_key[key]
        sync_request = SyncRequest(
            mode=request.mode,
            manifest_path=collection.path,
            repo_root=collection.repo_root,
            token=request.token,
            endpoint=request.endpoint,
            api=request.api,
            may_publish=request.may_publish,
            version=request.version,
            dry_run=request.dry_run,
            parallel=request.parallel,
            marker=(record_marker(marker_prefix, key) if marker_prefix is not None else None),
            today=request.today,
        )
        head = f"[{number}/{len(keys)}] {key}"
        try:
            result = run_record(
                sync_request,
                reporter=_KeyedReporter(report, key),
                backend_factory=shared.factory,
                manifest=record.manifest,
            )
        except ZenodoPublishError as error:
            outcome = RecordOutcome(key, error=f"{error.title}: {error.message}", hint=error.hint)
            report.info(f"{head}: FAILED ({outcome.error})")
        else:
            outcome = RecordOutcome(key, result)
            report.info(f"{head}: {progress_line(result)}")
        outcomes.append(outcome)
    return CollectionResult(
        mode=request.mode,
        record_folder=collection.record_folder.as_posix(),
        total=len(collection.records),
        outcomes=tuple(outcomes),
        searches=shared.searches,
    )


def progress_line(result: RunResult) -> str:
    """``3 uploaded, draft 1234`` (what one record's run did, in a few words)."""
    ids = result.ids
    if result.mode == "validate":
        return f"valid, {len(result.files)} files"
    verb = "to upload" if result.dry_run else "uploaded"
    uploads = result.count("upload", "replace")
    parts = [f"{uploads} {verb}"]
    if result.files_deleted or (result.dry_run and result.count("delete")):
        parts.append(f"{result.count('delete')} {'to delete' if result.dry_run else 'deleted'}")
    if ids.record_id is None:
        parts.append("new record" if result.dry_run else "no record")
    elif result.published:
        parts.append(f"published {ids.record_id}" + (f" ({ids.doi})" if ids.doi else ""))
    else:
        parts.append(f"{ids.state} {ids.record_id}")
    return ", ".join(parts)


class _SharedBackend:
    """One backend for every record of the run, built on first use."""

    def __init__(self, factory: BackendFactory, prefix: str | None, clients: int = 1) -> None:
        self._factory = factory
        self._prefix = prefix
        self._clients = clients
        self._backend: Backend | None = None
        self._search: SharedSearch | None = None

    def factory(self, endpoint: Endpoint, api: str, token: str) -> Backend:
        if self._backend is None:
            backend = self._factory(endpoint, api, token)
            if self._clients > 1:
                share_rate_limit(backend, self._clients)
            if self._prefix is not None:
                self._search = SharedSearch(backend, self._prefix)
                backend = self._search
            self._backend = backend
        return self._backend

    @property
    def searches(self) -> int:
        return self._search.searches if self._search is not None else 0


class _KeyedReporter:
    """A record's engine lines, indented under the collection's progress lines."""

    def __init__(self, inner: Reporter, key: str) -> None:
        self._inner = inner
        self._key = key

    @contextmanager
    def phase(self, title: str) -> Iterator[None]:
        yield

    def info(self, message: str) -> None:
        self._inner.info(f"   {self._key}: {message.strip()}")

    def progress(self, name: str, sent: int, total: int) -> None:
        self._inner.progress(f"{self._key}/{name}", sent, total)
