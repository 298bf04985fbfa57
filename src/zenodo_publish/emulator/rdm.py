"""The InvenioRDM records API as Zenodo serves it (zenodo-api.md §6.2)."""

from __future__ import annotations

from typing import Any

from werkzeug.exceptions import ClientDisconnected
from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from zenodo_publish.emulator import communities, search
from zenodo_publish.emulator.file_service import TransferFailed
from zenodo_publish.emulator.serializers import file_item, files_list, search_envelope
from zenodo_publish.emulator.state import ApiError, FileEntry, Record, Version, forbidden
from zenodo_publish.emulator.vocabularies import VOCABULARIES
from zenodo_publish.emulator.web import Call, json_response

R = "/api/records/<id>"
F = f"{R}/draft/files/<path:key>"


def _key(call: Call, key: str) -> str:
    # Werkzeug decodes %2F before routing; Zenodo answered 404 for such URLs (§8.17).
    raw = str(call.request.environ.get("RAW_URI") or call.request.environ.get("REQUEST_URI", ""))
    if "%2f" in raw.lower():
        raise ApiError(404, "The requested URL was not found on the server.")
    return key


def create(call: Call) -> Response:
    record = call.service.create_draft(call.user, call.json(default={}))
    return call.record(record, 201, draft=True, errors=True)


def read_draft(call: Call, id: str) -> Response:
    record, _draft = call.service.draft_of(call.user, id)
    # Reading a draft does not validate it again: no errors (inveniordm-real.md §3.9).
    return call.record(record, draft=True)


def update_draft(call: Call, id: str) -> Response:
    body = call.json(default={})
    record = call.service.update_draft(call.user, id, body, call.request.headers.get("If-Match"))
    return call.record(record, draft=True, errors=True)


def delete_draft(call: Call, id: str) -> Response:
    communities.check_delete(call, id)
    call.service.delete_draft(call.user, id, call.request.headers.get("If-Match"))
    return Response(status=204)


def edit(call: Call, id: str) -> Response:
    return call.record(call.service.edit(call.user, id), 201, draft=True)


def publish(call: Call, id: str) -> Response:
    communities.check_publish(call, id)
    return call.record(call.service.publish(call.user, id), 202, draft=False)


def new_version(call: Call, id: str) -> Response:
    return call.record(call.service.new_version(call.user, id), 201, draft=True)


def files_import(call: Call, id: str) -> Response:
    record = call.service.import_files(call.user, id)
    assert record.draft is not None
    return json_response(files_list(call.ctx, record, record.draft, True), 201)


def reserve_doi(call: Call, id: str) -> Response:
    return call.record(call.service.reserve_doi(call.user, id), 201, draft=True)


def discard_doi(call: Call, id: str) -> Response:
    call.service.discard_doi(call.user, id)
    return Response(status=204)


def read_record(call: Call, id: str) -> Response:
    record, _version = call.service.published_of(call.user, id)
    return call.record(record, draft=False)


def _search(
    call: Call, candidates: list[tuple[Record, Version]], default_sort: str, self_link: str
) -> Response:
    args = call.request.args
    config = call.app.config
    default = "bestmatch" if args.get("q") else default_sort
    page, size, sort = search.page_args(
        args,
        authenticated=call.user is not None,
        max_size=config.max_page_size,
        max_guest=config.max_page_size_guest,
        default_sort=default,
    )
    mimetype = call.negotiate()
    hits, total = search.run(call.service, candidates, args.get("q", ""), sort, page, size)
    body = search_envelope(
        [call.serialize(r, draft=v is r.draft, mimetype=mimetype) for r, v in hits],
        total,
        self_link,
        sort,
    )
    return json_response(body, mimetype=mimetype)


def _allversions(call: Call) -> bool:
    return call.request.args.get("allversions", "").lower() in ("true", "1", "yes")


def user_records(call: Call) -> Response:
    if call.user is None:
        raise forbidden()
    with call.service.store.lock:
        candidates = search.user_candidates(
            call.service, call.user.id, allversions=_allversions(call)
        )
        return _search(call, candidates, "updated-desc", f"{call.ctx.api}/user/records")


