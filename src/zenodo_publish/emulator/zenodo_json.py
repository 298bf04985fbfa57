"""Zenodo JSON (the default ``application/json`` on /api/records) and the legacy deposition,
deposit-file and Files-REST object shapes (§5.2, §5.4, §6.1)."""

from __future__ import annotations

from zenodo_publish.emulator.legacy_metadata import rdm_to_legacy
from zenodo_publish.emulator.serializers import (
    Ctx,
    checksum,
    iso,
    key_url,
    mimetype,
    record_links,
)
from zenodo_publish.emulator.state import JSON, FileEntry, Record, Version


def legacy_state(record: Record) -> tuple[str, bool]:
    """(state, submitted) computed from the RDM flags as ``dump_state`` does."""
    if record.published is None:
        return "unsubmitted", False
    return ("inprogress" if record.draft is not None else "done"), True


def _dois(ctx: Ctx, record: Record, version: Version) -> JSON:
    out: JSON = {}
    doi = version.pids.get("doi")
    if doi:
        out["doi"] = doi["identifier"]
        out["doi_url"] = f"https://doi.org/{doi['identifier']}"
    parent = ctx.service.parent(record)
    if parent.doi:
        out["conceptdoi"] = parent.doi
    return out


def _version_relation(ctx: Ctx, record: Record) -> JSON:
    service = ctx.service
    parent = service.parent(record)
    published = [r for r in service.siblings(record) if r.published is not None]
    latest = service.latest_published(record)
    return {
        "version": [
            {
                "index": record.index - 1,
                "is_last": service.is_latest(record),
                "count": len(published),
                "parent": {"pid_type": "recid", "pid_value": str(parent.id)},
                "last_child": {"pid_type": "recid", "pid_value": str(latest.id)}
                if latest
                else None,
            }
        ]
    }


def zenodo_record(ctx: Ctx, record: Record, *, draft: bool) -> JSON:
    version = record.draft if draft else record.published
    assert version is not None
    metadata = rdm_to_legacy(version, license_as_object=True)
    upload_type = metadata.pop("upload_type", None)
    subtype = None
    for key in ("publication_type", "image_type"):
        subtype = metadata.pop(key, subtype)
    if upload_type:
        rtype = (version.metadata.get("resource_type") or {}).get("id", "")
        metadata["resource_type"] = {
            "title": rtype,
            "type": upload_type,
            **({"subtype": subtype} if subtype else {}),
        }
    metadata["relations"] = _version_relation(ctx, record)
    state, submitted = legacy_state(record)
    files_url = f"{ctx.api}/records/{record.id}/{'draft/' if draft else ''}files"
    return {
        "created": iso(record.created),
        "modified": iso(version.updated),
        "updated": iso(version.updated),
        "id": record.id,
        "recid": str(record.id),
        "conceptrecid": str(record.parent_id),
        **_dois(ctx, record, version),
        "title": version.metadata.get("title", ""),
        "metadata": metadata,
        "links": record_links(ctx, record, version, draft),
        "owners": [{"id": record.owner}],
        "revision": version.revision_id,
        "stats": {
            "downloads": 0,
            "unique_downloads": 0,
            "views": 0,
            "unique_views": 0,
            "version_downloads": 0,
            "version_unique_downloads": 0,
            "version_views": 0,
            "version_unique_views": 0,
        },
        "status": "draft" if draft else "published",
        "state": state,
        "submitted": submitted,
        "swh": {},
        "files": [
            {
                "id": e.file_id,
                "key": e.key,
                "size": e.size,
                "checksum": checksum(e),
                "links": {"self": f"{files_url}/{key_url(e.key)}/content"},
            }
            for e in version.bucket.entries.values()
            if e.blob is not None
        ],
    }


def deposit_url(ctx: Ctx, record: Record) -> str:
    return f"{ctx.api}/deposit/depositions/{record.id}"


