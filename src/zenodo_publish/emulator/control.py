"""The control API under ``/_emulator/``: no auth, loopback clients only, outside the rate
limit and the request log. See the package docstring for the endpoint list."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from zenodo_publish.emulator.state import JSON, ApiError, Record, Version
from zenodo_publish.emulator.web import json_response

if TYPE_CHECKING:
    from zenodo_publish.emulator.app import EmulatorApp


def is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _body(request: Request) -> Any:
    data = request.get_json(force=True, silent=True)
    if data is None and request.get_data():
        raise ApiError(400, "The request body is not valid JSON.")
    return data if data is not None else {}


def _bad(error: ValueError) -> ApiError:
    return ApiError(400, str(error))


def health(app: EmulatorApp, request: Request) -> Response:
    return json_response({"status": "ok", "api_url": app.api_url, "flavour": app.config.flavour})


def reset(app: EmulatorApp, request: Request) -> Response:
    app.reset()
    return json_response({"status": "ok", "token": app.default_token})


def _version_dump(version: Version | None) -> JSON | None:
    if version is None:
        return None
    return {
        "revision_id": version.revision_id,
        "metadata": version.metadata,
        "access": version.access,
        "pids": version.pids,
        "errors": version.errors,
        "bucket": {"id": version.bucket.id, "locked": version.bucket.locked},
        "files": [
            {
                "key": e.key,
                "status": e.status,
                "size": e.size,
                "checksum": e.checksum,
                "file_id": e.file_id,
            }
            for e in version.bucket.entries.values()
        ],
    }


def _record_dump(record: Record) -> JSON:
    return {
        "id": record.id,
        "parent_id": record.parent_id,
        "owner": record.owner,
        "index": record.index,
        "draft": _version_dump(record.draft),
        "published": _version_dump(record.published),
    }


def state(app: EmulatorApp, request: Request) -> Response:
    store = app.store
    with store.lock:
        body = {
            "counter": store.counter,
            "users": [
                {"id": u.id, "email": u.email, "token": u.token} for u in store.users.values()
            ],
            "parents": [
                {"id": p.id, "owner": p.owner, "doi": p.doi, "record_ids": p.record_ids}
                for p in store.parents.values()
            ],
            "records": [_record_dump(r) for r in store.records.values()],
        }
    return json_response(body)


def log(app: EmulatorApp, request: Request) -> Response:
    if request.method == "DELETE":
        return json_response({"next": app.log.clear()})
    try:
        since = int(request.args.get("since", 0))
    except ValueError as error:
        raise _bad(error) from None
    entries, next_index = app.log.since(since)
    return json_response(
        {"entries": entries, "next": next_index, "connections_opened": app.connections_opened}
    )


def users(app: EmulatorApp, request: Request) -> Response:
    if request.method == "GET":
        return json_response(
            [{"id": u.id, "email": u.email, "token": u.token} for u in app.store.users.values()]
        )
    body = _body(request)
    try:
        user = app.store.add_user(email=body.get("email"), token=body.get("token"))
    except ValueError as error:
        raise _bad(error) from None
    return json_response({"id": user.id, "email": user.email, "token": user.token}, 201)


def config(app: EmulatorApp, request: Request) -> Response:
    if request.method == "PATCH":
        try:
            app.config.update(_body(request))
        except (ValueError, TypeError) as error:
            raise ApiError(400, str(error)) from None
    return json_response(app.config.public())


def faults(app: EmulatorApp, request: Request) -> Response:
    if request.method == "POST":
        try:
            fault = app.faults.add(_body(request))
        except (ValueError, TypeError) as error:
            raise ApiError(400, str(error)) from None
        return json_response(fault.public(), 201)
    if request.method == "DELETE":
        app.faults.clear()
    return json_response(app.faults.list())


def latency(app: EmulatorApp, request: Request) -> Response:
    try:
        if request.method == "PUT":
            app.faults.set_latency(_body(request))
        elif request.method == "DELETE":
            app.faults.set_latency({})
    except (ValueError, TypeError) as error:
        raise ApiError(400, str(error)) from None
    return json_response(app.faults.latency.public())


def clock(app: EmulatorApp, request: Request) -> Response:
    the_clock = app.config.clock
    if request.method == "POST":
        body = _body(request)
        if "freeze" in body:
            at = body["freeze"]
            the_clock.freeze(None if at is True else float(at))
        if "advance" in body:
            the_clock.advance(float(body["advance"]))
        if body.get("unfreeze"):
            the_clock.unfreeze()
    return json_response({"now": the_clock.now(), "frozen": the_clock.frozen})


RULES = [
    Rule("/_emulator/health", methods=["GET"], endpoint=health),
    Rule("/_emulator/reset", methods=["POST"], endpoint=reset),
    Rule("/_emulator/state", methods=["GET"], endpoint=state),
    Rule("/_emulator/log", methods=["GET", "DELETE"], endpoint=log),
    Rule("/_emulator/users", methods=["GET", "POST"], endpoint=users),
    Rule("/_emulator/config", methods=["GET", "PATCH"], endpoint=config),
    Rule("/_emulator/faults", methods=["GET", "POST", "DELETE"], endpoint=faults),
    Rule("/_emulator/latency", methods=["GET", "PUT", "DELETE"], endpoint=latency),
    Rule("/_emulator/clock", methods=["GET", "POST"], endpoint=clock),
]
