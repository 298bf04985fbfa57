"""The container action's entrypoint: ``python -m zenodo_publish.github``.

mask secrets → parse inputs → read the event → decide the policy → run the engine → outputs,
step summary, commit-back. One handler at the top turns a :class:`ZenodoPublishError` into a
one-line ``::error::``, a Markdown explanation in the step summary and the error's exit code;
tracebacks only with ``RUNNER_DEBUG=1`` (the runner sets it on "re-run with debug logging").
"""

from __future__ import annotations

import dataclasses
import os
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from zenodo_publish import checksum, paths, tokens
from zenodo_publish.collection.manifest import is_collection
from zenodo_publish.errors import ManifestError, UsageError, ZenodoPublishError
from zenodo_publish.github import git
from zenodo_publish.github.collection import CollectionStep, run_collection_step
from zenodo_publish.github.engine import (
    Engine,
    EngineRequest,
    Mirrorer,
    MirrorRequest,
    ReadSettings,
    mirror_engine,
    read_manifest_policy,
    sync_engine,
)
from zenodo_publish.github.inputs import ActionInputs, parse_inputs, read_secrets
from zenodo_publish.github.outputs import ActionOutputs, CommitOutcome, OutputWriter
from zenodo_publish.github.policy import (
    PR_EVENTS,
    Decision,
    ManifestPolicy,
    Trigger,
    decide,
    read_trigger,
)
from zenodo_publish.github.summary import (
    SummaryWriter,
    render_failure,
    render_mirrors,
    render_published_headline,
    render_result,
)
from zenodo_publish.github.workflow import Workflow
from zenodo_publish.humanize import plural
from zenodo_publish.manifest.loader import parse_yaml
from zenodo_publish.manifest.settings import parse_endpoint
from zenodo_publish.process_exit import exit_process

if TYPE_CHECKING:
    from zenodo_publish.collection.run import CollectionResult
    from zenodo_publish.mirror.run import MirrorResult

EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 1


def main(
    environ: Mapping[str, str] = os.environ,
    *,
    engine: Engine | None = None,
    read_settings: ReadSettings = read_manifest_policy,
    git_remote: str | None = None,
    stream: TextIO | None = None,
    mirrorer: Mirrorer | None = None,
) -> int:
    """Run the action. ``git_remote`` overrides where commit-back pushes (tests use a file://
    bare repository); by default the repository URL with the ``github_token`` in a header, or
    the checkout's ``origin`` and its persisted credentials when no token is given."""
    log = Workflow(stream)
    debug = environ.get("RUNNER_DEBUG", "") == "1"
    working_directory = "."
    try:
        # Masks before anything else is printed, even before an input error can be reported.
        for secret in read_secrets(environ):
            log.add_mask(secret)
        github_token = environ.get("INPUT_GITHUB_TOKEN", "").strip()
        if github_token:
            log.mask_all(git.derived_secrets(github_token))
        inputs = parse_inputs(environ)
        working_directory = inputs.working_directory
        chosen = engine if engine is not None else sync_engine(log)
        mirrors = mirrorer if mirrorer is not None else _default_mirrorer(engine, log)
        # The mirrors after the sync reuse the sync's md5s instead of hashing again (issue 15).
        with checksum.once_per_run():
            return _run(environ, inputs, log, chosen, read_settings, git_remote, mirrors)
    except ZenodoPublishError as error:
        if debug:
            log.echo("".join(traceback.format_exception(error)))
        if isinstance(error, ManifestError) and error.problems:
            # One annotation per problem, on its line; the count goes to the log only.
            for problem in error.problems:
                log.problem(problem, base=working_directory)
            log.echo(f"{error.title}: {plural(len(error.problems), 'problem')}")
        else:
            log.failure(error)
        _append_summary(environ, render_failure(error, base=working_directory), log)
        return error.exit_code
    except KeyboardInterrupt:
        log.error("interrupted", title="zenodo-publish interrupted")
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - a bug must still reach the log redacted, not raw
        log.error(f"{type(error).__name__}: {error}", title="zenodo-publish internal error")
        log.echo("".join(traceback.format_exception(error)))
        return EXIT_INTERNAL


