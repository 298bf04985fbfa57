"""The one state machine under both APIs: drafts, edits, versions, publish, DOIs (§9).

Both the RDM resource (rdm.py) and the legacy translation layer (legacy.py) call these
methods, as Zenodo's legacy module calls InvenioRDM's services. Methods raise
:class:`~zenodo_publish.emulator.state.ApiError` with Zenodo's status codes and messages.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from zenodo_publish.emulator.config import EmulatorConfig
from zenodo_publish.emulator.files import BlobStore
from zenodo_publish.emulator.state import (
    JSON,
    ApiError,
    Parent,
    Record,
    Store,
    User,
    Version,
    field_error,
    forbidden,
    not_found,
)
from zenodo_publish.emulator.validation import (
    check_access,
    check_doi,
    load_metadata,
    publish_errors,
)

VALIDATION = "A validation error occurred."
REMOVE_FILES = "Please remove all files first."


def revision_mismatch(given: str, stored: int) -> ApiError:
    return ApiError(
        412, f"Revision id provided({given}) doesn't match revision id stored({stored})"
    )


class Service:
    def __init__(self, store: Store, config: EmulatorConfig, blobs: BlobStore) -> None:
        self.store = store
        self.config = config
        self.blobs = blobs

    def now(self) -> float:
        return self.config.clock.now()

    def today(self) -> str:
        return datetime.fromtimestamp(self.now(), UTC).date().isoformat()

    def doi_for(self, pid: int) -> str:
        return f"{self.config.doi_prefix}/zenodo.{pid}"

    # --- lookups and permissions ----------------------------------------------------------

    def record(self, record_id: int | str) -> Record:
        try:
            number = int(record_id)
        except (TypeError, ValueError):
            raise not_found() from None
        record = self.store.records.get(number)
        if record is None:
            raise not_found()
        return record

    def owned(self, user: User | None, record_id: int | str) -> Record:
        record = self.record(record_id)
        if user is None or record.owner != user.id:
            raise forbidden()
        return record

    def draft_of(self, user: User | None, record_id: int | str) -> tuple[Record, Version]:
        record = self.owned(user, record_id)
        if record.draft is None:
            raise not_found("Draft not found.")
        return record, record.draft

    def published_of(self, user: User | None, record_id: int | str) -> tuple[Record, Version]:
        """A published version, readable by anyone (Zenodo does not allow restricted records)."""
        record = self.record(record_id)
        if record.published is None:
            if user is not None and record.owner == user.id:
                raise not_found("Record not found.")
            # Unpublished drafts of others stay invisible, as on Zenodo.
            raise not_found()
        return record, record.published

    def parent(self, record: Record) -> Parent:
        return self.store.parents[record.parent_id]

    def siblings(self, record: Record) -> list[Record]:
        return [self.store.records[i] for i in self.parent(record).record_ids]

    def latest_published(self, record: Record) -> Record | None:
        published = [r for r in self.siblings(record) if r.published is not None]
        return max(published, key=lambda r: r.index) if published else None

    def is_latest(self, record: Record) -> bool:
        latest = self.latest_published(record)
        return latest is not None and latest.id == record.id and record.published is not None

    def is_latest_draft(self, record: Record) -> bool:
        return max(self.siblings(record), key=lambda r: r.index).id == record.id

    # --- saving a draft body ---------------------------------------------------------------

    def apply_body(self, record: Record, version: Version, body: JSON) -> None:
        """Replace metadata and custom_fields wholesale; keep omitted access and pids (§6.3)."""
        if not isinstance(body, dict):
            raise ApiError(400, VALIDATION, [field_error("_schema", "Invalid input type.")])
        now = self.now()
        metadata, errors = load_metadata(body.get("metadata"))
        files = body.get("files")
        enabled = files.get("enabled", True) if isinstance(files, dict) else True
        if enabled is not True:
            # Zenodo allows no metadata-only records: the save goes through, files stay enabled
            # and the answer names the field (inveniordm-real.md §3.11).
            errors.append(
                field_error("files.enabled", "You don't have permissions to manage files options.")
            )
        if "access" in body:
            errors += check_access(body["access"], now)
            access = copy.deepcopy(body["access"])
            access.setdefault("record", "public")
            access.setdefault("files", "public")
            access.setdefault("embargo", {"active": False, "reason": None})
            version.access = access
        if "pids" in body:
            pids = copy.deepcopy(body["pids"]) if isinstance(body["pids"], dict) else {}
            pid_errors = check_doi(pids, self.config.doi_prefix)
            errors += pid_errors
            managed = record.published.pids.get("doi") if record.published else None
            if managed and pids.get("doi") not in (None, managed):
                errors.append(
                    field_error("pids.doi", "Cannot change a managed DOI of a published record.")
                )
            elif not pid_errors:
                version.pids = pids
        version.metadata = metadata
        version.custom_fields = copy.deepcopy(body.get("custom_fields") or {})
        version.files_enabled = True
        if isinstance(files, dict):
            keys = version.bucket.entries
            version.order = [k for k in files.get("order") or [] if k in keys]
            preview = files.get("default_preview")
            version.default_preview = preview if preview in keys else None
        version.errors = errors
        self.touch(record, version)

    def touch(self, record: Record, version: Version) -> None:
        version.updated = self.now()
        version.revision_id += 1

    @staticmethod
    def check_revision(version: Version, if_match: str | None) -> None:
        if if_match is None:
            return
        given = if_match.strip().removeprefix("W/").strip('"')
        if given != str(version.revision_id):
            raise revision_mismatch(given, version.revision_id)

    # --- transitions ------------------------------------------------------------------------

    def create_draft(self, user: User | None, body: JSON) -> Record:
        if user is None:
            raise forbidden()
        with self.store.lock:
            now = self.now()
            parent = Parent(id=self.store.next_id(), owner=user.id)
            record = Record(
                id=self.store.next_id(),
                parent_id=parent.id,
                owner=user.id,
                index=1,
                created=now,
                draft=Version(created=now, updated=now),
            )
            assert record.draft is not None
            self.apply_body(record, record.draft, body)
            record.draft.revision_id = 1
            record.indexed_at = self.now() + self.config.index_delay
            parent.record_ids.append(record.id)
            self.store.parents[parent.id] = parent
            self.store.records[record.id] = record
            return record

    def update_draft(
        self, user: User | None, record_id: str, body: JSON, if_match: str | None = None
    ) -> Record:
        with self.store.lock:
            record, draft = self.draft_of(user, record_id)
            self.check_revision(draft, if_match)
            self.apply_body(record, draft, body)
            return record

    def delete_draft(self, user: User | None, record_id: str, if_match: str | None = None) -> None:
        """Delete a new draft (with its parent if now empty) or discard an edit draft."""
        with self.store.lock:
            record, draft = self.draft_of(user, record_id)
            self.check_revision(draft, if_match)
            record.draft = None
            if record.published is None:
                parent = self.parent(record)
                parent.record_ids.remove(record.id)
                del self.store.records[record.id]
                if not parent.record_ids:
                    del self.store.parents[parent.id]
            self.release(draft)

    def release(self, version: Version) -> None:
        for entry in version.bucket.entries.values():
            if entry.blob and not self.store.blob_in_use(entry.blob):
                self.blobs.discard(entry.blob)

    def edit(self, user: User | None, record_id: str) -> Record:
        """Open (or return) the edit draft of a published record; its files are locked."""
        with self.store.lock:
            record = self.owned(user, record_id)
            if record.draft is not None:
                return record
            if record.published is None:
                raise not_found("Record not found.")
            record.draft = record.published.clone(self.now(), files=True, locked=True)
            record.draft.revision_id = record.published.revision_id + 1
            return record

    def new_version(self, user: User | None, record_id: str) -> Record:
        """Create, or return the existing, next-version draft of the concept (§6.5)."""
        with self.store.lock:
            record = self.owned(user, record_id)
            if record.published is None:
                raise not_found("Record not found.")
            doi = record.published.pids.get("doi") or {}
            if doi.get("provider") == "external":
                raise forbidden()
            for sibling in self.siblings(record):
                if sibling.published is None:
                    return sibling
            latest = self.latest_published(record)
            assert latest is not None and latest.published is not None
            now = self.now()
            draft = latest.published.clone(now, files=False, locked=False)
            # InvenioRDM gives a new version today's publication date (inveniordm-real.md §3.8).
            draft.metadata["publication_date"] = self.today()
            draft.metadata.pop("version", None)
            draft.pids = {}
            draft.errors = load_metadata(draft.metadata)[1]
            new = Record(
                id=self.store.next_id(),
                parent_id=record.parent_id,
                owner=record.owner,
                index=max(r.index for r in self.siblings(record)) + 1,
                created=now,
                draft=draft,
                indexed_at=now + self.config.index_delay,
            )
            self.store.records[new.id] = new
            self.parent(record).record_ids.append(new.id)
            return new

    def import_files(self, user: User | None, record_id: str) -> Record:
        """Link every file of the latest published version into this draft."""
        with self.store.lock:
            record, draft = self.draft_of(user, record_id)
            if not draft.files_enabled:
                raise ApiError(400, "Files support must be enabled.")
            if draft.bucket.entries:
                raise ApiError(400, VALIDATION, [field_error("files.enabled", REMOVE_FILES)])
            latest = self.latest_published(record)
            if latest is None or latest.published is None:
                raise ApiError(400, "The record has no files.")
            now = self.now()
            for key, entry in latest.published.bucket.entries.items():
                draft.bucket.entries[key] = entry.linked_copy(now)
            draft.order = list(latest.published.order)
            draft.default_preview = latest.published.default_preview
            self.touch(record, draft)
            return record

    def reserve_doi(self, user: User | None, record_id: str) -> Record:
        with self.store.lock:
            record, draft = self.draft_of(user, record_id)
            if "doi" in draft.pids:
                raise ApiError(
                    400, VALIDATION, [field_error("pids.doi", "A PID already exists for type doi")]
                )
            draft.pids["doi"] = self.managed_doi(record.id)
            self.touch(record, draft)
            return record

    def discard_doi(self, user: User | None, record_id: str) -> Record:
        with self.store.lock:
            record, draft = self.draft_of(user, record_id)
            if record.published is not None:
                raise ApiError(400, "Cannot discard a registered PID.")
            if "doi" not in draft.pids:
                raise not_found("PID not found.")
            del draft.pids["doi"]
            self.touch(record, draft)
            return record

    def managed_doi(self, pid: int) -> JSON:
        return {"identifier": self.doi_for(pid), "provider": "datacite", "client": "datacite"}

    def publish(self, user: User | None, record_id: str) -> Record:
        with self.store.lock:
            record, draft = self.draft_of(user, record_id)
            errors = publish_errors(
                draft.metadata, draft.access, draft.pids, self.config.doi_prefix, self.now()
            )
            entries = draft.bucket.entries.values()
            if not draft.files_enabled or not entries:
                errors.append(
                    field_error(
                        "files.enabled",
                        "Missing uploaded files. To disable "
                        "files for this record please mark it as "
                        "metadata-only.",
                    )
                )
            elif any(e.status != "completed" for e in entries):
                errors.append(
                    field_error(
                        "files",
                        "One or more files have not completed their transfer, please wait.",
                    )
                )
            if errors:
                raise ApiError(400, VALIDATION, errors)
            if record.published is not None:
                # An edit cannot drop the managed DOI; publish restores it (§6.3).
                draft.pids.setdefault("doi", record.published.pids["doi"])
            draft.pids.setdefault("doi", self.managed_doi(record.id))
            draft.pids.setdefault(
                "oai", {"identifier": f"oai:zenodo.org:{record.id}", "provider": "oai"}
            )
            parent = self.parent(record)
            if parent.doi is None:
                parent.doi = self.doi_for(parent.id)
            draft.bucket.locked = True
            draft.errors = []
            self.touch(record, draft)
            if record.published is not None:
                old = record.published
                record.published = draft
                record.draft = None
                self.release(old)
            else:
                record.published = draft
                record.draft = None
            return record
