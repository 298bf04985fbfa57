"""The entities both APIs share (zenodo-api.md §9): users, parents, records, drafts, buckets.

One :class:`Record` per version id holds the published version (if any) and the open draft (if
any) side by side, as InvenioRDM does: a new draft has only ``draft``, a published record only
``published``, a published record being edited has both. Parents (concepts) and records take
their ids from one integer counter, parent first.
"""

from __future__ import annotations

import copy
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


class ApiError(Exception):
    """An HTTP error answered in Zenodo's JSON shape (§2.1)."""

    def __init__(
        self,
        status: int,
        message: str,
        errors: list[JSON] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> JSON:
        body: JSON = {"status": self.status, "message": self.message}
        if self.status >= 500:
            body["error_id"] = str(uuid.uuid4())
        if self.errors:
            body["errors"] = self.errors
        return body


def field_error(field_name: str, *messages: str) -> JSON:
    return {"field": field_name, "messages": list(messages)}


def not_found(message: str = "The persistent identifier does not exist.") -> ApiError:
    return ApiError(404, message)


def forbidden(message: str = "Permission denied.") -> ApiError:
    return ApiError(403, message)


@dataclass
class User:
    id: int
    email: str
    token: str


@dataclass
class FileEntry:
    key: str
    created: float
    updated: float
    #: The file instance: shared when files are linked (import, edit, publish).
    file_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    #: The object version: new for every bucket the entry lives in.
    version_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = "pending"
    size: int = 0
    checksum: str | None = None  # hex md5, set once content is stored
    blob: str | None = None  # path of the stored bytes
    metadata: JSON | None = None

    def linked_copy(self, now: float) -> FileEntry:
        """The same file instance in another bucket (InvenioRDM links, it does not copy)."""
        return FileEntry(
            key=self.key,
            created=now,
            updated=now,
            file_id=self.file_id,
            status=self.status,
            size=self.size,
            checksum=self.checksum,
            blob=self.blob,
            metadata=copy.deepcopy(self.metadata),
        )


@dataclass
class Bucket:
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    locked: bool = False
    entries: dict[str, FileEntry] = field(default_factory=dict)

    @property
    def used_bytes(self) -> int:
        return sum(entry.size for entry in self.entries.values())


@dataclass
class Version:
    """The content of one draft or one published version."""

    created: float
    updated: float
    metadata: JSON = field(default_factory=dict)
    custom_fields: JSON = field(default_factory=dict)
    access: JSON = field(
        default_factory=lambda: {
            "record": "public",
            "files": "public",
            "embargo": {"active": False, "reason": None},
        }
    )
    pids: JSON = field(default_factory=dict)
    files_enabled: bool = True
    order: list[str] = field(default_factory=list)
    default_preview: str | None = None
    bucket: Bucket = field(default_factory=Bucket)
    revision_id: int = 1
    #: Validation errors of the last save, echoed in RDM responses (§6.3).
    errors: list[JSON] = field(default_factory=list)
    #: Legacy-only fields kept as custom fields (e.g. ``legacy:communities``).
    legacy: JSON = field(default_factory=dict)

    def clone(self, now: float, *, files: bool, locked: bool) -> Version:
        bucket = Bucket(locked=locked)
        if files:
            bucket.entries = {k: e.linked_copy(now) for k, e in self.bucket.entries.items()}
        return Version(
            created=now,
            updated=now,
            metadata=copy.deepcopy(self.metadata),
            custom_fields=copy.deepcopy(self.custom_fields),
            access=copy.deepcopy(self.access),
            pids=copy.deepcopy(self.pids),
            files_enabled=self.files_enabled,
            order=list(self.order) if files else [],
            default_preview=self.default_preview if files else None,
            bucket=bucket,
            legacy=copy.deepcopy(self.legacy),
        )


@dataclass
class Parent:
    id: int
    owner: int
    doi: str | None = None
    #: Record ids of this concept in version order (drafts included).
    record_ids: list[int] = field(default_factory=list)


@dataclass
class Record:
    id: int
    parent_id: int
    owner: int
    index: int
    created: float
    draft: Version | None = None
    published: Version | None = None
    #: Search visibility (index refresh), epoch seconds.
    indexed_at: float = 0.0

    @property
    def current(self) -> Version:
        """What a reader of "the record or its draft" sees: the draft first (§6.9)."""
        version = self.draft or self.published
        assert version is not None, "a record always has a draft or a published version"
        return version


class Store:
    """All state, guarded by one re-entrant lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.counter = 0
            self.user_counter = 0
            self.users: dict[int, User] = {}
            self.tokens: dict[str, int] = {}
            self.parents: dict[int, Parent] = {}
            self.records: dict[int, Record] = {}
            #: communities.CommunityState, made on first use
            self.community_state: Any = None

    def next_id(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def add_user(self, email: str | None = None, token: str | None = None) -> User:
        with self.lock:
            self.user_counter += 1
            user_id = self.user_counter
            user = User(
                id=user_id,
                email=email or f"user{user_id}@emulator.invalid",
                token=token or secrets.token_urlsafe(24),
            )
            if user.token in self.tokens:
                raise ValueError("token already in use")
            self.users[user.id] = user
            self.tokens[user.token] = user.id
            return user

    def user_for_token(self, token: str | None) -> User | None:
        if not token:
            return None
        with self.lock:
            user_id = self.tokens.get(token)
            return self.users.get(user_id) if user_id is not None else None

    def find_bucket(self, bucket_id: str) -> tuple[Record, Version] | None:
        with self.lock:
            for record in self.records.values():
                for version in (record.draft, record.published):
                    if version is not None and version.bucket.id == bucket_id:
                        return record, version
            return None

    def blob_in_use(self, blob: str) -> bool:
        with self.lock:
            for record in self.records.values():
                for version in (record.draft, record.published):
                    if version is None:
                        continue
                    if any(e.blob == blob for e in version.bucket.entries.values()):
                        return True
            return False