def _run(
    environ: Mapping[str, str],
    inputs: ActionInputs,
    log: Workflow,
    engine: Engine,
    read_settings: ReadSettings,
    git_remote: str | None,
    mirrorer: Mirrorer,
) -> int:
    workspace, repo_root = _directories(environ, inputs)
    manifest_path = repo_root / inputs.manifest
    trigger = read_trigger(environ)

    with log.group("Zenodo Publish: settings and trigger policy"):
        settings = read_settings(manifest_path, repo_root)
        decision = decide(trigger, inputs, settings)
        decision = _pull_request_token_rule(
            trigger,
            inputs,
            decision,
            settings,
            manifest_path,
            _BaseCheckout(
                workspace=workspace,
                remote=_remote(environ, inputs, git_remote),
                server_url=_server_url(environ),
                token=inputs.github_token,
            ),
        )
        log.echo(f"event: {trigger.event_name}; mode: {decision.mode}")
        for reason in decision.reasons:
            log.echo(f"- {reason}")
    for notice in decision.notices:
        log.notice(notice, title="Zenodo Publish")

    if is_collection(manifest_path):
        return _run_collection(
            environ,
            inputs,
            decision,
            log,
            manifest_path,
            workspace,
            repo_root,
            git_remote,
            mirrorer,
        )

    request = EngineRequest(
        mode=decision.mode,
        manifest_path=manifest_path,
        repo_root=repo_root,
        zenodo_token=inputs.zenodo_token,
        endpoint=inputs.endpoint,
        api=inputs.api,
        may_publish=decision.may_publish,
        version=decision.version,
        dry_run=inputs.dry_run,
        parallel_uploads=inputs.parallel_uploads,
        repository_url=_repository_url(environ),
        force_upload=inputs.force_upload,
        allow_lower_version=inputs.allow_lower_version,
        repository_root=workspace,
    )
    with log.group(f"Zenodo Publish: {decision.mode}"):
        result = engine(request)
        if result.messages:
            log.echo_untrusted("\n".join(result.messages))
    for warning in result.warnings:
        log.warning(warning, title="Zenodo Publish: a production publish would refuse this")
    if result.published and result.ids.doi:
        doi = result.ids.doi
        log.notice(f"published {doi} (https://doi.org/{doi})", title="Zenodo Publish: published")

    writer = _output_writer(environ, log)
    outputs = ActionOutputs.build(result).as_strings()
    if writer is not None:
        writer.set_many({k: v for k, v in outputs.items() if k not in ("committed", "commit_sha")})

    commit = CommitOutcome()

    def report(commit_failure: str | None = None) -> None:
        summary = render_result(
            result,
            reasons=decision.reasons,
            commit=commit,
            repository_url=_repository_url(environ),
            commit_failure=commit_failure,
        )
        # Once a publish went through its DOI leads, whatever failed after it (SPEC §13.7).
        _append_summary(environ, render_published_headline(result) + summary, log)

    commit_error: ZenodoPublishError | None = None
    try:
        if decision.commit and result.record_file:
            with log.group("Zenodo Publish: commit the record file"):
                commit = _commit_back(
                    environ,
                    inputs,
                    decision,
                    result.record_file,
                    workspace,
                    repo_root,
                    log,
                    git_remote,
                    result.repository_files,
                )
    except ZenodoPublishError as error:
        commit_error = error
    finally:
        if writer is not None:
            writer.set("committed", commit.committed)
            writer.set("commit_sha", commit.sha)
    # What happened on Zenodo (a published DOI above all) stays in the summary; the
    # explanation of a failed commit-back follows it.
    report(commit_failure=commit_error.title if commit_error is not None else None)
    # The mirrors follow Zenodo's files, not git: a failed commit-back (exit 5, the record
    # file to be fixed by hand) is no reason to leave them behind Zenodo.
    mirrored = _mirror(environ, inputs, decision, manifest_path, repo_root, log, mirrorer, writer)
    if commit_error is not None:
        raise commit_error
    if mirrored is not None:
        mirrored.raise_for_failure()
    return 0


