"""The legacy deposit API as today's translation layer over the RDM state machine (§5).

Current behaviour, not the old documentation: DELETE and discard answer 204, newversion answers
the new draft and imports the previous files (so a second call is a 400 "Please remove all
files first."), a PUT replaces all metadata with defaults, publish of a published deposit 404s.
"""

from __future__ import annotations

from werkzeug.exceptions import ClientDisconnected
from werkzeug.routing import Rule
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from zenodo_publish.emulator import search
from zenodo_publish.emulator.legacy_metadata import legacy_to_rdm
from zenodo_publish.emulator.state import (
    ApiError,
    FileEntry,
    Record,
    Version,
    forbidden,
    not_found,
)
from zenodo_publish.emulator.web import Call, json_response
from zenodo_publish.emulator.zenodo_json import (
    bucket_listing,
    bucket_object,
    deposition,
    legacy_file,
)

D = "/api/deposit/depositions/<id>"
LEGACY_SORTS = {"mostrecent": "newest", "-mostrecent": "oldest"}


def _dep(call: Call, record: Record, status: int = 200) -> Response:
    return json_response(deposition(call.ctx, record), status)


def _owned(call: Call, id: str) -> Record:
    return call.service.owned(call.user, id)


def list_depositions(call: Call) -> Response:
    if call.user is None:
        raise forbidden()
    args = call.request.args.copy()
    if args.get("sort") in LEGACY_SORTS:
        args["sort"] = LEGACY_SORTS[args["sort"]]
    config = call.app.config
    page, size, sort = search.page_args(
        args,
        authenticated=True,
        max_size=config.max_page_size,
        max_guest=config.max_page_size_guest,
        default_sort="bestmatch" if args.get("q") else "updated-desc",
    )
    allversions = args.get("all_versions", "").lower() in ("true", "1", "yes")
    with call.service.store.lock:
        # ``status=draft|published`` is accepted and ignored, as on Zenodo (§5.1).
        candidates = search.user_candidates(call.service, call.user.id, allversions=allversions)
        hits, _total = search.run(call.service, candidates, args.get("q", ""), sort, page, size)
        return json_response([deposition(call.ctx, r, in_list=True) for r, _v in hits])


def create(call: Call) -> Response:
    body = call.json(default={})
    rdm, extras = legacy_to_rdm(body, today=call.service.today())
    with call.service.store.lock:
        record = call.service.create_draft(call.user, rdm)
        assert record.draft is not None
        record.draft.legacy.update(extras)
        return _dep(call, record, 201)


def read(call: Call, id: str) -> Response:
    return _dep(call, _owned(call, id))


def update(call: Call, id: str) -> Response:
    body = call.json(default={})
    rdm, extras = legacy_to_rdm(body, today=call.service.today())
    with call.service.store.lock:
        record = call.service.update_draft(call.user, id, rdm)
        assert record.draft is not None
        record.draft.legacy = extras
        return _dep(call, record)


def delete(call: Call, id: str) -> Response:
    call.service.delete_draft(call.user, id)
    return Response(status=204)


def action(call: Call, id: str, name: str) -> Response:
    service = call.service
    if name == "publish":
        return _dep(call, service.publish(call.user, id), 202)
    if name == "edit":
        return _dep(call, service.edit(call.user, id), 201)
    if name == "discard":
        service.delete_draft(call.user, id)
        return Response(status=204)
    if name == "newversion":
        with service.store.lock:
            draft = service.new_version(call.user, id)
            service.import_files(call.user, str(draft.id))
            return _dep(call, draft, 201)
    raise ApiError(404, "The requested URL was not found on the server.")


def _draft_for_files(call: Call, id: str) -> tuple[Record, Version]:
    record = _owned(call, id)
    if record.draft is None:
        # Files of a published deposit without an edit draft: 403 (§5.1, TEST).
        raise forbidden()
    return record, record.draft


def list_files(call: Call, id: str) -> Response:
    record = _owned(call, id)
    entries = record.current.bucket.entries.values()
    return json_response([legacy_file(call.ctx, record, e) for e in entries if e.blob])


def _by_file_id(version: Version, file_id: str) -> FileEntry:
    for entry in version.bucket.entries.values():
        if entry.file_id == file_id:
            return entry
    raise not_found("File not found.")


