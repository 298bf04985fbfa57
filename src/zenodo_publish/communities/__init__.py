"""Communities on the InvenioRDM API (SPEC §11): the review of a new record's first publish and
the inclusion requests of a published one. Uses the sync engine's results; the engine calls
:func:`plan_communities` before applying its plan and :func:`apply_communities` after."""

from zenodo_publish.communities.flow import (
    CommunityOutcome,
    CommunityPlan,
    CommunityStep,
    apply_communities,
    plan_communities,
)

__all__ = [
    "CommunityOutcome",
    "CommunityPlan",
    "CommunityStep",
    "apply_communities",
    "plan_communities",
]