def _run_collection(
    environ: Mapping[str, str],
    inputs: ActionInputs,
    decision: Decision,
    log: Workflow,
    manifest_path: Path,
    workspace: Path,
    repo_root: Path,
    git_remote: str | None,
    mirrorer: Mirrorer,
) -> int:
    step = CollectionStep(manifest_path, repo_root, _repository_url(environ))
    writer = _output_writer(environ, log)
    outcome = CommitOutcome()
    mirrored: list[MirrorResult | None] = []

    def mirror(result: CollectionResult) -> None:
        keys = tuple(o.key for o in result.outcomes if o.ok)
        mirrored.append(
            _mirror(
                environ, inputs, decision, manifest_path, repo_root, log, mirrorer, writer, keys
            )
        )

    try:
        _, outcome = run_collection_step(
            step,
            inputs,
            decision,
            log,
            commit=lambda folder: _commit_back(
                environ, inputs, decision, folder, workspace, repo_root, log, git_remote
            ),
            summary=lambda markdown: _append_summary(environ, markdown, log),
            after=mirror,
        )
    finally:
        if writer is not None:
            writer.set("committed", outcome.committed)
            writer.set("commit_sha", outcome.sha)
    for result in mirrored:
        if result is not None:
            result.raise_for_failure()
    return 0


def _mirror(
    environ: Mapping[str, str],
    inputs: ActionInputs,
    decision: Decision,
    manifest_path: Path,
    repo_root: Path,
    log: Workflow,
    mirrorer: Mirrorer,
    writer: OutputWriter | None,
    records: tuple[str, ...] | None = None,
) -> MirrorResult | None:
    """SPEC §10: mirrors after Zenodo, whose outputs, commit-back and summary are already done,
    so a mirror failure (raised by the caller, exit code 7) never undoes or hides them."""
    if inputs.mirrors == "false" or decision.mode == "validate":
        return None
    if decision.mode == "plan" and inputs.mirrors != "true":
        return None  # pull requests plan without AWS credentials
    request = MirrorRequest(
        manifest_path=manifest_path,
        repo_root=repo_root,
        dry_run=inputs.dry_run or decision.mode == "plan",
        required=inputs.mirrors == "true",
        records=records,
    )
    with log.group("Zenodo Publish: mirrors"):
        result = mirrorer(request)
        if result is None:
            log.echo("the manifest has no mirrors")
            return None
        log.echo_untrusted("\n".join(result.lines()))
    if writer is not None:
        writer.set_many(
            {
                "mirror_uploaded": str(result.uploaded),
                "mirror_skipped": str(result.skipped),
                "mirror_deleted": str(result.deleted),
            }
        )
    _append_summary(environ, render_mirrors(result), log)
    return result


def _default_mirrorer(engine: Engine | None, log: Workflow) -> Mirrorer:
    """The real mirrors follow the real engine; a test's fake engine gets none unless it asks."""
    if engine is None:
        return mirror_engine(log)
    return lambda request: None


def _pull_request_token_rule(
    trigger: Trigger,
    inputs: ActionInputs,
    decision: Decision,
    settings: ManifestPolicy,
    manifest_path: Path,
    checkout: _BaseCheckout,
) -> Decision:
    """On pull-request runs, ``zenodo_token`` goes only to Zenodo itself or to the endpoint the
    base branch's manifest names (zenodo_publish.tokens); otherwise the run only validates, and
    says why."""
    if trigger.event_name not in PR_EVENTS or decision.mode != "plan":
        return decision
    try:
        endpoint_url = parse_endpoint(inputs.endpoint or settings.endpoint or "sandbox").api_url
    except UsageError:
        return decision  # reported by the engine with the manifest's line
    base_sha = _dig_str(trigger.payload, "pull_request", "base", "sha")
    refusal = tokens.pull_request_refusal(
        endpoint_url,
        lambda: _base_endpoint(manifest_path, base_sha, checkout) if base_sha else None,
    )
    if refusal is None:
        return decision
    note = f"{refusal}; validating only"
    return dataclasses.replace(
        decision,
        mode="validate",
        reasons=(*decision.reasons, note),
        notices=(*decision.notices, note),
    )


def _dig_str(data: Mapping[str, Any], *keys: str) -> str | None:
    value: Any = data
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value if isinstance(value, str) and value else None


@dataclasses.dataclass(frozen=True)
class _BaseCheckout:
    """Where a pull request's base commit can be read, or fetched from when the checkout is
    shallow."""

    workspace: Path
    remote: str
    server_url: str
    token: str | None = dataclasses.field(repr=False)


def _base_endpoint(manifest_path: Path, base_sha: str, checkout: _BaseCheckout) -> str | None:
    """The API URL the base branch's manifest names, read from git (None when unavailable)."""
    repo = git.Git(
        manifest_path.parent,
        workspace=checkout.workspace,
        token=checkout.token,
        server_url=checkout.server_url,
    )
    shown = git.file_at_commit(repo, base_sha, f"./{manifest_path.name}", remote=checkout.remote)
    if shown is None or len(shown) > paths.MAX_TEXT_BYTES:
        return None
    try:
        data = parse_yaml(shown.decode("utf-8"), file="base manifest").data
        value = data.get("endpoint") if isinstance(data, dict) else None
        return parse_endpoint(value if isinstance(value, str) else "sandbox").api_url
    except (ManifestError, UsageError, UnicodeDecodeError):
        return None


