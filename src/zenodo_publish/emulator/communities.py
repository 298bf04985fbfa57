"""Communities and their requests, as InvenioRDM (and so Zenodo) serves them.

* ``GET /api/communities/{slug or id}``; communities are made through the control API
  (``POST /_emulator/communities``), as a site administrator would.
* The review of a new record: ``PUT /api/records/{id}/draft/review`` creates a
  ``community-submission`` request (status ``created``), ``POST .../draft/actions/submit-review``
  submits it. A draft with an open review cannot be published nor deleted; one review per draft.
* Inclusion of a published record: ``POST /api/records/{id}/communities`` makes a
  ``community-inclusion`` request per community, refused (in ``errors``) when the record is
  already in the community or a request for it is still open.
* ``GET /api/requests/{id}``, ``GET /api/records/{id}/requests`` (``is_open`` filter).
* Curators decide through the control API: ``POST /_emulator/requests/{id}/accept`` (a
  submission publishes the draft into the community) or ``.../decline``.

Nobody in the emulator may include records directly: every request waits for a curator, which
is what an ordinary Zenodo user meets.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from zenodo_publish.emulator.state import JSON, ApiError, Record, Store, not_found
from zenodo_publish.emulator.web import Call, json_response

if TYPE_CHECKING:
    from zenodo_publish.emulator.app import EmulatorApp

SUBMISSION = "community-submission"
INCLUSION = "community-inclusion"
OPEN = frozenset({"submitted"})
CLOSED = frozenset({"accepted", "declined", "cancelled", "expired"})
ALREADY_INCLUDED = "The record is already included in this community."
ALREADY_REQUESTED = "There is already an open inclusion request for this community."


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


@dataclass
class Community:
    id: str
    slug: str
    title: str
    created: float


@dataclass
class ChangeRequest:
    id: str
    number: int
    type: str
    community_id: str
    record_id: int
    owner: int
    created: float
    updated: float
    status: str = "created"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED


@dataclass
class CommunityState:
    communities: dict[str, Community] = field(default_factory=dict)
    requests: dict[str, ChangeRequest] = field(default_factory=dict)
    #: parent id -> ids of the communities its records are in (accepted requests)
    members: dict[int, list[str]] = field(default_factory=dict)
    #: parent id -> the request id of its first version's review
    reviews: dict[int, str] = field(default_factory=dict)


def state_of(owner: EmulatorApp | Store) -> CommunityState:
    """The communities' part of the emulator's state (made afresh by every reset)."""
    store = owner if isinstance(owner, Store) else owner.store
    if not isinstance(store.community_state, CommunityState):
        store.community_state = CommunityState()
    return store.community_state


def find_community(state: CommunityState, key: str) -> Community | None:
    if key in state.communities:
        return state.communities[key]
    return next((c for c in state.communities.values() if c.slug == key), None)


def community_json(ctx_api: str, community: Community) -> JSON:
    return {
        "id": community.id,
        "slug": community.slug,
        "created": iso(community.created),
        "metadata": {"title": community.title},
        "access": {
            "visibility": "public",
            "member_policy": "open",
            "record_submission_policy": "open",
            "review_policy": "closed",
        },
        "links": {
            "self": f"{ctx_api}/communities/{community.id}",
            "self_html": f"{ctx_api.removesuffix('/api')}/communities/{community.slug}",
        },
    }


def request_json(ctx_api: str, request: ChangeRequest) -> JSON:
    return {
        "id": request.id,
        "number": str(request.number),
        "type": request.type,
        "status": request.status,
        "is_open": request.is_open,
        "is_closed": request.is_closed,
        "is_expired": request.status == "expired",
        "created": iso(request.created),
        "updated": iso(request.updated),
        "receiver": {"community": request.community_id},
        "topic": {"record": str(request.record_id)},
        "created_by": {"user": str(request.owner)},
        "links": {
            "self": f"{ctx_api}/requests/{request.id}",
            "actions": {"cancel": f"{ctx_api}/requests/{request.id}/actions/cancel"}
            if request.is_open
            else {},
        },
    }


def parent_fields(store: Store, record: Record, legacy_ids: list[str]) -> JSON:
    """What the record JSON's ``parent`` shows of communities and the review."""
    state = state_of(store)
    ids = list(dict.fromkeys([*legacy_ids, *state.members.get(record.parent_id, [])]))
    shown: JSON = {"communities": {"ids": ids, "default": ids[0] if ids else None}}
    review_id = state.reviews.get(record.parent_id)
    if review_id is not None and review_id in state.requests:
        review = state.requests[review_id]
        shown["review"] = {
            "id": review.id,
            "type": review.type,
            "status": review.status,
            "receiver": {"community": review.community_id},
        }
    return shown


