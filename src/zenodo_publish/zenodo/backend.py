"""The interface the sync engine talks to, and the data it gets back.

Two implementations: :mod:`.rdm` (InvenioRDM records API, the default, works on any InvenioRDM
site) and :mod:`.legacy` (Zenodo's deposit API, ``api: legacy``). Both return the same
:class:`RemoteRecord`, with ``metadata`` in the backend's own shape (RDM ``metadata`` or legacy
``metadata``): the metadata layer converts and normalises it, this layer does not.

Request economy is part of the contract: every read returns the file entries from the record's
own JSON, so locating and comparing never costs a separate file listing, and no method makes a
GET the caller did not ask for (documented per method in each implementation).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any, Literal, Protocol, TypeVar

from zenodo_publish.errors import FieldError, UnexpectedResponseError

T = TypeVar("T")

_MD5_HEX = re.compile(r"[0-9a-f]{32}")

FileStatus = Literal["completed", "pending"]

#: ``progress(key, bytes_sent, total_bytes)``, called from upload threads as bytes go out.
ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RemoteFile:
    """One file as Zenodo holds it. ``md5`` is bare lower-case hex, None while the file is
    pending (initialised but not committed); ``size`` is 0 when a pending file has none yet."""

    key: str
    size: int
    md5: str | None
    status: FileStatus = "completed"


@dataclass(frozen=True)
class RemoteRecord:
    """A draft or a published record as read from Zenodo.

    ``is_published``: this id is (also) a published record. ``is_draft``: what was read is a
    draft (a new draft, a new-version draft, or the edit draft of a published record).
    ``files_locked``: the files cannot change here (a published record, or its edit draft);
    changed files need a new version. ``version_index``/``is_latest`` are None where the API
    does not say (legacy). ``field_errors`` holds the ``errors`` an RDM draft save returns
    instead of failing. In records from searches and version lists (``find_drafts``,
    ``list_versions``) ``files`` may be empty even when the record has files: read the record
    before comparing files.
    """

    id: str
    concept_id: str | None
    doi: str | None
    concept_doi: str | None
    is_published: bool
    is_draft: bool
    files_locked: bool
    version: str | None
    version_index: int | None
    is_latest: bool | None
    metadata: dict[str, Any]
    access: dict[str, Any] | None
    files: Mapping[str, RemoteFile]
    html_url: str | None
    field_errors: tuple[FieldError, ...]
    raw: dict[str, Any]
    #: A published record whose concept has an open new-version draft (InvenioRDM's
    #: ``versions.is_latest_draft`` false on the latest version). False where the answer does
    #: not say (legacy depositions: see :meth:`Backend.read_record_with_versions`).
    newer_draft_open: bool = False

    @property
    def pending_files(self) -> tuple[str, ...]:
        return tuple(k for k, f in self.files.items() if f.status != "completed")


@dataclass(frozen=True)
class UploadSpec:
    """One file to upload: its key on Zenodo, its size and md5 (bare hex, as hashed locally)
    and a callable that opens it for reading. The callable is called again for a retry.

    ``md5`` None: the file was not hashed before (nothing decided on it), so the upload hashes
    the bytes as it sends them, checks Zenodo's checksum against that md5 exactly as against a
    given one, and hands it to ``learned`` once Zenodo confirmed it."""

    key: str
    size: int
    md5: str | None
    open: Callable[[], IO[bytes]]
    learned: Callable[[str], None] | None = None


class _DraftFinder(Protocol):
    def find_drafts(self, query: str) -> list[RemoteRecord]: ...
    def read_draft(self, record_id: str) -> RemoteRecord | None: ...


def open_new_version_draft(
    backend: _DraftFinder, published: RemoteRecord, concept_query: Callable[[str], str]
) -> RemoteRecord | None:
    """:meth:`Backend.open_new_version_draft` for both APIs; ``concept_query`` spells the
    search for one concept's records in the API's syntax."""
    concept = published.concept_id
    if not published.newer_draft_open or concept is None:
        return None
    drafts = [d for d in backend.find_drafts(concept_query(concept)) if d.concept_id == concept]
    # A concept has one new-version draft at most; anything else is a search to distrust.
    return backend.read_draft(drafts[0].id) if len(drafts) == 1 else None


class Backend(Protocol):
    """What the sync engine needs from Zenodo. All ids are strings."""

    name: str  # "rdm" | "legacy"
    #: Whether :meth:`read_record`'s answer already tells that an edit draft is open (the
    #: legacy deposition does; an RDM record does not, only a GET of its draft does).
    record_shows_open_draft: bool
    #: Whether :meth:`upload_files` replaces a file already in the draft under the same key
    #: (the legacy bucket PUT does; RDM refuses an existing key, so it is deleted first).
    upload_overwrites: bool

    def read(self, record_id: str) -> RemoteRecord | None:
        """The open draft of ``record_id`` if there is one, else the published record; None
        when neither exists. The cheapest way to locate a record."""
        ...

    def read_draft(self, record_id: str) -> RemoteRecord | None:
        """The open draft (new, new-version or edit draft), or None when no draft is open."""
        ...

    def read_record(self, record_id: str) -> RemoteRecord | None:
        """The published record, or None when it was never published (404) or is gone (410)."""
        ...

    def read_record_with_versions(self, record_id: str) -> RemoteRecord | None:
        """:meth:`read_record`, with ``is_latest`` and ``newer_draft_open`` told by the
        server: RDM's record says both; a legacy deposition says neither, so the record's RDM
        view on the same server is read too (one GET, where finding out from the deposition
        API takes two: the latest version's id, then its deposition)."""
        ...

    def read_latest(self, record_id: str) -> RemoteRecord:
        """The latest published version of ``record_id``'s concept (any version id works).
        Call it only when ``is_latest`` is not already True on what was read."""
        ...

    def list_versions(self, record_id: str) -> list[RemoteRecord]:
        """The published versions of the concept, newest first."""
        ...

    def open_new_version_draft(self, published: RemoteRecord) -> RemoteRecord | None:
        """The concept's open new-version draft, when ``published`` (its latest published
        version, from :meth:`read_record_with_versions`) says one is open; found without
        writing: one search and one GET, nothing at all when none is open. None when none is
        open, or when the search does not list it yet (the index may lag a second or so)."""
        ...

    def find_drafts(self, query: str) -> list[RemoteRecord]:
        """The caller's unpublished drafts matching ``query`` (Zenodo search syntax, e.g.
        ``parent.id:123`` or a quoted repository URL), newest first. The search index may lag
        a just-created draft by a second or so."""
        ...

    def find_own(self, query: str) -> list[RemoteRecord]:
        """Every record and draft of the caller matching ``query``, all versions, in one
        search request (for up to 100 hits): what :meth:`find_drafts` and
        :meth:`find_records` each give, together. Zenodo allows 30 searches a minute."""
        ...

    def find_records(self, query: str) -> list[RemoteRecord]:
        """The caller's published records matching ``query``, the latest version of each
        concept, newest first (same search syntax and caveats as :meth:`find_drafts`)."""
        ...

    def create_draft(self, body: dict[str, Any]) -> RemoteRecord:
        """Create a new draft (a new concept). Never retried on 5xx/timeouts: on such an error
        find the draft (by the marker in ``body``) before creating another."""
        ...

    def update_draft(self, record_id: str, body: dict[str, Any]) -> RemoteRecord:
        """Replace the draft's metadata wholesale. RDM reports invalid fields in
        ``field_errors`` rather than failing; check them before publishing."""
        ...

    def edit(self, record_id: str) -> RemoteRecord:
        """Open (or return the existing) edit draft of a published record. Files stay locked."""
        ...

    def new_version(self, record_id: str, *, import_files: bool = True) -> RemoteRecord:
        """Open, or return the existing, new-version draft of the concept, with the previous
        version's files imported server-side (legacy always imports). Safe to call again."""
        ...

    def import_files(self, draft_id: str) -> Mapping[str, RemoteFile]:
        """Copy the previous version's files into an empty new-version draft; the draft's files
        afterwards (as another run left them, when it imported first)."""
        ...

    def delete_file(self, draft_id: str, key: str) -> None: ...

    def upload_files(
        self,
        draft_id: str,
        files: Sequence[UploadSpec],
        *,
        parallel: int = 1,
        progress: ProgressCallback | None = None,
    ) -> list[RemoteFile]:
        """Upload ``files`` (keys not yet in the draft, or overwritten where the API allows),
        verify status, size and md5 of each, and return what Zenodo stored, in input order.
        A file Zenodo stored wrongly is deleted again and :class:`IntegrityError` raised."""
        ...

    def discard(self, record_id: str) -> None:
        """Delete a new draft, or discard the edit draft of a published record."""
        ...

    def publish(self, draft_id: str) -> RemoteRecord:
        """Publish. Never retried on 5xx or timeout: raises :class:`PublishOutcomeUnknown`
        and the caller re-reads the record to find out what happened."""
        ...

    def reserve_doi(self, draft_id: str) -> RemoteRecord:
        """Reserve the DOI of a draft before publishing (RDM only)."""
        ...


# --- strict reading of server answers, shared by both backends --------------------------------


def require(data: Mapping[str, Any], field: str, call: str) -> Any:
    if field not in data or data[field] is None:
        raise UnexpectedResponseError(
            f"{call}: Zenodo's answer has no {field!r} field",
            hint="the server does not speak the API version zenodo-publish expects; check the "
            "endpoint URL (it must end in /api) and the api setting (rdm or legacy)",
        )
    return data[field]


def require_type(data: Mapping[str, Any], field: str, kind: type[T], call: str) -> T:
    value = require(data, field, call)
    if not isinstance(value, kind):
        raise UnexpectedResponseError(
            f"{call}: field {field!r} in Zenodo's answer is a {type(value).__name__}, "
            f"expected a {kind.__name__}"
        )
    return value


def optional_str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def md5_hex(checksum: Any, call: str) -> str | None:
    """Bare hex md5 from ``md5:<hex>`` or bare ``<hex>``; None when absent. Any other
    algorithm is refused: comparing it with a local md5 would re-upload forever."""
    if checksum is None or checksum == "":
        return None
    text = str(checksum)
    algo, sep, value = text.partition(":")
    if not sep:
        value = text
    elif algo.lower() != "md5":
        raise UnexpectedResponseError(
            f"{call}: checksum {text[:80]!r} is not an md5; zenodo-publish compares md5 only"
        )
    if not _MD5_HEX.fullmatch(value.lower()):
        raise UnexpectedResponseError(
            f"{call}: checksum {text[:80]!r} is not an md5 (32 hexadecimal digits)"
        )
    return value.lower()


def optional_object(data: Mapping[str, Any], field: str, call: str) -> Mapping[str, Any]:
    """``data[field]`` when it is an object, ``{}`` when absent or null; any other type is
    an :class:`UnexpectedResponseError` rather than an AttributeError further on."""
    value = data.get(field)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise UnexpectedResponseError(
            f"{call}: field {field!r} in Zenodo's answer is a {type(value).__name__}, "
            "expected an object"
        )
    return value


def int_or_none(value: Any, field: str, call: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UnexpectedResponseError(f"{call}: {field} is {value!r}, expected an integer")
    return value