def legacy_file(ctx: Ctx, record: Record, entry: FileEntry) -> JSON:
    draft = record.draft is not None
    files = f"{ctx.api}/records/{record.id}/{'draft/' if draft else ''}files"
    return {
        "id": entry.file_id,
        "filename": entry.key,
        "filesize": entry.size,
        "checksum": entry.checksum,
        "links": {
            "self": f"{deposit_url(ctx, record)}/files/{entry.file_id}",
            "download": f"{files}/{key_url(entry.key)}/content",
        },
    }


def deposition(ctx: Ctx, record: Record, *, in_list: bool = False) -> JSON:
    """The legacy deposition of ``record`` (its draft first, else the published version)."""
    version = record.current
    state, submitted = legacy_state(record)
    metadata = rdm_to_legacy(version)
    metadata["prereserve_doi"] = {"doi": f"10.5281/zenodo.{record.id}", "recid": record.id}
    dep_url = deposit_url(ctx, record)
    links: JSON = {
        "self": dep_url if record.draft is not None else f"{ctx.api}/records/{record.id}",
        "html": f"{ctx.base}/deposit/{record.id}",
        "files": f"{dep_url}/files",
        "latest_draft": dep_url,
        "latest_draft_html": f"{ctx.base}/deposit/{record.id}",
        "publish": f"{dep_url}/actions/publish",
        "edit": f"{dep_url}/actions/edit",
        "discard": f"{dep_url}/actions/discard",
        "newversion": f"{dep_url}/actions/newversion",
        "record": f"{ctx.api}/records/{record.id}",
        "record_html": f"{ctx.base}/records/{record.id}",
        "latest": f"{ctx.api}/records/{record.id}/versions/latest",
        "latest_html": f"{ctx.base}/records/{record.id}/latest",
    }
    dois = _dois(ctx, record, version)
    if "doi" in dois:
        links["doi"] = dois["doi_url"]
        links["badge"] = f"{ctx.base}/badge/doi/{dois['doi']}.svg"
    if "conceptdoi" in dois:
        links["parent_doi"] = f"https://doi.org/{dois['conceptdoi']}"
        links["conceptbadge"] = f"{ctx.base}/badge/doi/{dois['conceptdoi']}.svg"
    if not in_list:
        # The search index does not hold the bucket id, so list results lack it (§8.2).
        links["bucket"] = f"{ctx.api}/files/{version.bucket.id}"
    return {
        "id": record.id,
        "record_id": record.id,
        "conceptrecid": str(record.parent_id),
        **dois,
        "created": iso(record.created),
        "modified": iso(version.updated),
        "title": version.metadata.get("title", ""),
        "owner": record.owner,
        "state": state,
        "submitted": submitted,
        "files": [
            legacy_file(ctx, record, e)
            for e in version.bucket.entries.values()
            if e.blob is not None
        ],
        "metadata": metadata,
        "links": links,
    }


def bucket_object(ctx: Ctx, version: Version, entry: FileEntry) -> JSON:
    url = f"{ctx.api}/files/{version.bucket.id}/{key_url(entry.key)}"
    return {
        "key": entry.key,
        "size": entry.size,
        "mimetype": mimetype(entry.key),
        "checksum": checksum(entry),
        "version_id": entry.version_id,
        "created": iso(entry.created),
        "updated": iso(entry.updated),
        "is_head": True,
        "delete_marker": False,
        "links": {
            "self": url,
            "version": f"{url}?versionId={entry.version_id}",
            "uploads": f"{url}?uploads",
        },
    }


def bucket_listing(ctx: Ctx, version: Version, quota: int, max_file: int) -> JSON:
    url = f"{ctx.api}/files/{version.bucket.id}"
    return {
        "id": version.bucket.id,
        "created": iso(version.created),
        "updated": iso(version.updated),
        "locked": version.bucket.locked,
        "size": version.bucket.used_bytes,
        "quota_size": quota,
        "max_file_size": max_file,
        "contents": [
            bucket_object(ctx, version, e)
            for e in version.bucket.entries.values()
            if e.blob is not None
        ],
        "links": {"self": url, "versions": f"{url}?versions", "uploads": f"{url}?uploads"},
    }