def open_review(app: EmulatorApp, record: Record) -> ChangeRequest | None:
    """The review that blocks publishing: any that is not closed (created or submitted)."""
    state = state_of(app)
    review_id = state.reviews.get(record.parent_id)
    review = state.requests.get(review_id) if review_id else None
    if review is None or review.is_closed or record.published is not None:
        return None
    return review


def check_publish(call: Call, record_id: str) -> None:
    record, _draft = call.service.draft_of(call.user, record_id)
    if open_review(call.app, record) is not None:
        raise ApiError(
            400,
            "You cannot publish a draft with an open review request. Please cancel the "
            "review request first.",
        )


def check_delete(call: Call, record_id: str) -> None:
    record, _draft = call.service.draft_of(call.user, record_id)
    review = open_review(call.app, record)
    if review is not None and review.is_open:
        raise ApiError(
            400, "You cannot delete a draft with an open review. Please cancel the review first."
        )


# --- the API ----------------------------------------------------------------------------------


def read_community(call: Call, key: str) -> Response:
    community = find_community(state_of(call.app), key)
    if community is None:
        raise not_found()
    return json_response(community_json(call.ctx.api, community))


def _new_request(
    call: Call, kind: str, community: Community, record: Record, status: str
) -> ChangeRequest:
    state = state_of(call.app)
    now = call.service.now()
    request = ChangeRequest(
        id=str(uuid.uuid4()),
        number=len(state.requests) + 1,
        type=kind,
        community_id=community.id,
        record_id=record.id,
        owner=record.owner,
        created=now,
        updated=now,
        status=status,
    )
    state.requests[request.id] = request
    return request


def _review_of(call: Call, record_id: str) -> tuple[Record, ChangeRequest | None]:
    record, _draft = call.service.draft_of(call.user, record_id)
    state = state_of(call.app)
    review_id = state.reviews.get(record.parent_id)
    return record, state.requests.get(review_id) if review_id else None


def put_review(call: Call, id: str) -> Response:
    record, existing = _review_of(call, id)
    body = call.json(default={})
    if not isinstance(body, dict) or body.get("type") != SUBMISSION:
        raise ApiError(400, "A validation error occurred.", [_err("type", "Invalid review type.")])
    if record.published is not None:
        raise ApiError(400, "You cannot create a review for an already published record.")
    if record.index > 1:
        raise ApiError(400, "You cannot create a review for a new version of a published record.")
    receiver = body.get("receiver")
    key = receiver.get("community") if isinstance(receiver, dict) else None
    community = find_community(state_of(call.app), key) if isinstance(key, str) else None
    if community is None:
        raise ApiError(400, "A validation error occurred.", [_err("receiver", "Invalid receiver.")])
    state = state_of(call.app)
    if existing is not None:
        if existing.is_open:
            raise ApiError(400, "An open review cannot be deleted.")
        if not existing.is_closed:
            del state.requests[existing.id]
    review = _new_request(call, SUBMISSION, community, record, "created")
    state.reviews[record.parent_id] = review.id
    return json_response(request_json(call.ctx.api, review))


def get_review(call: Call, id: str) -> Response:
    _record, review = _review_of(call, id)
    if review is None:
        raise ApiError(404, "Review for draft not found")
    return json_response(request_json(call.ctx.api, review))


def delete_review(call: Call, id: str) -> Response:
    record, review = _review_of(call, id)
    if review is None:
        raise ApiError(404, "Review for draft not found")
    if review.is_open:
        raise ApiError(400, "An open review cannot be deleted.")
    state = state_of(call.app)
    if not review.is_closed:
        del state.requests[review.id]
    del state.reviews[record.parent_id]
    return Response(status=204)


def submit_review(call: Call, id: str) -> Response:
    _record, review = _review_of(call, id)
    if review is None:
        raise ApiError(404, "Review for draft not found")
    if review.status != "created":
        raise ApiError(400, f"Action submit not allowed on a request in status {review.status}.")
    review.status = "submitted"
    review.updated = call.service.now()
    return json_response(request_json(call.ctx.api, review), 202)


