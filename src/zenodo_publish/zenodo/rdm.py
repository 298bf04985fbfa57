"""The InvenioRDM records API backend (the default; zenodo-api.md §6, §7).

Request costs (each line one HTTP request unless retried):

* ``read``: GET draft (1); when no draft is open, GET record (2).
* ``read_latest``: GET versions/latest (301) + GET the record it points to (2).
* ``create_draft`` / ``update_draft`` / ``edit`` / ``publish`` / ``discard``: 1 each.
* ``new_version``: POST versions (1), + POST files-import when the draft has no files (2).
* ``delete_file``: 1. ``upload_files`` of n files: 1 init + n content + n commit.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urljoin

import requests

from zenodo_publish.errors import (
    IntegrityError,
    PublishOutcomeUnknown,
    ServerError,
    TransportError,
    UnexpectedResponseError,
    ValidationRejected,
    ZenodoError,
)
from zenodo_publish.zenodo.backend import (
    FileStatus,
    ProgressCallback,
    RemoteFile,
    RemoteRecord,
    UploadSpec,
    int_or_none,
    md5_hex,
    open_new_version_draft,
    optional_object,
    optional_str,
    require,
    require_type,
)
from zenodo_publish.zenodo.errormap import parse_field_errors, says_remove_all_files_first
from zenodo_publish.zenodo.http import ZenodoSession, parse_json_object
from zenodo_publish.zenodo.uploads import (
    StreamOpener,
    integrity_error,
    run_bounded,
    stored_mismatch,
)

log = logging.getLogger("zenodo_publish.http")

_PAGE_SIZE = 100
_MAX_PAGES = 50  # 5000 hits: far beyond any one user's drafts or one concept's versions


def shows_newer_draft(data: Mapping[str, Any]) -> bool:
    """Whether a published record (RDM representation) says its concept has an open
    new-version draft: InvenioRDM's ``versions.is_latest_draft`` is true on the latest
    published version unless a next draft exists (invenio-drafts-resources ``VersionsField``;
    an edit draft shares the record's id and leaves it true)."""
    versions = data.get("versions")
    return (
        isinstance(versions, dict)
        and versions.get("is_latest") is True
        and versions.get("is_latest_draft") is False
    )


def parse_file(entry: Mapping[str, Any], call: str, key: str | None = None) -> RemoteFile:
    name = key if key is not None else require_type(entry, "key", str, call)
    md5 = md5_hex(entry.get("checksum"), call)
    raw_status = entry.get("status")
    status: FileStatus
    if raw_status is None:
        # Record JSON omits the status; a checksum exists only once a file is committed.
        status = "completed" if md5 is not None else "pending"
    else:
        # Other transfer states (e.g. failed) are as good as pending: not usable, redo them.
        status = "completed" if raw_status == "completed" else "pending"
    size = int_or_none(entry.get("size"), f"size of {name}", call)
    if status == "completed" and (size is None or md5 is None):
        raise UnexpectedResponseError(f"{call}: completed file {name!r} has no size or checksum")
    return RemoteFile(key=name, size=size or 0, md5=md5, status=status)


def parse_entries(entries: Any, call: str) -> dict[str, RemoteFile]:
    """``files.entries``: an object keyed by filename in record JSON, a list in the files
    endpoints' answers."""
    items: list[tuple[str | None, Any]]
    if isinstance(entries, Mapping):
        items = [(str(k), v) for k, v in entries.items()]
    elif isinstance(entries, list):
        items = [(None, v) for v in entries]
    else:
        raise UnexpectedResponseError(f"{call}: files.entries is neither an object nor a list")
    found: dict[str, RemoteFile] = {}
    for key, value in items:
        if not isinstance(value, Mapping):
            raise UnexpectedResponseError(f"{call}: a file entry is not an object")
        parsed = parse_file(value, call, key)
        found[parsed.key] = parsed
    return found


def parse_record(data: dict[str, Any], call: str, *, need_files: bool = True) -> RemoteRecord:
    record_id = require(data, "id", call)
    if not isinstance(record_id, (str, int)) or isinstance(record_id, bool):
        raise UnexpectedResponseError(f"{call}: the record id {record_id!r} is not an id")
    record_id = str(record_id)
    is_published = require_type(data, "is_published", bool, call)
    is_draft = require_type(data, "is_draft", bool, call)
    files_obj = require_type(data, "files", dict, call) if need_files else data.get("files")
    files: dict[str, RemoteFile] = {}
    if isinstance(files_obj, dict):
        entries = files_obj.get("entries")
        if entries is not None:
            files = parse_entries(entries, call)
        elif need_files and files_obj.get("enabled", True):
            raise UnexpectedResponseError(f"{call}: Zenodo's answer has no 'files.entries'")
    parent = optional_object(data, "parent", call)
    versions = optional_object(data, "versions", call)
    metadata = optional_object(data, "metadata", call)
    links = optional_object(data, "links", call)
    doi = optional_object(optional_object(data, "pids", call), "doi", call)
    concept_doi = optional_object(optional_object(parent, "pids", call), "doi", call)
    is_latest = versions.get("is_latest")
    return RemoteRecord(
        id=record_id,
        concept_id=optional_str(parent.get("id")),
        doi=optional_str(doi.get("identifier")),
        concept_doi=optional_str(concept_doi.get("identifier")),
        is_published=is_published,
        is_draft=is_draft,
        files_locked=is_published,
        version=optional_str(metadata.get("version")),
        version_index=int_or_none(versions.get("index"), "versions.index", call),
        is_latest=is_latest if isinstance(is_latest, bool) else None,
        metadata=dict(metadata),
        access=dict(optional_object(data, "access", call)) if data.get("access") else None,
        files=files,
        html_url=optional_str(links.get("self_html") or links.get("html")),
        field_errors=parse_field_errors(data.get("errors")),
        raw=data,
        newer_draft_open=shows_newer_draft(data),
    )


def _key(key: str) -> str:
    # Slashes stay literal (a <path:key> route); everything else reserved is escaped.
    return quote(key, safe="/")


class RDMBackend:
    """:class:`~zenodo_publish.zenodo.backend.Backend` over ``/api/records``."""

    name = "rdm"
    record_shows_open_draft = False
    upload_overwrites = False

    def __init__(self, session: ZenodoSession) -> None:
        self.session = session

    # -- reads ----------------------------------------------------------------------------------

    def _get_record(self, path: str, *, absent: tuple[int, ...]) -> RemoteRecord | None:
        data = self.session.request_json("GET", path, idempotent=True, ok=(200, *absent))
        if data is None:
            return None
        return parse_record(data, f"GET {path}")

    def read(self, record_id: str) -> RemoteRecord | None:
        draft = self.read_draft(record_id)
        return draft if draft is not None else self.read_record(record_id)

    def read_draft(self, record_id: str) -> RemoteRecord | None:
        return self._get_record(f"/records/{record_id}/draft", absent=(404,))

    def read_record(self, record_id: str) -> RemoteRecord | None:
        return self._get_record(f"/records/{record_id}", absent=(404, 410))

    def read_record_with_versions(self, record_id: str) -> RemoteRecord | None:
        return self.read_record(record_id)

    def read_latest(self, record_id: str) -> RemoteRecord:
        path = f"/records/{record_id}/versions/latest"
        response = self.session.request(
            "GET", path, idempotent=True, ok=(200, 301, 302, 303, 307, 308)
        )
        if response.status_code == 200:
            # A server that resolves the alias itself answers with the record directly.
            return parse_record(parse_json_object(response, f"GET {path}"), f"GET {path}")
        location = response.headers.get("Location")
        if not location:
            raise UnexpectedResponseError(f"GET {path}: redirect without a Location header")
        # Location may be relative; resolve it against the URL that answered.
        latest = self._get_record(urljoin(response.url, location), absent=())
        if latest is None:  # pragma: no cover - absent=() makes any non-200 raise
            raise UnexpectedResponseError(f"GET {path}: the latest version could not be read")
        return latest

    def _search(self, path: str, params: dict[str, str | int]) -> list[RemoteRecord]:
        found: list[RemoteRecord] = []
        call = f"GET {path}"
        for page in range(1, _MAX_PAGES + 1):
            data = self.session.request_json(
                "GET", path, idempotent=True, params={**params, "size": _PAGE_SIZE, "page": page}
            )
            if data is None:
                raise UnexpectedResponseError(f"{call}: empty answer")
            hits_obj = require_type(data, "hits", dict, call)
            hits = require_type(hits_obj, "hits", list, call)
            for hit in hits:
                if not isinstance(hit, dict):
                    raise UnexpectedResponseError(f"{call}: a search hit is not an object")
                found.append(parse_record(hit, call, need_files=False))
            total = hits_obj.get("total")
            if isinstance(total, dict):
                total = total.get("value")
            if not hits or not isinstance(total, int) or len(found) >= total:
                break
        return found

    def list_versions(self, record_id: str) -> list[RemoteRecord]:
        versions = self._search(f"/records/{record_id}/versions", {})
        return sorted(versions, key=lambda r: r.version_index or 0, reverse=True)

    def open_new_version_draft(self, published: RemoteRecord) -> RemoteRecord | None:
        return open_new_version_draft(self, published, lambda concept: f'parent.id:"{concept}"')

    def find_own(self, query: str) -> list[RemoteRecord]:
        # With allversions the user's search lists drafts and every published version.
        return self._search(
            "/user/records", {"q": query, "allversions": "true", "sort": "updated-desc"}
        )

    def find_drafts(self, query: str) -> list[RemoteRecord]:
        return [r for r in self.find_own(query) if r.is_draft and not r.is_published]

    def find_records(self, query: str) -> list[RemoteRecord]:
        # Without allversions the search gives one hit per concept: its latest version.
        hits = self._search("/user/records", {"q": query, "sort": "newest"})
        return [r for r in hits if r.is_published]

    # -- drafts ---------------------------------------------------------------------------------

    def _post_record(self, path: str, body: Any = None) -> RemoteRecord:
        data = self.session.request_json("POST", path, idempotent=False, json=body)
        if data is None:
            raise UnexpectedResponseError(f"POST {path}: empty answer")
        return parse_record(data, f"POST {path}")

    def create_draft(self, body: dict[str, Any]) -> RemoteRecord:
        return self._post_record("/records", body)

    def update_draft(self, record_id: str, body: dict[str, Any]) -> RemoteRecord:
        path = f"/records/{record_id}/draft"
        data = self.session.request_json("PUT", path, idempotent=True, json=body)
        if data is None:
            raise UnexpectedResponseError(f"PUT {path}: empty answer")
        return parse_record(data, f"PUT {path}")

    def edit(self, record_id: str) -> RemoteRecord:
        return self._post_record(f"/records/{record_id}/draft")

    def new_version(self, record_id: str, *, import_files: bool = True) -> RemoteRecord:
        draft = self._post_record(f"/records/{record_id}/versions")
        if import_files and not draft.files:
            draft = _with_files(draft, self.import_files(draft.id))
        return draft

    def import_files(self, draft_id: str) -> Mapping[str, RemoteFile]:
        """Copy the previous version's files into the empty new-version draft ``draft_id``;
        its files afterwards. Another run may have imported first: it opened the same new
        version (InvenioRDM answers a second ``versions`` call with the open draft) or filled
        the same empty draft, and InvenioRDM refuses a second import ("Please remove all files
        first."). Then the draft's files as that run left them are the answer."""
        path = f"/records/{draft_id}/draft/actions/files-import"
        try:
            data = self.session.request_json("POST", path, idempotent=False)
        except ValidationRejected as error:
            if not says_remove_all_files_first(error):
                raise
            fresh = self.read_draft(draft_id)
            if fresh is None:
                raise
            return fresh.files
        if data is None:
            raise UnexpectedResponseError(f"POST {path}: empty answer")
        return parse_entries(require(data, "entries", f"POST {path}"), f"POST {path}")

    def discard(self, record_id: str) -> None:
        self.session.request(
            "DELETE", f"/records/{record_id}/draft", idempotent=True, ok_after_retry=(404,)
        )

    def reserve_doi(self, draft_id: str) -> RemoteRecord:
        return self._post_record(f"/records/{draft_id}/draft/pids/doi")

    def publish(self, draft_id: str) -> RemoteRecord:
        path = f"/records/{draft_id}/draft/actions/publish"
        try:
            return self._post_record(path)
        except (ServerError, TransportError, UnexpectedResponseError) as exc:
            raise publish_unknown(draft_id, exc) from exc

    # -- files ----------------------------------------------------------------------------------

    def delete_file(self, draft_id: str, key: str) -> None:
        self.session.request(
            "DELETE",
            f"/records/{draft_id}/draft/files/{_key(key)}",
            idempotent=True,
            ok_after_retry=(404,),
        )

    def list_files(self, draft_id: str) -> dict[str, RemoteFile]:
        """The draft's files from the files endpoint (used only to recover after an error)."""
        path = f"/records/{draft_id}/draft/files"
        data = self.session.request_json("GET", path, idempotent=True)
        if data is None:
            raise UnexpectedResponseError(f"GET {path}: empty answer")
        return parse_entries(require(data, "entries", f"GET {path}"), f"GET {path}")

    def _init(self, draft_id: str, keys: list[str]) -> None:
        """One init POST for all keys. Init is not idempotent (a second one for the same key
        is refused), so after an error the draft's files are re-listed before trying again."""
        path = f"/records/{draft_id}/draft/files"
        missing = list(keys)
        attempt = 0
        while True:
            try:
                data = self.session.request_json(
                    "POST", path, idempotent=False, json=[{"key": k} for k in missing]
                )
                if data is None:
                    raise UnexpectedResponseError(f"POST {path}: empty answer")
                listed = parse_entries(require(data, "entries", f"POST {path}"), f"POST {path}")
                unlisted = [k for k in missing if k not in listed]
                if unlisted:
                    raise UnexpectedResponseError(
                        f"POST {path}: the answer does not list {', '.join(unlisted)}"
                    )
                return
            except (ServerError, TransportError) as exc:
                if attempt >= self.session.retry.max_retries:
                    raise
                attempt += 1
                log.warning("file init failed (%s); re-listing the draft's files", exc.message)
                self.session.backoff_sleep(attempt)
                listed = self.list_files(draft_id)
                missing = [k for k in missing if k not in listed]
                if not missing:
                    return

    def _commit(self, draft_id: str, key: str) -> RemoteFile:
        path = f"/records/{draft_id}/draft/files/{_key(key)}/commit"
        attempt = 0
        while True:
            try:
                data = self.session.request_json("POST", path, idempotent=False)
                if data is None:
                    raise UnexpectedResponseError(f"POST {path}: empty answer")
                return parse_file(data, f"POST {path}")
            except (ServerError, TransportError) as exc:
                if attempt >= self.session.retry.max_retries:
                    raise
                attempt += 1
                log.warning("commit of %s failed (%s); re-reading the file", key, exc.message)
                self.session.backoff_sleep(attempt)
                current = self._read_file(draft_id, key)
                if current.status == "completed":
                    return current

    def _read_file(self, draft_id: str, key: str) -> RemoteFile:
        path = f"/records/{draft_id}/draft/files/{_key(key)}"
        data = self.session.request_json("GET", path, idempotent=True)
        if data is None:
            raise UnexpectedResponseError(f"GET {path}: empty answer")
        return parse_file(data, f"GET {path}")

    def _send_content(self, draft_id: str, key: str, path: str, opener: StreamOpener) -> None:
        """PUT the content. InvenioRDM answers a failed transfer (the body broke off, an
        OSError, content for a key already committed) with **200** and ``"errors"`` in the body,
        and deletes the file entry: so such an answer is a failure, and the key is initialised
        again before the content is resent, a bounded number of times."""
        attempt = 0
        while True:
            # Content may be sent again until it is committed, so this PUT is idempotent.
            response = self.session.request("PUT", path, idempotent=True, body=opener)
            failure = transfer_failure(response)
            if failure is None:
                return
            if attempt >= self.session.retry.max_retries:
                raise TransportError(
                    f"PUT {path}: Zenodo answered {response.status_code} but reports the "
                    f"upload failed ({failure}) and dropped the file",
                    hint="run again; files already uploaded are not sent again",
                )
            attempt += 1
            log.warning("upload of %s failed on the server (%s); sending it again", key, failure)
            self.session.backoff_sleep(attempt)
            self._init(draft_id, [key])

    def _upload_one(
        self, draft_id: str, spec: UploadSpec, progress: ProgressCallback | None
    ) -> RemoteFile:
        opener = StreamOpener(spec, progress)
        path = f"/records/{draft_id}/draft/files/{_key(spec.key)}/content"
        self._send_content(draft_id, spec.key, path, opener)
        try:
            md5 = opener.check_sent()
        except IntegrityError:
            self.delete_file(draft_id, spec.key)
            raise
        try:
            stored = self._commit(draft_id, spec.key)
        except UnexpectedResponseError:
            # Committed or not, a file whose state cannot be read must not stay in the draft.
            self.delete_file(draft_id, spec.key)
            raise
        problem = stored_mismatch(spec, stored, md5)
        if problem is not None:
            self.delete_file(draft_id, spec.key)
            raise integrity_error(spec, problem, f"POST {path.removesuffix('/content')}/commit")
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
        """Init all keys in one request, then content + commit per file, ``parallel`` at a
        time. Keys must not already be in the draft (delete them first): RDM never
        overwrites. After a failure some keys may stay pending; a later run deletes them."""
        if not files:
            return []
        self._init(draft_id, [f.key for f in files])
        return run_bounded(files, lambda spec: self._upload_one(draft_id, spec, progress), parallel)


def transfer_failure(response: requests.Response) -> str | None:
    """The ``errors`` of a 2xx content answer (a failed transfer), or None for a real success."""
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and body.get("errors"):
        return str(body["errors"])
    return None


def _with_files(record: RemoteRecord, files: Mapping[str, RemoteFile]) -> RemoteRecord:
    return replace(record, files=dict(files))


def publish_unknown(record_id: str, exc: ZenodoError) -> PublishOutcomeUnknown:
    status = getattr(exc, "status", None)
    return PublishOutcomeUnknown(
        f"publishing record {record_id} may or may not have happened: {exc.message}",
        record_id=record_id,
        status=status if isinstance(status, int) else None,
        hint="zenodo-publish does not repeat a publish blindly; run again and it re-reads the "
        "record: if it was published the run finishes, otherwise it publishes again",
    )