def _repository_url(environ: Mapping[str, str]) -> str | None:
    repository = environ.get("GITHUB_REPOSITORY", "").strip()
    if not repository:
        return None
    server = environ.get("GITHUB_SERVER_URL", "").strip() or "https://github.com"
    return f"{server.rstrip('/')}/{repository}"


def _directories(environ: Mapping[str, str], inputs: ActionInputs) -> tuple[Path, Path]:
    workspace = Path(environ.get("GITHUB_WORKSPACE", "").strip() or Path.cwd()).resolve()
    repo_root = (workspace / inputs.working_directory).resolve()
    if not repo_root.is_relative_to(workspace):
        raise UsageError(
            f"input `working_directory` ({inputs.working_directory}) leaves the workspace",
            hint="give a path inside the repository, relative to its root",
        )
    if not repo_root.is_dir():
        raise UsageError(
            f"input `working_directory` ({inputs.working_directory}) is not a directory",
            hint="check the path, and that actions/checkout ran before this step",
        )
    return workspace, repo_root


def _commit_back(
    environ: Mapping[str, str],
    inputs: ActionInputs,
    decision: Decision,
    record_file: str,
    workspace: Path,
    repo_root: Path,
    log: Workflow,
    git_remote: str | None,
    also_files: tuple[str, ...] = (),
) -> CommitOutcome:
    """Commit ``record_file`` (a collection's record folder too) and push it, with
    ``also_files`` the run wrote (CITATION.cff, the README badge)."""
    assert decision.branch is not None, "decide() only allows a commit with a target branch"
    server_url = _server_url(environ)
    if git_remote is None and inputs.github_token and not environ.get("GITHUB_REPOSITORY", ""):
        raise UsageError("GITHUB_REPOSITORY is not set: cannot tell where to push")
    remote = _remote(environ, inputs, git_remote)
    request = git.CommitRequest(
        repo_dir=repo_root,
        record_file=record_file,
        branch=decision.branch,
        message=inputs.commit_message,
        workspace=workspace,
        remote=remote,
        token=inputs.github_token,
        server_url=server_url,
        required=inputs.commit == "true",
        # Shards of one collection push at the same time: each may need a rebase per shard.
        retries=git.RETRIES + (inputs.shard.count if inputs.shard is not None else 0),
        also_files=also_files,
    )
    try:
        return git.commit_record_file(request, log=log.echo)
    finally:
        written = repo_root / record_file
        paths = [written, *sorted(written.rglob("*"))] if written.is_dir() else [written]
        paths += [repo_root / name for name in also_files]
        git.restore_ownership(repo_root, paths)


def _server_url(environ: Mapping[str, str]) -> str:
    return environ.get("GITHUB_SERVER_URL", "").strip() or "https://github.com"


def _remote(environ: Mapping[str, str], inputs: ActionInputs, git_remote: str | None) -> str:
    """Where the repository is fetched from and pushed to: the test's remote, else the
    repository's URL when ``github_token`` is given, else the checkout's ``origin`` (with the
    credentials actions/checkout persisted)."""
    if git_remote is not None:
        return git_remote
    repository = environ.get("GITHUB_REPOSITORY", "").strip()
    if inputs.github_token and repository:
        return git.remote_url(_server_url(environ), repository)
    return "origin"


def _output_writer(environ: Mapping[str, str], log: Workflow) -> OutputWriter | None:
    path = environ.get("GITHUB_OUTPUT", "").strip()
    if not path:
        log.warning("GITHUB_OUTPUT is not set: the action's outputs are not written")
        return None
    return OutputWriter(path)


def _append_summary(environ: Mapping[str, str], markdown: str, log: Workflow) -> None:
    path = environ.get("GITHUB_STEP_SUMMARY", "").strip()
    if not path:
        return
    try:
        SummaryWriter(path).append(markdown)
    except OSError as error:
        # The summary is a report, not the result: the run's outcome must not change with it.
        log.warning(f"cannot write the step summary: {error}")


def run() -> NoReturn:
    exit_process(main())