def add_communities(call: Call, id: str) -> Response:
    record, _version = call.service.published_of(call.user, id)
    if call.user is None or record.owner != call.user.id:
        raise ApiError(403, "Permission denied.")
    body = call.json(default={})
    wanted = body.get("communities") if isinstance(body, dict) else None
    if not isinstance(wanted, list) or not wanted:
        problem = _err("communities", "Shorter than minimum length 1.")
        raise ApiError(400, "A validation error occurred.", [problem])
    state = state_of(call.app)
    processed: list[JSON] = []
    errors: list[JSON] = []
    for item in wanted:
        key = item.get("id") if isinstance(item, dict) else None
        result: JSON = {"community_id": key}
        community = find_community(state, key) if isinstance(key, str) else None
        if community is None:
            errors.append({**result, "message": "Community not found."})
        elif community.id in state.members.get(record.parent_id, []):
            errors.append({**result, "message": ALREADY_INCLUDED})
        elif any(
            r.is_open and r.community_id == community.id and r.record_id == record.id
            for r in state.requests.values()
            if r.type == INCLUSION
        ):
            errors.append({**result, "message": ALREADY_REQUESTED})
        else:
            request = _new_request(call, INCLUSION, community, record, "submitted")
            processed.append(
                {**result, "request_id": request.id, "request": request_json(call.ctx.api, request)}
            )
    # As InvenioRDM: 400 when no request was made (e.g. every community refused).
    return json_response({"processed": processed, "errors": errors}, 200 if processed else 400)


def record_requests(call: Call, id: str) -> Response:
    record = call.service.owned(call.user, id)
    state = state_of(call.app)
    is_open = call.request.args.get("is_open", "").lower()
    hits = [
        request_json(call.ctx.api, r)
        for r in state.requests.values()
        if r.record_id == record.id
        and r.status != "created"
        and (is_open not in ("true", "false") or r.is_open == (is_open == "true"))
    ]
    return json_response(
        {
            "hits": {"hits": hits, "total": len(hits)},
            "links": {"self": f"{call.ctx.api}/records/{id}/requests"},
            "sortBy": "newest",
        }
    )


def read_request(call: Call, request_id: str) -> Response:
    request = state_of(call.app).requests.get(request_id)
    if request is None or call.user is None or request.owner != call.user.id:
        raise not_found()
    return json_response(request_json(call.ctx.api, request))


def _err(field_name: str, message: str) -> JSON:
    return {"field": field_name, "messages": [message]}


RULES = [
    Rule("/api/communities/<key>", methods=["GET"], endpoint=read_community),
    Rule("/api/records/<id>/draft/review", methods=["PUT"], endpoint=put_review),
    Rule("/api/records/<id>/draft/review", methods=["GET"], endpoint=get_review),
    Rule("/api/records/<id>/draft/review", methods=["DELETE"], endpoint=delete_review),
    Rule("/api/records/<id>/draft/actions/submit-review", methods=["POST"], endpoint=submit_review),
    Rule("/api/records/<id>/communities", methods=["POST"], endpoint=add_communities),
    Rule("/api/records/<id>/requests", methods=["GET"], endpoint=record_requests),
    Rule("/api/requests/<request_id>", methods=["GET"], endpoint=read_request),
]


# --- the control API: communities made and requests decided by "curators" ------------------------


def control_communities(app: EmulatorApp, request: Request) -> Response:
    state = state_of(app)
    api = app.api_url
    if request.method == "GET":
        return json_response([community_json(api, c) for c in state.communities.values()])
    body: Any = request.get_json(force=True, silent=True) or {}
    slug = body.get("slug") if isinstance(body, dict) else None
    if not isinstance(slug, str) or not slug:
        raise ApiError(400, 'give the community\'s slug: {"slug": "...", "title": "..."}')
    with app.store.lock:
        if find_community(state, slug) is not None:
            raise ApiError(400, f"community {slug} exists already")
        community = Community(
            str(uuid.uuid4()), slug, str(body.get("title") or slug), app.service.now()
        )
        state.communities[community.id] = community
    return json_response(community_json(api, community), 201)


def control_decide(app: EmulatorApp, request: Request, request_id: str, action: str) -> Response:
    state = state_of(app)
    with app.store.lock:
        change = state.requests.get(request_id)
        if change is None:
            raise ApiError(404, f"no request {request_id}")
        if not change.is_open:
            raise ApiError(400, f"request {request_id} is {change.status}, not open")
        record = app.store.records[change.record_id]
        if action == "accept":
            if change.type == SUBMISSION:
                owner = app.store.users[change.owner]
                record = app.service.publish(owner, str(record.id))
            members = state.members.setdefault(record.parent_id, [])
            if change.community_id not in members:
                members.append(change.community_id)
            change.status = "accepted"
        else:
            change.status = "declined"
        change.updated = app.service.now()
        return json_response(request_json(app.api_url, change))


CONTROL_RULES = [
    Rule("/_emulator/communities", methods=["GET", "POST"], endpoint=control_communities),
    Rule(
        "/_emulator/requests/<request_id>/<any(accept, decline):action>",
        methods=["POST"],
        endpoint=control_decide,
    ),
]
