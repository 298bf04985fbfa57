"""Communities and their requests on the InvenioRDM API (invenio-rdm-records, invenio-requests).

Request costs: ``resolve`` 1 GET per slug; ``read_review`` 1 GET; ``create_review`` 1 PUT;
``submit_review`` 1 POST (+1 GET after a fault); ``open_requests`` 1 GET;
``request_inclusion`` 1 POST for all communities.

The calls, as InvenioRDM's resources define them:

* ``GET /communities/{slug or id}``;
* ``PUT /records/{id}/draft/review`` with ``{"type": "community-submission", "receiver":
  {"community": <id>}}`` makes the review request of a first version (status ``created``);
  ``POST /records/{id}/draft/actions/submit-review`` submits it; the draft cannot be published
  while it is open, and the curator's accept publishes it;
* ``POST /records/{id}/communities`` with ``{"communities": [{"id": ...}]}`` asks for the
  inclusion of a published record; the answer lists ``processed`` requests and ``errors``
  (e.g. already included, or a request already open);
* ``GET /records/{id}/requests?is_open=true`` lists the record's open requests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from zenodo_publish.errors import ServerError, TransportError, UnexpectedResponseError
from zenodo_publish.zenodo.backend import optional_object, require_type
from zenodo_publish.zenodo.errormap import error_for_response
from zenodo_publish.zenodo.http import ZenodoSession, parse_json_object

#: The requests and communities resources answer plain JSON (not the records' vendor type).
_JSON = "application/json"
SUBMISSION = "community-submission"
INCLUSION = "community-inclusion"


@dataclass(frozen=True)
class Community:
    id: str
    slug: str
    title: str


@dataclass(frozen=True)
class CommunityRequest:
    id: str
    type: str
    status: str  # created, submitted, accepted, declined, cancelled, expired
    community_id: str | None

    @property
    def is_open(self) -> bool:
        return self.status == "submitted"

    @property
    def is_closed(self) -> bool:
        return self.status in ("accepted", "declined", "cancelled", "expired")


@dataclass(frozen=True)
class InclusionAnswer:
    requests: tuple[CommunityRequest, ...]
    #: (community id, the server's message) for each community it did not make a request for
    refused: tuple[tuple[str, str], ...]


def parse_request(data: Mapping[str, Any], call: str) -> CommunityRequest:
    receiver = optional_object(data, "receiver", call)
    community = receiver.get("community")
    return CommunityRequest(
        id=str(require_type(data, "id", str, call)),
        type=str(data.get("type") or ""),
        status=str(require_type(data, "status", str, call)),
        community_id=str(community) if community is not None else None,
    )


class CommunitiesClient:
    def __init__(self, session: ZenodoSession) -> None:
        self.session = session

    def resolve(self, slug: str) -> Community | None:
        """The community named ``slug`` (or with that id); None when there is none."""
        path = f"/communities/{slug}"
        data = self.session.request_json(
            "GET", path, idempotent=True, accept=_JSON, ok=(200, 404, 410)
        )
        if data is None:
            return None
        call = f"GET {path}"
        metadata = optional_object(data, "metadata", call)
        return Community(
            id=str(require_type(data, "id", str, call)),
            slug=str(data.get("slug") or slug),
            title=str(metadata.get("title") or slug),
        )

    def read_review(self, draft_id: str) -> CommunityRequest | None:
        path = f"/records/{draft_id}/draft/review"
        data = self.session.request_json("GET", path, idempotent=True, accept=_JSON, ok=(200, 404))
        return None if data is None else parse_request(data, f"GET {path}")

    def create_review(self, draft_id: str, community_id: str) -> CommunityRequest:
        """Create (or replace a closed or unsubmitted) review request of a first version.
        Safe to repeat: the server replaces a review that is not open."""
        path = f"/records/{draft_id}/draft/review"
        body = {"type": SUBMISSION, "receiver": {"community": community_id}}
        data = self.session.request_json("PUT", path, idempotent=True, accept=_JSON, json=body)
        if data is None:
            raise UnexpectedResponseError(f"PUT {path}: empty answer")
        return parse_request(data, f"PUT {path}")

    def submit_review(self, draft_id: str, message: str) -> CommunityRequest:
        """Submit the review. Not repeated blindly: after a fault the review is re-read, and
        one already submitted (or decided) counts as done."""
        path = f"/records/{draft_id}/draft/actions/submit-review"
        body = {"payload": {"content": message, "format": "html"}}
        try:
            data = self.session.request_json(
                "POST", path, idempotent=False, accept=_JSON, json=body
            )
        except (ServerError, TransportError):
            current = self.read_review(draft_id)
            if current is not None and current.status != "created":
                return current
            raise
        if data is None:
            raise UnexpectedResponseError(f"POST {path}: empty answer")
        return parse_request(data, f"POST {path}")

    def open_requests(self, record_id: str) -> list[CommunityRequest]:
        path = f"/records/{record_id}/requests"
        data = self.session.request_json(
            "GET", path, idempotent=True, accept=_JSON, params={"is_open": "true", "size": 100}
        )
        if data is None:
            raise UnexpectedResponseError(f"GET {path}: empty answer")
        call = f"GET {path}"
        hits = require_type(require_type(data, "hits", dict, call), "hits", list, call)
        found = [parse_request(h, call) for h in hits if isinstance(h, dict)]
        return [r for r in found if r.is_open]

    def request_inclusion(self, record_id: str, community_ids: Sequence[str]) -> InclusionAnswer:
        path = f"/records/{record_id}/communities"
        body = {"communities": [{"id": c} for c in community_ids]}
        # Not idempotent, but a repeat is harmless: the server refuses a second open request
        # for the same community (it comes back in `errors`).
        # InvenioRDM answers 400 with the same shape when it made no request at all.
        response = self.session.request(
            "POST", path, idempotent=True, accept=_JSON, json=body, ok=(200, 400)
        )
        call = f"POST {path}"
        data = parse_json_object(response, call)
        if response.status_code == 400 and not all(
            isinstance(e, dict) and "community_id" in e for e in data.get("errors") or [None]
        ):
            raise error_for_response(response, "POST", response.url or path)
        made = [
            parse_request(optional_object(p, "request", call), call)
            for p in data.get("processed") or []
            if isinstance(p, dict)
        ]
        refused = tuple(
            (str(e.get("community_id")), str(e.get("message") or "refused"))
            for e in data.get("errors") or []
            if isinstance(e, dict)
        )
        return InclusionAnswer(tuple(made), refused)