def records_search(call: Call) -> Response:
    with call.service.store.lock:
        candidates = search.published_candidates(call.service, allversions=_allversions(call))
        return _search(call, candidates, "newest", f"{call.ctx.api}/records")


def versions(call: Call, id: str) -> Response:
    with call.service.store.lock:
        record = call.service.record(id)
        candidates = search.published_candidates(
            call.service, allversions=True, parent_id=record.parent_id
        )
        return _search(call, candidates, "version", f"{call.ctx.api}/records/{id}/versions")


def latest(call: Call, id: str) -> Response:
    record = call.service.record(id)
    newest = call.service.latest_published(record)
    if newest is None:
        raise ApiError(404, "Record not found.")
    location = f"{call.ctx.api}/records/{newest.id}"
    body = {"status": 301, "message": "Redirecting...", "location": location}
    return json_response(body, 301, {"Location": location})


# --- files ---------------------------------------------------------------------------------


def list_draft_files(call: Call, id: str) -> Response:
    record, draft = call.service.draft_of(call.user, id)
    return json_response(files_list(call.ctx, record, draft, True))


def init_files(call: Call, id: str) -> Response:
    body = call.json()
    record, draft = call.files.init(call.user, id, body)
    return json_response(files_list(call.ctx, record, draft, True), 201)


def delete_all_files(call: Call, id: str) -> Response:
    call.files.delete_all(call.user, id)
    return Response(status=204)


def read_draft_file(call: Call, id: str, key: str) -> Response:
    record, draft = call.service.draft_of(call.user, id)
    entry = call.files.entry(draft, _key(call, key))
    return json_response(file_item(call.ctx, record, draft, entry, True))


def delete_draft_file(call: Call, id: str, key: str) -> Response:
    call.files.delete(call.user, id, _key(call, key))
    return Response(status=204)


def put_content(call: Call, id: str, key: str) -> Response:
    key = _key(call, key)
    call.octet_stream()
    try:
        record, entry = call.files.set_content(
            call.user, id, key, call.request.stream, call.request.content_length
        )
    except (ClientDisconnected, TransferFailed):
        return _transfer_failed(call, id, key)
    with call.service.store.lock:
        return json_response(file_item(call.ctx, record, _open_draft(record), entry, True))


def _transfer_failed(call: Call, id: str, key: str) -> Response:
    """InvenioRDM's answer to a failed transfer: the entry is deleted, and the answer is 200
    with the file as it was and ``"errors": "File upload transfer failed."``."""
    with call.service.store.lock:
        record, draft = call.service.draft_of(call.user, id)
        entry = draft.bucket.entries.get(key)
        item = file_item(call.ctx, record, draft, entry, True) if entry is not None else {}
    call.files.drop_failed(call.user, id, key)
    return json_response({**item, "errors": "File upload transfer failed."})


def _open_draft(record: Record) -> Version:
    """The draft a finished upload went to; gone if published or deleted meanwhile."""
    if record.draft is None:
        raise ApiError(404, "Draft not found.")
    return record.draft


def commit(call: Call, id: str, key: str) -> Response:
    record, entry = call.files.commit(call.user, id, _key(call, key))
    assert record.draft is not None
    return json_response(file_item(call.ctx, record, record.draft, entry, True))


def _download(call: Call, entry: FileEntry) -> Response:
    if entry.blob is None:
        raise ApiError(404, "File content not found.")
    headers = {
        "ETag": f'"md5:{entry.checksum}"',
        "Content-MD5": str(entry.checksum),
        "Content-Length": str(entry.size),
        "Content-Disposition": f"attachment; filename={entry.key.rsplit('/', 1)[-1]}",
    }
    return Response(
        call.app.blobs.read(entry.blob),
        headers=headers,
        mimetype="application/octet-stream",
        direct_passthrough=True,
    )


def draft_content(call: Call, id: str, key: str) -> Response:
    _record, draft = call.service.draft_of(call.user, id)
    return _download(call, call.files.entry(draft, _key(call, key)))


def _published_files(call: Call, id: str) -> tuple[Record, Version]:
    record, version = call.service.published_of(call.user, id)
    if version.access.get("files") != "public" and (
        call.user is None or call.user.id != record.owner
    ):
        raise forbidden()
    return record, version


