"""RDM JSON (``application/vnd.inveniordm.v1+json``), file objects and search envelopes (§6.1).

In the record JSON ``files.entries`` is an object keyed by filename; in the files endpoints it
is a list. Checksums are ``md5:<hex>`` everywhere in RDM.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from zenodo_publish.emulator import communities
from zenodo_publish.emulator.service import Service
from zenodo_publish.emulator.state import JSON, FileEntry, Record, Version


@dataclass(frozen=True)
class Ctx:
    """What a serializer needs beyond the entity: the service and the public base URL."""

    service: Service
    base: str  # e.g. http://127.0.0.1:5000 (no trailing slash)

    @property
    def api(self) -> str:
        return f"{self.base}/api"


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def key_url(key: str) -> str:
    # Slashes stay literal, other reserved characters are escaped, as Zenodo builds links.
    return quote(key, safe="/")


def mimetype(key: str) -> str:
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


def checksum(entry: FileEntry) -> str | None:
    return f"md5:{entry.checksum}" if entry.checksum is not None else None


def files_base(ctx: Ctx, record: Record, is_draft: bool) -> str:
    return f"{ctx.api}/records/{record.id}/{'draft/' if is_draft else ''}files"


def file_links(ctx: Ctx, record: Record, entry: FileEntry, is_draft: bool) -> JSON:
    base = f"{files_base(ctx, record, is_draft)}/{key_url(entry.key)}"
    links = {"self": base, "content": f"{base}/content"}
    if is_draft:
        links["commit"] = f"{base}/commit"
    return links


def file_item(ctx: Ctx, record: Record, version: Version, entry: FileEntry, is_draft: bool) -> JSON:
    """A file as the files endpoints show it (init, list, commit, read)."""
    item: JSON = {
        "key": entry.key,
        "created": iso(entry.created),
        "updated": iso(entry.updated),
        "status": entry.status,
        "metadata": entry.metadata,
        "links": file_links(ctx, record, entry, is_draft),
        "transfer": {"type": "L"},
    }
    if entry.blob is not None:
        item.update(
            checksum=checksum(entry),
            size=entry.size,
            mimetype=mimetype(entry.key),
            file_id=entry.file_id,
            version_id=entry.version_id,
            bucket_id=version.bucket.id,
            storage_class="L",
        )
    return item


def files_list(ctx: Ctx, record: Record, version: Version, is_draft: bool) -> JSON:
    return {
        "enabled": version.files_enabled,
        "default_preview": version.default_preview,
        "order": version.order,
        "links": {"self": files_base(ctx, record, is_draft)},
        "entries": [
            file_item(ctx, record, version, e, is_draft) for e in version.bucket.entries.values()
        ],
    }


def _entry_in_record(ctx: Ctx, record: Record, entry: FileEntry, is_draft: bool) -> JSON:
    return {
        "id": entry.file_id,
        "key": entry.key,
        "size": entry.size,
        "ext": entry.key.rsplit(".", 1)[1] if "." in entry.key else None,
        "mimetype": mimetype(entry.key),
        "checksum": checksum(entry),
        "status": entry.status,
        "storage_class": "L",
        "metadata": entry.metadata or {},
        "links": file_links(ctx, record, entry, is_draft),
    }


def record_links(ctx: Ctx, record: Record, version: Version, is_draft: bool) -> JSON:
    api, base, rid = ctx.api, ctx.base, record.id
    parent = ctx.service.parent(record)
    links: JSON = {
        "self": f"{api}/records/{rid}/draft" if is_draft else f"{api}/records/{rid}",
        "self_html": f"{base}/uploads/{rid}" if is_draft else f"{base}/records/{rid}",
        "files": files_base(ctx, record, is_draft),
        "record": f"{api}/records/{rid}",
        "record_html": f"{base}/records/{rid}",
        "draft": f"{api}/records/{rid}/draft",
        "versions": f"{api}/records/{rid}/versions",
        "latest": f"{api}/records/{rid}/versions/latest",
        "latest_html": f"{base}/records/{rid}/latest",
        "parent": f"{api}/records/{parent.id}",
        "parent_html": f"{base}/records/{parent.id}",
    }
    if is_draft:
        links["publish"] = f"{api}/records/{rid}/draft/actions/publish"
        links["reserve_doi"] = f"{api}/records/{rid}/draft/pids/doi"
        links["files_import"] = f"{api}/records/{rid}/draft/actions/files-import"
    doi = version.pids.get("doi")
    if doi:
        links["doi"] = f"https://doi.org/{doi['identifier']}"
        links["self_doi"] = links["doi"]
    if parent.doi:
        links["parent_doi"] = f"https://doi.org/{parent.doi}"
    return links


def rdm_record(
    ctx: Ctx, record: Record, *, draft: bool | None = None, errors: bool = False
) -> JSON:
    """The RDM JSON of ``record``: its draft when ``draft`` (default: draft if one exists)."""
    service = ctx.service
    is_draft = record.draft is not None if draft is None else draft
    version = record.draft if is_draft else record.published
    assert version is not None
    parent = service.parent(record)
    is_published = record.published is not None
    if not is_draft or is_published:
        status = "published"
    else:
        status = "new_version_draft" if record.index > 1 else "draft"
    entries = version.bucket.entries
    access = dict(version.access)
    access["status"] = _access_status(version)
    body: JSON = {
        "id": str(record.id),
        "created": iso(version.created if is_draft else record.created),
        "updated": iso(version.updated),
        "revision_id": version.revision_id,
        "is_published": is_published,
        "is_draft": is_draft,
        "status": status,
        "versions": {
            "index": record.index,
            "is_latest": service.is_latest(record) and not (is_draft and not is_published),
            "is_latest_draft": service.is_latest_draft(record),
        },
        "parent": {
            "id": str(parent.id),
            "access": {"owned_by": {"user": str(parent.owner)}},
            "pids": {
                "doi": {"identifier": parent.doi, "provider": "datacite", "client": "datacite"}
            }
            if parent.doi
            else {},
            **communities.parent_fields(
                service.store, record, list(version.legacy.get("communities", []))
            ),
        },
        "pids": version.pids,
        "metadata": version.metadata,
        "custom_fields": version.custom_fields,
        "access": access,
        "files": {
            "enabled": version.files_enabled,
            "order": version.order,
            "default_preview": version.default_preview,
            "count": len(entries),
            "total_bytes": sum(e.size for e in entries.values()),
            "entries": {k: _entry_in_record(ctx, record, e, is_draft) for k, e in entries.items()},
        },
        "media_files": {"enabled": False, "order": [], "count": 0, "total_bytes": 0, "entries": {}},
        "links": record_links(ctx, record, version, is_draft),
    }
    if errors and is_draft and version.errors:
        body["errors"] = version.errors
    return body


def _access_status(version: Version) -> str:
    if version.access.get("embargo", {}).get("active"):
        return "embargoed"
    return "open" if version.access.get("files") == "public" else "restricted"


def with_ui(body: JSON) -> JSON:
    """Add the ``ui`` object that ``vnd.inveniordm.v1+json`` carries (a small subset)."""
    metadata = body["metadata"]
    rtype = metadata.get("resource_type", {}).get("id")
    body["ui"] = {
        "created_date_l10n_long": body["created"][:10],
        "updated_date_l10n_long": body["updated"][:10],
        "publication_date_l10n_long": metadata.get("publication_date"),
        "resource_type": {"id": rtype, "title_l10n": rtype} if rtype else None,
        "access_status": {"id": body["access"]["status"]},
        "version": metadata.get("version"),
        "is_draft": body["is_draft"],
    }
    return body


def search_envelope(hits: list[JSON], total: int, self_link: str, sort: str) -> JSON:
    return {
        "hits": {"hits": hits, "total": total},
        "links": {"self": self_link},
        "sortBy": sort,
        "aggregations": {},
    }
