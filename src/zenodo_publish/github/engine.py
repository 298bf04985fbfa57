"""The seam between the action adapter and the sync engine.

The entrypoint decides *what* may happen (policy) and reports *what did* happen (outputs,
summary, commit-back); the engine does the work. It receives one :class:`EngineRequest` and
returns the :class:`~zenodo_publish.sync.result.RunResult` contract, so the adapter is tested with
a fake engine and the real one is plugged in with ``main(engine=...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from zenodo_publish.errors import UsageError
from zenodo_publish.github.inputs import Api
from zenodo_publish.github.policy import RunMode
from zenodo_publish.sync.result import RunResult


@dataclass(frozen=True)
class EngineRequest:
    """One run of the engine, as the policy allowed it.

    ``mode`` ``publish`` means sync then publish; ``may_publish`` with ``plan`` means the plan
    should show the publish that a sync would do. ``version`` is the tag's version (``v`` removed)
    on tag and release runs, else ``None`` (the manifest's). ``endpoint``/``api`` are the inputs'
    overrides, ``None`` when not given. Paths are absolute.
    """

    mode: RunMode
    manifest_path: Path
    repo_root: Path
    zenodo_token: str | None = field(repr=False)
    endpoint: str | None
    api: Api | None
    may_publish: bool
    version: str | None
    dry_run: bool
    parallel_uploads: int


Engine = Callable[[EngineRequest], RunResult]


def unwired_engine(request: EngineRequest) -> RunResult:
    """Stand-in until the sync engine is plugged in: validate answers after the entrypoint has
    read the manifest's settings; every other mode refuses plainly instead of pretending."""
    if request.mode == "validate":
        return RunResult(
            mode="validate",
            endpoint=request.endpoint or "sandbox",
            messages=(
                f"{request.manifest_path.name} read; the full schema validation arrives with "
                "the manifest layer",
            ),
        )
    raise UsageError(
        f"mode `{request.mode}` is not available in this build of the action yet",
        hint="use `mode: validate` until the sync engine is wired in",
    )