def list_record_files(call: Call, id: str) -> Response:
    record, version = _published_files(call, id)
    return json_response(files_list(call.ctx, record, version, False))


def read_record_file(call: Call, id: str, key: str) -> Response:
    record, version = _published_files(call, id)
    entry = call.files.entry(version, _key(call, key))
    return json_response(file_item(call.ctx, record, version, entry, False))


def record_content(call: Call, id: str, key: str) -> Response:
    _record, version = _published_files(call, id)
    return _download(call, call.files.entry(version, _key(call, key)))


# --- vocabularies --------------------------------------------------------------------------


def _vocab_hit(kind: str, vid: str, title: str) -> dict[str, Any]:
    return {"id": vid, "title": {"en": title}, "type": kind}


def vocabulary(call: Call, kind: str) -> Response:
    terms = VOCABULARIES.get(kind)
    if terms is None:
        raise ApiError(404, "The requested URL was not found on the server.")
    q = call.request.args.get("q", "").lower()
    try:
        size = int(call.request.args.get("size", 10))
        page = int(call.request.args.get("page", 1))
    except ValueError:
        raise ApiError(400, "A validation error occurred.") from None
    hits = [
        _vocab_hit(kind, i, t) for i, t in sorted(terms.items()) if q in i.lower() or q in t.lower()
    ]
    body = {
        "hits": {"hits": hits[(page - 1) * size : page * size], "total": len(hits)},
        "links": {"self": f"{call.ctx.api}/vocabularies/{kind}"},
        "sortBy": "title",
    }
    return json_response(body)


def vocabulary_term(call: Call, kind: str, vid: str) -> Response:
    terms = VOCABULARIES.get(kind) or {}
    if vid not in terms:
        raise ApiError(404, "The persistent identifier does not exist.")
    return json_response(_vocab_hit(kind, vid, terms[vid]))


RULES = [
    Rule("/api/records", methods=["POST"], endpoint=create),
    Rule("/api/records", methods=["GET"], endpoint=records_search),
    Rule("/api/user/records", methods=["GET"], endpoint=user_records),
    Rule(R, methods=["GET"], endpoint=read_record),
    Rule(f"{R}/draft", methods=["GET"], endpoint=read_draft),
    Rule(f"{R}/draft", methods=["PUT"], endpoint=update_draft),
    Rule(f"{R}/draft", methods=["DELETE"], endpoint=delete_draft),
    Rule(f"{R}/draft", methods=["POST"], endpoint=edit),
    Rule(f"{R}/draft/actions/publish", methods=["POST"], endpoint=publish),
    Rule(f"{R}/draft/actions/files-import", methods=["POST"], endpoint=files_import),
    Rule(f"{R}/draft/pids/doi", methods=["POST"], endpoint=reserve_doi),
    Rule(f"{R}/draft/pids/doi", methods=["DELETE"], endpoint=discard_doi),
    Rule(f"{R}/versions", methods=["POST"], endpoint=new_version),
    Rule(f"{R}/versions", methods=["GET"], endpoint=versions),
    Rule(f"{R}/versions/latest", methods=["GET"], endpoint=latest),
    Rule(f"{R}/draft/files", methods=["GET"], endpoint=list_draft_files),
    Rule(f"{R}/draft/files", methods=["POST"], endpoint=init_files),
    Rule(f"{R}/draft/files", methods=["DELETE"], endpoint=delete_all_files),
    Rule(F, methods=["GET"], endpoint=read_draft_file),
    Rule(F, methods=["DELETE"], endpoint=delete_draft_file),
    Rule(f"{F}/content", methods=["PUT"], endpoint=put_content),
    Rule(f"{F}/content", methods=["GET"], endpoint=draft_content),
    Rule(f"{F}/commit", methods=["POST"], endpoint=commit),
    Rule(f"{R}/files", methods=["GET"], endpoint=list_record_files),
    Rule(f"{R}/files/<path:key>", methods=["GET"], endpoint=read_record_file),
    Rule(f"{R}/files/<path:key>/content", methods=["GET"], endpoint=record_content),
    Rule("/api/vocabularies/<kind>", methods=["GET"], endpoint=vocabulary),
    Rule("/api/vocabularies/<kind>/<vid>", methods=["GET"], endpoint=vocabulary_term),
]
