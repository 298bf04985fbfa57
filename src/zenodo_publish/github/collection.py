"""The action for a collection manifest (``records:``, SPEC §9): one step of a matrix job.

The policy has already decided what may happen (mode, publishing, commit); here the records of
the step's selection (inputs ``records`` and ``shard``) are run one by one, each on its own, the
record folder is committed (shards write different files, so their pushes only ever need a
rebase), and the step summary gets a table of every record. Records that failed are listed in
the ``::error::`` line and make the step fail, after the others' record files were committed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from zenodo_publish.collection.manifest import load_collection
from zenodo_publish.collection.report import render_markdown
from zenodo_publish.collection.run import CollectionRequest, CollectionResult, run_collection
from zenodo_publish.collection.selection import Shard, chosen
from zenodo_publish.errors import RecordsFailed
from zenodo_publish.github.engine import WorkflowReporter
from zenodo_publish.github.inputs import ActionInputs
from zenodo_publish.github.outputs import CommitOutcome
from zenodo_publish.github.policy import Decision
from zenodo_publish.github.workflow import Workflow
from zenodo_publish.sync.engine import BackendFactory


@dataclass(frozen=True)
class CollectionStep:
    manifest_path: Path
    repo_root: Path
    repository_url: str | None
    backend_factory: BackendFactory | None = None


def run_collection_step(
    step: CollectionStep,
    inputs: ActionInputs,
    decision: Decision,
    log: Workflow,
    *,
    commit: Callable[[str], CommitOutcome],
    summary: Callable[[str], None],
    after: Callable[[CollectionResult], None] | None = None,
) -> tuple[CollectionResult, CommitOutcome]:
    """Run the selected records, commit the record folder, write the summary. Raises
    :class:`RecordsFailed` (after all of that) when some records failed."""
    wanted = inputs.records
    shard = inputs.shard

    def check_files(keys: Sequence[str]) -> tuple[str, ...]:
        return chosen(keys, wanted=wanted or None, shard=shard)

    collection = load_collection(
        step.manifest_path, repo_root=step.repo_root, check_files=check_files
    )
    request = CollectionRequest(
        mode=decision.mode,
        token=inputs.zenodo_token,
        endpoint=inputs.endpoint,
        api=inputs.api,
        may_publish=decision.may_publish,
        version=decision.version,
        dry_run=inputs.dry_run,
        parallel=inputs.parallel_uploads,
        repository_url=step.repository_url,
        records=wanted or None,
        shard=shard,
    )
    with log.group(f"Zenodo Publish: {decision.mode}, collection {_what(shard)}"):
        result = run_collection(
            collection,
            request,
            reporter=WorkflowReporter(log),
            backend_factory=step.backend_factory,
        )
    outcome = CommitOutcome()
    if decision.commit and not request.dry_run and decision.mode in ("sync", "publish"):
        with log.group("Zenodo Publish: commit the record files"):
            outcome = commit(result.record_folder)
    summary(render_markdown(result))
    if after is not None:  # the mirrors (SPEC §10), for the records that went through
        after(result)
    if result.failed:
        reasons = [(o.key, o.error or "") for o in result.outcomes if not o.ok]
        raise RecordsFailed(reasons, total=len(result.outcomes))
    return result, outcome


def _what(shard: Shard | None) -> str:
    return f"shard {shard}" if shard is not None else "all records"
