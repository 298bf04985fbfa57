"""Talking to Zenodo: the HTTP session and the two backends behind one interface.

``make_backend(endpoint, api, token)`` returns a :class:`Backend` with its own
:class:`ZenodoSession`; ``backend_for(api, session)`` wraps a session built by the caller (tests
inject clocks and sleeps that way). The sync engine needs nothing else but the data types.
"""

from __future__ import annotations

from typing import Literal, Protocol

from zenodo_publish.zenodo.backend import (
    Backend,
    ProgressCallback,
    RemoteFile,
    RemoteRecord,
    UploadSpec,
)
from zenodo_publish.zenodo.http import (
    ENDPOINTS,
    RetryPolicy,
    Timeouts,
    ZenodoSession,
    api_base_url,
    user_agent,
)
from zenodo_publish.zenodo.legacy import LegacyBackend
from zenodo_publish.zenodo.rdm import RDMBackend

ApiName = Literal["rdm", "legacy"]


class EndpointLike(Protocol):
    @property
    def api_url(self) -> str: ...


def backend_for(api: str, session: ZenodoSession) -> Backend:
    """The backend for ``api`` (``rdm``: InvenioRDM records API; ``legacy``: deposit API)."""
    if api == "rdm":
        return RDMBackend(session)
    if api == "legacy":
        return LegacyBackend(session)
    raise ValueError(f"unknown api {api!r}: expected 'rdm' or 'legacy'")


def make_backend(
    endpoint: str | EndpointLike,
    api: str,
    token: str | None,
    *,
    retry: RetryPolicy | None = None,
    timeouts: Timeouts | None = None,
) -> Backend:
    """A backend on a fresh session. ``endpoint`` is ``sandbox``, ``production``, an API URL
    (``https://host/api``) or an object with an ``api_url``."""
    url = endpoint if isinstance(endpoint, str) else endpoint.api_url
    session = ZenodoSession(api_base_url(url), token, retry=retry, timeouts=timeouts)
    return backend_for(api, session)


def share_rate_limit(backend: Backend, clients: int) -> None:
    """``clients`` processes (this one included) share ``backend``'s token, as the shards of a
    collection do: its pacer spends a fair share of the budget (zenodo.ratelimit)."""
    session = getattr(backend, "session", None)
    if isinstance(session, ZenodoSession):
        session.pacer.share(clients)


__all__ = [
    "ENDPOINTS",
    "ApiName",
    "Backend",
    "EndpointLike",
    "LegacyBackend",
    "ProgressCallback",
    "RDMBackend",
    "RemoteFile",
    "RemoteRecord",
    "RetryPolicy",
    "Timeouts",
    "UploadSpec",
    "ZenodoSession",
    "api_base_url",
    "backend_for",
    "make_backend",
    "share_rate_limit",
    "user_agent",
]
