"""The trigger policy (SPEC §1 and §6): what a run may do, decided from the event alone.

=================================  ===========================================================
trigger                            default
=================================  ===========================================================
``push`` to a branch               sync the draft; never publish (unless ``publish.on: always``)
tag push, ``release: published``   sync, version from the tag, publish if publishing is enabled
``workflow_dispatch``              the ``mode`` input (or the dispatch's own ``mode`` input)
``pull_request[_target]``          validate and plan only; no token (fork) → validate only
=================================  ===========================================================

:func:`read_trigger` does the I/O (environment and event JSON); :func:`decide` is a pure
function of the trigger, the inputs and the manifest's publish settings, so every row of the
table is a plain unit test. Refusals raise :class:`PolicyError` (nothing has been changed yet).
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from zenodo_publish.errors import PolicyError, UsageError
from zenodo_publish.github.inputs import MODES, SWITCHES, ActionInputs, Mode, Switch, parse_choice
from zenodo_publish.sync import versions

RunMode = Literal["validate", "plan", "sync", "publish"]
PublishOn = Literal["never", "tags", "always"]

PUBLISH_ON: Final[tuple[PublishOn, ...]] = ("never", "tags", "always")
PR_EVENTS: Final = frozenset({"pull_request", "pull_request_target"})
PRODUCTION_ENDPOINTS: Final = frozenset(
    {"production", "https://zenodo.org/api", "https://zenodo.org/api/", "https://zenodo.org"}
)
#: Release activities that mean "this tag is now public" and get the tag rules.
RELEASE_PUBLISHED: Final = "published"


@dataclass(frozen=True)
class Trigger:
    """What started the run: the ``GITHUB_*`` ref variables and the event payload."""

    event_name: str
    ref: str = ""
    ref_type: str = ""  # "branch" | "tag" | "" (pull requests)
    ref_name: str = ""
    event: Mapping[str, Any] | None = None

    @property
    def payload(self) -> Mapping[str, Any]:
        return self.event or {}

    @property
    def tag(self) -> str | None:
        if self.event_name == "release":
            release = self.payload.get("release")
            if isinstance(release, Mapping) and isinstance(release.get("tag_name"), str):
                return str(release["tag_name"])
        if self.ref.startswith("refs/tags/"):
            return self.ref.removeprefix("refs/tags/")
        if self.ref_type == "tag" and self.ref_name:
            return self.ref_name
        return None

    @property
    def branch(self) -> str | None:
        if self.ref.startswith("refs/heads/"):
            return self.ref.removeprefix("refs/heads/")
        if self.ref_type == "branch" and self.ref_name:
            return self.ref_name
        return None

    @property
    def default_branch(self) -> str | None:
        repository = self.payload.get("repository")
        if isinstance(repository, Mapping):
            value = repository.get("default_branch")
            if isinstance(value, str) and value:
                return value
        return None

    @property
    def is_prerelease(self) -> bool:
        """A GitHub pre-release, or a tag whose version is one (``v2.0.0-rc1``)."""
        release = self.payload.get("release") if self.event_name == "release" else None
        if isinstance(release, Mapping) and release.get("prerelease") is True:
            return True
        tag = self.tag
        return tag is not None and versions.is_prerelease(version_from_tag(tag))

    @property
    def release_action(self) -> str | None:
        action = self.payload.get("action")
        return action if isinstance(action, str) else None

    @property
    def is_fork_pull_request(self) -> bool:
        pull = self.payload.get("pull_request")
        if not isinstance(pull, Mapping):
            return False
        head_repo = _dig(pull, "head", "repo")
        base_repo = _dig(pull, "base", "repo")
        if isinstance(head_repo, Mapping) and head_repo.get("fork") is True:
            return True
        if isinstance(head_repo, Mapping) and isinstance(base_repo, Mapping):
            return head_repo.get("full_name") != base_repo.get("full_name")
        # A deleted head repository shows as null: it was a fork.
        return head_repo is None

    @property
    def dispatch_inputs(self) -> Mapping[str, Any]:
        inputs = self.payload.get("inputs")
        return inputs if isinstance(inputs, Mapping) else {}


@dataclass(frozen=True)
class ManifestPolicy:
    """The manifest's settings the policy needs, as plain values (``publish.on``,
    ``publish.tags``, ``endpoint``), so this module does not depend on the manifest layer."""

    publish_on: str = "never"
    publish_tags: str = "v*"
    endpoint: str | None = None
    publish_prereleases: bool = False


@dataclass(frozen=True)
class Decision:
    """What this run will do, and why (``reasons`` go to the log and the step summary)."""

    mode: RunMode
    may_publish: bool
    version: str | None
    commit: bool
    endpoint: str | None  # the input's override, else the manifest's (None: engine default)
    branch: str | None  # where a commit-back goes (None: nowhere known)
    reasons: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()  # worth a ::notice:: (downgrades the user should see)

    @property
    def writes(self) -> bool:
        return self.mode in ("sync", "publish")


def read_trigger(environ: Mapping[str, str]) -> Trigger:
    """The trigger from ``GITHUB_EVENT_NAME``, ``GITHUB_REF*`` and ``GITHUB_EVENT_PATH``."""
    event_name = environ.get("GITHUB_EVENT_NAME", "").strip()
    if not event_name:
        raise UsageError(
            "GITHUB_EVENT_NAME is not set: this entrypoint runs inside GitHub Actions",
            hint="outside GitHub Actions use the command-line tool (`zenodo-publish sync ...`)",
        )
    event: Mapping[str, Any] | None = None
    event_path = environ.get("GITHUB_EVENT_PATH", "").strip()
    if event_path:
        try:
            loaded = json.loads(Path(event_path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise UsageError(
                f"cannot read the event payload {event_path}: {error}",
                hint="GITHUB_EVENT_PATH must name the runner's event JSON file",
            ) from error
        if not isinstance(loaded, Mapping):
            raise UsageError(f"the event payload {event_path} is not a JSON object")
        event = loaded
    return Trigger(
        event_name=event_name,
        ref=environ.get("GITHUB_REF", "").strip(),
        ref_type=environ.get("GITHUB_REF_TYPE", "").strip(),
        ref_name=environ.get("GITHUB_REF_NAME", "").strip(),
        event=event,
    )


def version_from_tag(tag: str) -> str:
    """``v1.2.0`` → ``1.2.0``; a ``v`` is only dropped when a digit follows (``vision`` stays)."""
    if len(tag) > 1 and tag[0] in "vV" and tag[1].isdigit():
        return tag[1:]
    return tag


def is_production(endpoint: str | None) -> bool:
    return endpoint is not None and endpoint.strip().lower() in PRODUCTION_ENDPOINTS


def decide(
    trigger: Trigger,
    inputs: ActionInputs,
    manifest: ManifestPolicy,
    *,
    has_zenodo_token: bool | None = None,
) -> Decision:
    """The decision for this run. Raises :class:`PolicyError` for refused combinations and
    :class:`UsageError` for settings that cannot work (a mode that needs a token without one)."""
    publish_on = _publish_on(manifest.publish_on)
    has_token = bool(inputs.zenodo_token) if has_zenodo_token is None else has_zenodo_token
    endpoint = inputs.endpoint or manifest.endpoint
    reasons: list[str] = []
    notices: list[str] = []

    if trigger.event_name in PR_EVENTS:
        return _pull_request(trigger, inputs, has_token, endpoint)

    mode, publish_switch, version, target = _requested(trigger, inputs, reasons)

    if mode == "validate":
        return Decision("validate", False, version, False, endpoint, None, tuple(reasons))

    may_publish = _may_publish(
        trigger, mode, publish_switch, publish_on, manifest.publish_tags, reasons
    )
    if may_publish and trigger.is_prerelease and not manifest.publish_prereleases:
        what = f"`{trigger.tag}` is a pre-release"
        if mode == "publish" or publish_switch == "true":
            raise PolicyError(
                f"publishing is refused: {what} and the manifest does not allow pre-releases",
                hint="write `publish: {prereleases: true}` in the manifest to publish "
                "pre-releases (a publish on Zenodo is permanent), or release a final version",
            )
        may_publish = False
        notices.append(
            f"{what}: the draft is synced but not published (set `publish.prereleases: true` "
            "in the manifest to publish pre-releases)"
        )
        reasons.append(notices[-1])
    if mode == "publish" and not may_publish:
        # _may_publish raises for the refusals; this is the publish switch set to false.
        raise PolicyError(
            "mode `publish` was requested but the `publish` input is false",
            hint="drop `publish: false`, or use `mode: sync` to update the draft only",
        )
    run_mode: RunMode = "publish" if may_publish and mode != "plan" else mode
    if may_publish and is_production(endpoint):
        reasons.append("production publish: endpoint is production and publishing is enabled")

    if not has_token:
        raise UsageError(
            f"mode `{run_mode}` needs a Zenodo token but input `zenodo_token` is empty",
            hint="store a token as a repository secret and pass "
            "`zenodo_token: ${{ secrets.ZENODO_TOKEN }}` (or use `mode: validate`)",
        )

    commit = _commit(inputs.commit, run_mode, inputs.dry_run, reasons)
    if commit and target is None:
        raise UsageError(
            "cannot tell which branch the record file should be committed to: the event has "
            "no branch and its payload has no `repository.default_branch`",
            hint="set `commit: false`, or run on a branch push, tag push or release",
        )
    return Decision(
        run_mode,
        may_publish,
        version,
        commit,
        endpoint,
        target if commit else None,
        tuple(reasons),
        tuple(notices),
    )


def _pull_request(
    trigger: Trigger, inputs: ActionInputs, has_token: bool, endpoint: str | None
) -> Decision:
    event = trigger.event_name
    if inputs.mode in ("sync", "publish"):
        raise PolicyError(
            f"mode `{inputs.mode}` is refused on `{event}`: pull-request runs never write",
            hint="use `mode: auto` (validate and plan) on pull requests, and sync on push",
        )
    if inputs.publish == "true":
        raise PolicyError(
            f"`publish: true` is refused on `{event}`: pull-request runs never publish",
            hint="remove `publish: true` from the pull-request workflow",
        )
    reasons = [f"{event}: validate and plan only, no writes"]
    notices: list[str] = []
    mode: RunMode = "validate" if inputs.mode == "validate" else "plan"
    if mode == "plan" and not has_token:
        mode = "validate"
        if trigger.is_fork_pull_request:
            notices.append(
                "pull request from a fork: secrets are not available to it, so only the "
                "manifest is validated (no plan against Zenodo)"
            )
        else:
            notices.append("no `zenodo_token` given: only the manifest is validated (no plan)")
        reasons.append(notices[-1])
    if inputs.commit == "true":
        reasons.append("`commit: true` ignored: pull-request runs never write")
    return Decision(mode, False, None, False, endpoint, None, tuple(reasons), tuple(notices))


def _requested(
    trigger: Trigger, inputs: ActionInputs, reasons: list[str]
) -> tuple[RunMode, Switch, str | None, str | None]:
    """The mode asked for, the effective publish switch, the version and the commit target."""
    mode: Mode = inputs.mode
    publish: Switch = inputs.publish
    event = trigger.event_name
    if event == "workflow_dispatch":
        dispatch = trigger.dispatch_inputs
        if mode == "auto" and dispatch.get("mode") not in (None, ""):
            mode = parse_choice(
                "workflow_dispatch input mode", str(dispatch["mode"]).strip(), MODES, "auto"
            )
            reasons.append(f"workflow_dispatch: mode `{mode}` from the dispatch's inputs")
        if publish == "auto" and dispatch.get("publish") not in (None, ""):
            publish = parse_choice(
                "workflow_dispatch input publish",
                str(dispatch["publish"]).strip().lower(),
                SWITCHES,
                "auto",
            )
            reasons.append(f"workflow_dispatch: publish `{publish}` from the dispatch's inputs")
    if event == "release" and trigger.release_action != RELEASE_PUBLISHED:
        action = trigger.release_action or "?"
        reasons.append(
            f"release `{action}`: only `published` releases sync or publish; validating only"
        )
        return "validate", "false", None, None

    tag = trigger.tag
    version = version_from_tag(tag) if tag else None
    if tag is not None:
        target = trigger.default_branch
        reasons.append(
            f"{event} of tag `{tag}`: version {version}; the record file goes to the default "
            f"branch `{target or '?'}`"
        )
    else:
        target = trigger.branch
        reasons.append(f"{event} on branch `{target or '?'}`")
    run_mode: RunMode = "sync" if mode == "auto" else mode
    return run_mode, publish, version, target


def _may_publish(
    trigger: Trigger,
    mode: RunMode,
    switch: Switch,
    publish_on: PublishOn,
    publish_tags: str,
    reasons: list[str],
) -> bool:
    tag = trigger.tag
    explicit = switch == "true" or mode == "publish"
    if switch == "false":
        reasons.append("publishing disabled by the `publish` input")
        return False
    if tag is None and trigger.event_name != "workflow_dispatch":
        # Branch pushes (and schedule or other branch events) only publish when the manifest
        # itself says so: a workflow `publish: true` alone must not publish every push.
        if publish_on == "always":
            reasons.append("branch run: `publish.on: always` in the manifest allows publishing")
            return True
        if explicit:
            raise PolicyError(
                f"publishing on a `{trigger.event_name}` to a branch is refused: the manifest "
                f"says `publish.on: {publish_on}`",
                hint="publish from a tag or release (`publish.on: tags`), or write "
                "`publish: {on: always}` in the manifest if every branch push should publish",
            )
        reasons.append("branch run: sync only, never publish")
        return False
    if explicit:
        reasons.append(
            "publishing requested by "
            + ("`mode: publish`" if mode == "publish" else "the `publish` input")
        )
        return True
    if tag is None:
        reasons.append("workflow_dispatch on a branch: no publishing (ask with `mode: publish`)")
        return False
    if publish_on == "never":
        reasons.append("`publish.on: never` in the manifest: sync only")
        return False
    if publish_on == "always":
        reasons.append(f"tag `{tag}`: `publish.on: always` in the manifest allows publishing")
        return True
    if not fnmatch.fnmatchcase(tag, publish_tags):
        reasons.append(f"tag `{tag}` does not match `publish.tags: {publish_tags}`: sync only")
        return False
    reasons.append(
        f"tag `{tag}` matches `publish.tags: {publish_tags}` (`publish.on: {publish_on}`)"
    )
    return True


def _commit(switch: Switch, mode: RunMode, dry_run: bool, reasons: list[str]) -> bool:
    if switch == "false":
        reasons.append("commit-back disabled by the `commit` input")
        return False
    if mode not in ("sync", "publish"):
        if switch == "true":
            reasons.append(f"`commit: true` has nothing to do in mode `{mode}`")
        return False
    if dry_run:
        reasons.append("dry run: no commit-back")
        return False
    return True


def _publish_on(value: str) -> PublishOn:
    for choice in PUBLISH_ON:
        if value == choice:
            return choice
    raise UsageError(f"manifest `publish.on` is {value!r}; allowed values: {', '.join(PUBLISH_ON)}")


def _dig(mapping: Mapping[str, Any], *keys: str) -> Any:
    current: Any = mapping
    for key in keys:
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return current
