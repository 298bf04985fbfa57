"""Talking to Zenodo: the HTTP session and the two backends behind one interface.

``make_backend("rdm" | "legacy", session)`` returns a :class:`Backend`; the sync engine uses
nothing else from this package except the data types.
"""

from __future__ import annotations

from typing import Literal

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


def make_backend(api: ApiName, session: ZenodoSession) -> Backend:
    """The backend for ``api`` (``rdm``: InvenioRDM records API; ``legacy``: deposit API)."""
    if api == "rdm":
        return RDMBackend(session)
    if api == "legacy":
        return LegacyBackend(session)
    raise ValueError(f"unknown api {api!r}: expected 'rdm' or 'legacy'")


__all__ = [
    "ENDPOINTS",
    "ApiName",
    "Backend",
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
    "make_backend",
    "user_agent",
]