def upload_multipart(call: Call, id: str) -> Response:
    limit = call.app.config.multipart_max_bytes
    length = call.request.content_length
    if limit is not None and length is not None and length > limit:
        raise ApiError(413, "The data value transmitted exceeds the capacity limit.")
    _draft_for_files(call, id)
    try:
        upload = call.request.files.get("file")
        name = call.request.form.get("name") or (upload.filename if upload else None)
    except ClientDisconnected:
        raise ApiError(400, "Transfer of the file failed.") from None
    if upload is None:
        raise ApiError(
            400,
            "A validation error occurred.",
            [{"field": "file", "messages": ["Missing data for required field."]}],
        )
    key = secure_filename(name or "")
    if not key:
        raise ApiError(
            400,
            "A validation error occurred.",
            [{"field": "name", "messages": ["Invalid filename."]}],
        )
    record, entry = call.files.upload_whole(
        call.user, id, key, upload.stream, None, overwrite=False
    )
    with call.service.store.lock:
        return json_response(legacy_file(call.ctx, record, entry), 201)


def read_file(call: Call, id: str, file_id: str) -> Response:
    record = _owned(call, id)
    return json_response(legacy_file(call.ctx, record, _by_file_id(record.current, file_id)))


def delete_file(call: Call, id: str, file_id: str) -> Response:
    _record, draft = _draft_for_files(call, id)
    entry = _by_file_id(draft, file_id)
    call.files.delete(call.user, id, entry.key)
    return Response(status=204)


def not_implemented(call: Call, id: str, file_id: str = "") -> Response:
    raise ApiError(405, "The method is not allowed for the requested URL.")


# --- Files-REST buckets --------------------------------------------------------------------


def _bucket(call: Call, bucket_id: str) -> tuple[Record, Version]:
    found = call.service.store.find_bucket(bucket_id)
    if found is None:
        raise ApiError(404, "Bucket does not exist.")
    record, version = found
    if call.user is None or call.user.id != record.owner:
        raise forbidden()
    return record, version


def read_bucket(call: Call, bucket_id: str) -> Response:
    _record, version = _bucket(call, bucket_id)
    config = call.app.config
    return json_response(
        bucket_listing(call.ctx, version, config.quota_bytes, config.max_file_bytes)
    )


def put_object(call: Call, bucket_id: str, key: str) -> Response:
    call.octet_stream()
    record, version = _bucket(call, bucket_id)
    if version is not record.draft:
        raise ApiError(403, "Bucket is locked for modifications.")
    try:
        record, entry = call.files.upload_whole(
            call.user,
            str(record.id),
            key,
            call.request.stream,
            call.request.content_length,
            overwrite=True,
        )
    except ClientDisconnected:
        raise ApiError(400, f'Transfer of File with key "{key}" failed.') from None
    with call.service.store.lock:
        if record.draft is None:
            raise ApiError(404, "Draft not found.")
        return json_response(bucket_object(call.ctx, record.draft, entry), 201)


def get_object(call: Call, bucket_id: str, key: str) -> Response:
    _record, version = _bucket(call, bucket_id)
    entry = version.bucket.entries.get(key)
    if entry is None or entry.blob is None:
        raise ApiError(404, "Object does not exist.")
    headers = {
        "Content-Length": str(entry.size),
        "ETag": f'"md5:{entry.checksum}"',
        "Content-MD5": str(entry.checksum),
    }
    return Response(
        call.app.blobs.read(entry.blob),
        headers=headers,
        mimetype="application/octet-stream",
        direct_passthrough=True,
    )


def delete_object(call: Call, bucket_id: str, key: str) -> Response:
    record, version = _bucket(call, bucket_id)
    if version is not record.draft:
        raise ApiError(403, "Bucket is locked for modifications.")
    call.files.delete(call.user, str(record.id), key)
    return Response(status=204)


RULES = [
    Rule("/api/deposit/depositions", methods=["GET"], endpoint=list_depositions),
    Rule("/api/deposit/depositions", methods=["POST"], endpoint=create),
    Rule(D, methods=["GET"], endpoint=read),
    Rule(D, methods=["PUT"], endpoint=update),
    Rule(D, methods=["DELETE"], endpoint=delete),
    Rule(f"{D}/actions/<name>", methods=["POST"], endpoint=action),
    Rule(f"{D}/files", methods=["GET"], endpoint=list_files),
    Rule(f"{D}/files", methods=["POST"], endpoint=upload_multipart),
    Rule(f"{D}/files", methods=["PUT"], endpoint=not_implemented),
    Rule(f"{D}/files/<file_id>", methods=["GET"], endpoint=read_file),
    Rule(f"{D}/files/<file_id>", methods=["DELETE"], endpoint=delete_file),
    Rule(f"{D}/files/<file_id>", methods=["PUT"], endpoint=not_implemented),
    Rule("/api/files/<bucket_id>", methods=["GET"], endpoint=read_bucket),
    # The default converter does not match "/": keys with slashes 404 here (§5.4).
    Rule("/api/files/<bucket_id>/<key>", methods=["PUT"], endpoint=put_object),
    Rule("/api/files/<bucket_id>/<key>", methods=["GET"], endpoint=get_object),
    Rule("/api/files/<bucket_id>/<key>", methods=["DELETE"], endpoint=delete_object),
]
