"""Zenodo's legacy deposit API backend (``api: legacy``; zenodo-api.md §5, §7, §8).

The legacy view of an id is "the draft if one is open, else the published record", so one GET
answers ``read``, ``read_draft`` and ``read_record``. Deposit URLs are always rebuilt from the
id: after publishing, ``links.self`` points at ``/api/records`` and must not be reused.
``links.bucket`` (needed for uploads) is missing from list results, so it is taken from the
answers for a single deposition and remembered per draft id; only when none was seen does
``upload_files``/``delete_file`` GET the deposition first.

Request costs: ``read``/``read_draft``/``read_record`` 1; ``read_latest`` 2 (the RDM
versions/latest redirect gives the id, then GET the deposition); ``list_versions`` 2 (GET the
deposition for its concept id, then one search page); ``new_version`` 1, or 4 when a
new-version draft with files exists already (the 400 "Please remove all files first." is
recovered by finding that draft); ``upload_files`` of n files: n bucket PUTs (+1 GET when the
bucket is not known); ``delete_file`` 1 (+1 GET likewise); others 1.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urlsplit

from zenodo_publish.errors import (
    ServerError,
    StateError,
    TransportError,
    UnexpectedResponseError,
    ValidationRejected,
    ZenodoError,
)
from zenodo_publish.zenodo.backend import (
    ProgressCallback,
    RemoteFile,
    RemoteRecord,
    UploadSpec,
    md5_hex,
    open_new_version_draft,
    optional_str,
    require,
    require_type,
)
from zenodo_publish.zenodo.errormap import says_remove_all_files_first
from zenodo_publish.zenodo.http import (
    PLAIN_JSON,
    RDM_JSON,
    ZenodoSession,
    decode_json,
    parse_json_object,
)
from zenodo_publish.zenodo.rdm import publish_unknown, shows_newer_draft
from zenodo_publish.zenodo.uploads import (
    StreamOpener,
    integrity_error,
    run_bounded,
    stored_mismatch,
)

_PAGE_SIZE = 100
_MAX_PAGES = 50
_STATES = {"unsubmitted", "inprogress", "done"}


def parse_deposition(data: dict[str, Any], call: str) -> RemoteRecord:
    record_id = str(require(data, "id", call))
    state = require_type(data, "state", str, call)
    if state not in _STATES:
        raise UnexpectedResponseError(f"{call}: unknown deposition state {state!r}")
    submitted = require_type(data, "submitted", bool, call)
    metadata = require_type(data, "metadata", dict, call)
    files: dict[str, RemoteFile] = {}
    for entry in require_type(data, "files", list, call):
        if not isinstance(entry, dict):
            raise UnexpectedResponseError(f"{call}: a file entry is not an object")
        name = require_type(entry, "filename", str, call)
        size = require_type(entry, "filesize", int, call)
        # The deposition skips files without a file instance, so every entry is committed.
        files[name] = RemoteFile(
            key=name, size=size, md5=md5_hex(require(entry, "checksum", call), call)
        )
    links = data.get("links") or {}
    html_url = links.get("html") if state != "done" else links.get("record_html")
    return RemoteRecord(
        id=record_id,
        concept_id=optional_str(data.get("conceptrecid")),
        doi=optional_str(data.get("doi")),
        concept_doi=optional_str(data.get("conceptdoi")),
        is_published=submitted,
        is_draft=state != "done",
        files_locked=submitted,
        version=optional_str(metadata.get("version")),
        version_index=None,
        is_latest=None,
        metadata=dict(metadata),
        access=None,
        files=files,
        html_url=optional_str(html_url or links.get("html")),
        field_errors=(),
        raw=data,
    )


class LegacyBackend:
    """:class:`~zenodo_publish.zenodo.backend.Backend` over ``/api/deposit/depositions``."""

    name = "legacy"
    record_shows_open_draft = True
    # Zenodo's bucket PUT creates or overwrites the key: it deletes the old object and writes
    # the new one in one call (zenodo-api.md §5, `_create_or_update_file`), so a changed
    # file costs one request, not a DELETE and a PUT. This is Zenodo's own legacy layer,
    # absent from a plain InvenioRDM, so it cannot be checked against the real InvenioRDM
    # here; the emulator follows the same rule, and a failed overwrite leaves the same state
    # as a failed DELETE + PUT (the old file gone, the next run uploads it).
    upload_overwrites = True

    def __init__(self, session: ZenodoSession) -> None:
        self.session = session
        self._buckets: dict[str, str] = {}
        self._lock = threading.Lock()

    def _dep(self, record_id: str, suffix: str = "") -> str:
        return f"/deposit/depositions/{record_id}{suffix}"

    def _parse(self, data: dict[str, Any] | None, call: str) -> RemoteRecord:
        if data is None:
            raise UnexpectedResponseError(f"{call}: empty answer")
        record = parse_deposition(data, call)
        bucket = (data.get("links") or {}).get("bucket")
        with self._lock:
            if isinstance(bucket, str) and bucket and record.is_draft:
                self._buckets[record.id] = bucket
            else:
                self._buckets.pop(record.id, None)
        return record

    def _call(self, method: str, path: str, *, idempotent: bool, json: Any = None) -> RemoteRecord:
        data = self.session.request_json(
            method, path, idempotent=idempotent, accept=PLAIN_JSON, json=json
        )
        return self._parse(data, f"{method} {path}")

    # -- reads ----------------------------------------------------------------------------------

    def read(self, record_id: str) -> RemoteRecord | None:
        path = self._dep(record_id)
        data = self.session.request_json(
            "GET", path, idempotent=True, accept=PLAIN_JSON, ok=(200, 404, 410)
        )
        return None if data is None else self._parse(data, f"GET {path}")

    def read_draft(self, record_id: str) -> RemoteRecord | None:
        record = self.read(record_id)
        return record if record is not None and record.is_draft else None

    def read_record(self, record_id: str) -> RemoteRecord | None:
        """The published record. While an edit draft is open the legacy API only shows the
        draft's metadata (files are the same: they are locked)."""
        record = self.read(record_id)
        return record if record is not None and record.is_published else None

    def read_latest(self, record_id: str) -> RemoteRecord:
        path = f"/records/{record_id}/versions/latest"
        response = self.session.request(
            "GET", path, idempotent=True, accept=PLAIN_JSON, ok=(200, 301, 302, 303, 307, 308)
        )
        if response.status_code == 200:
            latest_id = str(require(parse_json_object(response, f"GET {path}"), "id", path))
        else:
            location = response.headers.get("Location")
            if not location:
                raise UnexpectedResponseError(f"GET {path}: redirect without a Location header")
            latest_id = urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1]
        if not latest_id.isdigit():
            raise UnexpectedResponseError(f"GET {path}: cannot tell the latest record's id")
        # With the RDM view's flags, as for the record a record file names: whether a new
        # version of the latest is open is what a run with nothing to change needs to know
        # (SPEC §13.5), also when the record file names an older version.
        latest = self.read_record_with_versions(latest_id)
        if latest is None:
            raise UnexpectedResponseError(
                f"GET {path}: the latest version {latest_id} cannot be read"
            )
        return latest

    def _search(self, params: dict[str, str | int]) -> list[RemoteRecord]:
        path = "/deposit/depositions"
        found: list[RemoteRecord] = []
        for page in range(1, _MAX_PAGES + 1):
            response = self.session.request(
                "GET",
                path,
                idempotent=True,
                accept=PLAIN_JSON,
                params={**params, "size": _PAGE_SIZE, "page": page},
            )
            hits = decode_json(response, f"GET {path}")
            if not isinstance(hits, list):
                raise UnexpectedResponseError(f"GET {path}: expected a JSON array")
            for hit in hits:
                if not isinstance(hit, dict):
                    raise UnexpectedResponseError(f"GET {path}: a hit is not an object")
                # List results lack links.bucket: parse without touching the bucket memory.
                found.append(parse_deposition(hit, f"GET {path}"))
            if len(hits) < _PAGE_SIZE:
                break
        return found

    def list_versions(self, record_id: str) -> list[RemoteRecord]:
        current = self._call("GET", self._dep(record_id), idempotent=True)
        if current.concept_id is None:
            raise UnexpectedResponseError(f"GET {self._dep(record_id)}: no conceptrecid")
        hits = self._search({"q": f"conceptrecid:{current.concept_id}", "all_versions": "true"})
        published = sorted(
            (h for h in hits if h.is_published), key=lambda r: int(r.id), reverse=True
        )
        newest = published[0].id if published else None
        return [replace(r, is_latest=r.id == newest) for r in published]

    def read_record_with_versions(self, record_id: str) -> RemoteRecord | None:
        """The deposition tells neither whether it is the latest version nor whether a new
        version is open (its ``links.latest_draft`` is its own id on Zenodo-RDM); the record's
        RDM view on the same server tells both. Without an answer there (another server),
        the deposition is returned as it is and the caller asks for the latest version."""
        record = self.read_record(record_id)
        if record is None:
            return None
        path = f"/records/{record_id}"
        view = self.session.request_json(
            "GET", path, idempotent=True, accept=RDM_JSON, ok=(200, 401, 403, 404, 406, 410)
        )
        versions = view.get("versions") if view is not None else None
        if view is None or not isinstance(versions, dict):
            return record
        is_latest = versions.get("is_latest")
        if not isinstance(is_latest, bool):
            return record
        return replace(record, is_latest=is_latest, newer_draft_open=shows_newer_draft(view))

    def open_new_version_draft(self, published: RemoteRecord) -> RemoteRecord | None:
        return open_new_version_draft(self, published, lambda concept: f"conceptrecid:{concept}")

    def find_own(self, query: str) -> list[RemoteRecord]:
        # With all_versions the list has every draft and published version, newest first.
        hits = self._search({"q": query, "all_versions": "true"})
        return sorted(hits, key=lambda r: int(r.id), reverse=True)

    def find_drafts(self, query: str) -> list[RemoteRecord]:
        hits = self.find_own(query)
        # The list ignores status=draft on Zenodo-RDM, so filter on `submitted` here.
        drafts = [h for h in hits if not h.is_published]
        return sorted(drafts, key=lambda r: int(r.id), reverse=True)

    def find_records(self, query: str) -> list[RemoteRecord]:
        # Without all_versions the list gives one deposition per concept: its latest version.
        hits = self._search({"q": query})
        published = [h for h in hits if h.is_published]
        return sorted(published, key=lambda r: int(r.id), reverse=True)

    # -- drafts ---------------------------------------------------------------------------------

    def create_draft(self, body: dict[str, Any]) -> RemoteRecord:
        return self._call("POST", "/deposit/depositions", idempotent=False, json=body)

    def update_draft(self, record_id: str, body: dict[str, Any]) -> RemoteRecord:
        """Full replacement: omitted fields are reset to defaults (zenodo-api.md §5.3)."""
        return self._call("PUT", self._dep(record_id), idempotent=True, json=body)

    def edit(self, record_id: str) -> RemoteRecord:
        return self._call("POST", self._dep(record_id, "/actions/edit"), idempotent=False)

    def new_version(self, record_id: str, *, import_files: bool = True) -> RemoteRecord:
        """``actions/newversion`` answers with the new draft, files already imported. When a
        new-version draft holding files exists, it answers 400 "Please remove all files
        first."; that draft is then found and returned (zenodo-api.md §5.5, §8.1).
        ``import_files`` is ignored: the legacy API always imports."""
        try:
            return self._call("POST", self._dep(record_id, "/actions/newversion"), idempotent=False)
        except ValidationRejected as exc:
            if not says_remove_all_files_first(exc):
                raise
        current = self._call("GET", self._dep(record_id), idempotent=True)
        if current.concept_id is None:
            raise UnexpectedResponseError(f"GET {self._dep(record_id)}: no conceptrecid")
        drafts = [
            d
            for d in self.find_drafts(f"conceptrecid:{current.concept_id}")
            if d.concept_id == current.concept_id
        ]
        if len(drafts) != 1:
            raise StateError(
                f"Zenodo says a new version of record {record_id} is already open, but "
                f"{len(drafts)} unpublished drafts of concept {current.concept_id} were found",
                hint="open your uploads on Zenodo, keep or discard the pending new version, "
                "and run again",
            )
        return self._call("GET", self._dep(drafts[0].id), idempotent=True)

    def import_files(self, draft_id: str) -> Mapping[str, RemoteFile]:
        raise ZenodoError(
            "the legacy deposit API has no separate file import (newversion imports the files)",
            hint="use new_version(), which imports them; or set api: rdm",
        )

    def discard(self, record_id: str) -> None:
        # One handler serves DELETE and actions/discard: new drafts and edit drafts alike.
        self.session.request(
            "DELETE",
            self._dep(record_id),
            idempotent=True,
            accept=PLAIN_JSON,
            ok_after_retry=(404,),
        )
        with self._lock:
            self._buckets.pop(record_id, None)

    def reserve_doi(self, draft_id: str) -> RemoteRecord:
        """Reserve the draft's DOI. The deposit API only *predicts* one (``prereserve_doi``, its
        prefix hard-coded to 10.5281, wrong on the sandbox, and never registered), but Zenodo
        serves the InvenioRDM records API beside it over the same records and tokens: the DOI
        is reserved there, then the deposition is read back (a later metadata PUT that sends
        no ``doi`` keeps it: the deserializer emits no ``pids``)."""
        path = f"/records/{draft_id}/draft/pids/doi"
        self.session.request_json("POST", path, idempotent=False)
        record = self.read_draft(draft_id)
        if record is None or not record.doi:
            raise UnexpectedResponseError(
                f"POST {path}: answered, but deposition {draft_id} shows no reserved DOI"
            )
        return record

    def publish(self, draft_id: str) -> RemoteRecord:
        path = self._dep(draft_id, "/actions/publish")
        try:
            return self._call("POST", path, idempotent=False)
        except (ServerError, TransportError, UnexpectedResponseError) as exc:
            raise publish_unknown(draft_id, exc) from exc

    # -- files ----------------------------------------------------------------------------------

    def _bucket(self, draft_id: str) -> str:
        with self._lock:
            known = self._buckets.get(draft_id)
        if known is not None:
            return known
        record = self._call("GET", self._dep(draft_id), idempotent=True)
        with self._lock:
            bucket = self._buckets.get(draft_id)
        if bucket is None:
            what = "draft" if record.is_draft else "published record without an open draft"
            raise UnexpectedResponseError(
                f"GET {self._dep(draft_id)}: no links.bucket in the answer (a {what})",
                hint="files can be changed only in a draft with files enabled",
            )
        return bucket

    def delete_file(self, draft_id: str, key: str) -> None:
        url = f"{self._bucket(draft_id)}/{quote(key, safe='')}"
        self.session.request(
            "DELETE", url, idempotent=True, accept=PLAIN_JSON, ok_after_retry=(404,)
        )

    def _upload_one(
        self, bucket: str, spec: UploadSpec, progress: ProgressCallback | None
    ) -> RemoteFile:
        url = f"{bucket}/{quote(spec.key, safe='')}"
        opener = StreamOpener(spec, progress)
        # The bucket PUT creates or overwrites the key, so repeating it is safe.
        response = self.session.request("PUT", url, idempotent=True, accept=PLAIN_JSON, body=opener)
        call = f"PUT {urlsplit(url).path}"
        try:
            data = parse_json_object(response, call)
            stored = RemoteFile(
                key=require_type(data, "key", str, call),
                size=require_type(data, "size", int, call),
                md5=md5_hex(require(data, "checksum", call), call),
            )
        except UnexpectedResponseError:
            # What the bucket stored cannot be checked: it must not stay in the draft.
            self.session.request(
                "DELETE", url, idempotent=True, accept=PLAIN_JSON, ok_after_retry=(404,)
            )
            raise
        try:
            md5 = opener.check_sent()
        except ZenodoError:
            self.session.request("DELETE", url, idempotent=True, accept=PLAIN_JSON)
            raise
        problem = stored_mismatch(spec, stored, md5)
        if problem is not None:
            self.session.request(
                "DELETE", url, idempotent=True, accept=PLAIN_JSON, ok_after_retry=(404,)
            )
            raise integrity_error(spec, problem, call)
        opener.confirmed(md5)
        return stored

    def upload_files(
        self,
        draft_id: str,
        files: Sequence[UploadSpec],
        *,
        parallel: int = 1,
        progress: ProgressCallback | None = None,
    ) -> list[RemoteFile]:
        """One bucket PUT per file (it overwrites an existing key), ``parallel`` at a time."""
        if not files:
            return []
        bucket = self._bucket(draft_id)
        return run_bounded(files, lambda spec: self._upload_one(bucket, spec, progress), parallel)
