"""What a run does about ``metadata.communities`` on the InvenioRDM API, and doing it.

The rules (Zenodo's, through InvenioRDM):

* The first publish of a new record with communities is a review request to the first one
  (``community-submission``) instead of a publish: the draft stays a draft "in review" until a
  curator accepts (the server publishes it then) or declines.
* A published record gets an inclusion request (``community-inclusion``) for each listed
  community it is not in and has no open request for. Nothing is ever removed.
* A declined review is not sent again to the same community: the run says so and what to do.
* Every slug is resolved first; unknown ones are an error before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from zenodo_publish.errors import StateError, UsageError
from zenodo_publish.zenodo.backend import RemoteRecord
from zenodo_publish.zenodo.communities import (
    INCLUSION,
    CommunitiesClient,
    Community,
    CommunityRequest,
)

StepAction = Literal["review", "submit_review", "include"]
ReviewState = Literal["in review", "declined", "accepted"]

REVIEW_MESSAGE = "Submitted by zenodo-publish from the repository's manifest."


@dataclass(frozen=True)
class CommunityStep:
    action: StepAction
    community: Community
    reason: str

    def as_json(self) -> dict[str, str]:
        kind = "review" if self.action in ("review", "submit_review") else "inclusion"
        return {
            "request": kind,
            "community": self.community.slug,
            "community_id": self.community.id,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class CommunityPlan:
    steps: tuple[CommunityStep, ...] = ()
    #: Where the first version's review stands before this run (None: no review).
    review_state: ReviewState | None = None
    #: The engine must not publish the draft itself: the review does (or blocks it).
    hold_publish: bool = False
    notes: tuple[str, ...] = ()

    def as_json(self) -> list[dict[str, str]]:
        return [step.as_json() for step in self.steps]


@dataclass(frozen=True)
class CommunityOutcome:
    review_state: ReviewState | None
    requests: tuple[CommunityRequest, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


def resolve_all(client: CommunitiesClient, slugs: Sequence[str], site: str) -> list[Community]:
    """Every community, or a UsageError naming all unknown slugs (before any write)."""
    found: list[Community] = []
    unknown: list[str] = []
    for slug in dict.fromkeys(slugs):
        community = client.resolve(slug)
        if community is None:
            unknown.append(slug)
        else:
            found.append(community)
    if unknown:
        raise UsageError(
            f"metadata.communities: {', '.join(unknown)} "
            f"{'is not a community' if len(unknown) == 1 else 'are not communities'} on {site}",
            hint="use the community's identifier as in its URL (…/communities/<identifier>); "
            "sandbox and production have different communities",
        )
    return found


def _member_ids(record: RemoteRecord) -> set[str]:
    parent = record.raw.get("parent")
    communities = parent.get("communities") if isinstance(parent, dict) else None
    ids = communities.get("ids") if isinstance(communities, dict) else None
    return {str(i) for i in ids} if isinstance(ids, list) else set()


def _is_first_version(record: RemoteRecord | None) -> bool:
    if record is None:
        return True
    return not record.is_published and (record.version_index or 1) <= 1


def plan_communities(
    client: CommunitiesClient,
    slugs: Sequence[str],
    record: RemoteRecord | None,
    *,
    publishing: bool,
    site: str,
) -> CommunityPlan:
    """Read what exists (communities, the review, open requests) and decide. No writes."""
    if not slugs:
        return CommunityPlan()
    communities = resolve_all(client, slugs, site)
    if _is_first_version(record):
        return _plan_review(client, communities, record, publishing=publishing)
    assert record is not None
    if not record.is_published:
        return CommunityPlan(
            notes=(
                "communities: inclusion requests for this new version follow once it is published",
            )
        )
    members = _member_ids(record)
    missing = [c for c in communities if c.id not in members]
    if not missing:
        return CommunityPlan()
    pending = {r.community_id for r in client.open_requests(record.id) if r.type in (INCLUSION, "")}
    notes = [
        f"communities: the inclusion request to {c.slug} is still open"
        for c in missing
        if c.id in pending
    ]
    steps = tuple(
        CommunityStep("include", c, "listed in metadata.communities; the record is not in it")
        for c in missing
        if c.id not in pending
    )
    return CommunityPlan(steps=steps, notes=tuple(notes))


def _plan_review(
    client: CommunitiesClient,
    communities: list[Community],
    record: RemoteRecord | None,
    *,
    publishing: bool,
) -> CommunityPlan:
    first = communities[0]
    rest = [c.slug for c in communities[1:]]
    later = f"; inclusion requests to {', '.join(rest)} follow once it is published" if rest else ""
    review = client.read_review(record.id) if record is not None else None
    if review is not None and review.is_open:
        return CommunityPlan(
            review_state="in review",
            hold_publish=True,
            notes=(
                f"communities: the record is in review by {_slug_of(review, communities)}; "
                f"a curator's acceptance publishes it{later}",
            ),
        )
    if review is not None and review.status == "declined" and review.community_id == first.id:
        return CommunityPlan(
            review_state="declined",
            hold_publish=True,
            notes=(
                f"communities: {first.slug} declined the review of this record; it stays an "
                "unpublished draft. To publish, put another community first in "
                f"metadata.communities (or remove {first.slug}) and run again; to ask "
                f"{first.slug} again, contact its curators",
            ),
        )
    if not publishing:
        note = (
            f"communities: publishing will send a review request to {first.slug} instead of "
            f"publishing directly{later}"
        )
        return CommunityPlan(notes=(note,))
    unsubmitted = (
        review is not None and review.status == "created" and review.community_id == first.id
    )
    action: StepAction = "submit_review" if unsubmitted else "review"
    step = CommunityStep(action, first, "first publish of a new record with communities")
    return CommunityPlan(
        steps=(step,),
        hold_publish=True,
        notes=(f"communities: publishing = a review request to {first.slug}{later}",),
    )


def _slug_of(review: CommunityRequest, communities: list[Community]) -> str:
    for community in communities:
        if community.id == review.community_id:
            return community.slug
    return f"community {review.community_id}"


def apply_communities(
    client: CommunitiesClient, plan: CommunityPlan, record: RemoteRecord
) -> CommunityOutcome:
    """Send the plan's requests for ``record`` (the draft or the published record after the
    sync). Returns where the review stands and what was requested."""
    review_state = plan.review_state
    made: list[CommunityRequest] = []
    notes: list[str] = []
    includes = [s.community for s in plan.steps if s.action == "include"]
    for step in plan.steps:
        if step.action == "include":
            continue
        if step.action == "review":
            client.create_review(record.id, step.community.id)
        submitted = client.submit_review(record.id, REVIEW_MESSAGE)
        made.append(submitted)
        if submitted.status == "accepted":
            review_state = "accepted"
            notes.append(f"communities: {step.community.slug} accepted the record directly")
        elif submitted.is_open:
            review_state = "in review"
            notes.append(f"communities: review request sent to {step.community.slug}")
        else:
            raise StateError(
                f"the review request to {step.community.slug} is {submitted.status} right "
                "after submitting it",
                hint="look at the request on Zenodo; run again once it is sorted out",
            )
    if includes:
        if not record.is_published:
            raise StateError(f"record {record.id} is not published: no inclusion request")
        answer = client.request_inclusion(record.id, [c.id for c in includes])
        made.extend(answer.requests)
        by_id = {c.id: c.slug for c in includes}
        for request in answer.requests:
            slug = by_id.get(request.community_id or "", request.community_id)
            notes.append(f"communities: inclusion request sent to {slug}")
        for community_id, message in answer.refused:
            notes.append(f"communities: {by_id.get(community_id, community_id)}: {message}")
    return CommunityOutcome(review_state, tuple(made), tuple(notes))


def plan_json(plan: CommunityPlan) -> dict[str, Any]:
    return {"requests": plan.as_json(), "review_state": plan.review_state}
