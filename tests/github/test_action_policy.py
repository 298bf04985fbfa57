"""SPEC §1's trigger table, row by row, plus the refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from zenodo_publish.errors import PolicyError, UsageError
from zenodo_publish.github.inputs import ActionInputs, parse_inputs
from zenodo_publish.github.policy import (
    ManifestPolicy,
    Trigger,
    decide,
    read_trigger,
    version_from_tag,
)

REPO = {"full_name": "octo/data", "default_branch": "main"}
WITH_TOKEN = ActionInputs(zenodo_token="zenodo-secret-123")
TAGS = ManifestPolicy(publish_on="tags", publish_tags="v*")
NEVER = ManifestPolicy()
ALWAYS = ManifestPolicy(publish_on="always")


def push_branch(branch: str = "main") -> Trigger:
    return Trigger("push", f"refs/heads/{branch}", "branch", branch, {"repository": REPO})


def push_tag(tag: str = "v1.2.0") -> Trigger:
    return Trigger("push", f"refs/tags/{tag}", "tag", tag, {"repository": REPO})


def release(tag: str = "v2.0.0", action: str = "published") -> Trigger:
    payload = {"action": action, "release": {"tag_name": tag}, "repository": REPO}
    return Trigger("release", f"refs/tags/{tag}", "tag", tag, payload)


def dispatch(inputs: dict[str, Any], ref: str = "refs/heads/main") -> Trigger:
    kind, name = ("tag", ref[10:]) if ref.startswith("refs/tags/") else ("branch", ref[11:])
    return Trigger("workflow_dispatch", ref, kind, name, {"inputs": inputs, "repository": REPO})


def pull_request(*, fork: bool, event: str = "pull_request") -> Trigger:
    head = {"repo": {"full_name": "someone/data" if fork else "octo/data", "fork": fork}}
    payload = {"pull_request": {"head": head, "base": {"repo": REPO}}, "repository": REPO}
    return Trigger(event, "refs/pull/7/merge", "", "7/merge", payload)


def with_(**values: Any) -> ActionInputs:
    return ActionInputs(zenodo_token="zenodo-secret-123", **values)


# --- push to a branch --------------------------------------------------------------------------


def test_branch_push_syncs_and_never_publishes_even_with_tags_enabled() -> None:
    decision = decide(push_branch(), WITH_TOKEN, TAGS)
    assert (decision.mode, decision.may_publish, decision.version) == ("sync", False, None)
    assert decision.commit is True and decision.branch == "main"


def test_branch_push_with_publish_true_is_refused_unless_the_manifest_says_always() -> None:
    with pytest.raises(PolicyError, match="branch is refused") as caught:
        decide(push_branch(), with_(publish="true"), TAGS)
    assert "publish: {on: always}" in (caught.value.hint or "")
    with pytest.raises(PolicyError):
        decide(push_branch(), with_(mode="publish"), NEVER)


def test_branch_push_publishes_with_publish_always_in_the_manifest() -> None:
    decision = decide(push_branch(), WITH_TOKEN, ALWAYS)
    assert (decision.mode, decision.may_publish) == ("publish", True)


def test_publish_false_wins_over_the_manifest() -> None:
    decision = decide(push_branch(), with_(publish="false"), ALWAYS)
    assert (decision.mode, decision.may_publish) == ("sync", False)


# --- tags and releases -------------------------------------------------------------------------


def test_tag_push_sets_the_version_and_publishes_when_the_tag_matches() -> None:
    decision = decide(push_tag("v1.2.0"), WITH_TOKEN, TAGS)
    assert (decision.mode, decision.may_publish, decision.version) == ("publish", True, "1.2.0")
    # the tag is a detached HEAD: the record file goes to the default branch
    assert decision.commit is True and decision.branch == "main"


def test_tag_push_that_does_not_match_publish_tags_only_syncs() -> None:
    decision = decide(push_tag("nightly-3"), WITH_TOKEN, TAGS)
    assert (decision.mode, decision.may_publish, decision.version) == ("sync", False, "nightly-3")
    assert any("does not match" in r for r in decision.reasons)


def test_tag_push_with_publish_never_only_syncs_unless_the_input_asks() -> None:
    assert decide(push_tag(), WITH_TOKEN, NEVER).may_publish is False
    assert decide(push_tag(), with_(publish="true"), NEVER).may_publish is True


def test_release_published_uses_the_release_tag() -> None:
    decision = decide(release("v2.0.0"), WITH_TOKEN, TAGS)
    assert (decision.mode, decision.version, decision.branch) == ("publish", "2.0.0", "main")


def test_other_release_activities_only_validate() -> None:
    decision = decide(release(action="created"), WITH_TOKEN, TAGS)
    assert (decision.mode, decision.may_publish, decision.commit) == ("validate", False, False)


def test_production_publish_needs_production_and_publishing_and_says_so() -> None:
    decision = decide(push_tag(), with_(endpoint="production"), TAGS)
    assert decision.may_publish and decision.endpoint == "production"
    assert any("production publish" in r for r in decision.reasons)
    # production alone (no publishing enabled) only syncs the draft
    assert decide(push_tag(), with_(endpoint="production"), NEVER).may_publish is False


# --- workflow_dispatch -------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["validate", "plan", "sync"])
def test_dispatch_runs_the_mode_input(mode: str) -> None:
    decision = decide(
        dispatch({}), parse_inputs({"INPUT_MODE": mode, "INPUT_ZENODO_TOKEN": "x" * 9}), TAGS
    )
    assert decision.mode == mode and decision.may_publish is False


def test_dispatch_reads_mode_from_its_own_inputs_when_the_action_input_is_auto() -> None:
    decision = decide(dispatch({"mode": "publish"}), WITH_TOKEN, TAGS)
    assert (decision.mode, decision.may_publish) == ("publish", True)
    assert any("dispatch's inputs" in r for r in decision.reasons)


def test_dispatch_with_a_bad_mode_in_its_inputs_names_it() -> None:
    with pytest.raises(UsageError, match="workflow_dispatch input mode"):
        decide(dispatch({"mode": "yolo"}), WITH_TOKEN, TAGS)


def test_dispatch_publish_false_contradicting_mode_publish_is_refused() -> None:
    with pytest.raises(PolicyError, match="publish"):
        decide(dispatch({}), with_(mode="publish", publish="false"), TAGS)


def test_dispatch_plan_on_a_matching_tag_plans_the_publish_without_writing() -> None:
    decision = decide(dispatch({"mode": "plan"}, ref="refs/tags/v3.0"), WITH_TOKEN, TAGS)
    assert (decision.mode, decision.may_publish, decision.commit) == ("plan", True, False)
    assert decision.version == "3.0"


# --- pull requests -----------------------------------------------------------------------------


@pytest.mark.parametrize("event", ["pull_request", "pull_request_target"])
def test_pull_request_with_a_token_plans_and_never_writes(event: str) -> None:
    decision = decide(pull_request(fork=False, event=event), WITH_TOKEN, ALWAYS)
    assert (decision.mode, decision.may_publish, decision.commit) == ("plan", False, False)


def test_fork_pull_request_without_a_token_validates_only_with_a_notice() -> None:
    decision = decide(pull_request(fork=True), ActionInputs(), TAGS)
    assert decision.mode == "validate"
    assert len(decision.notices) == 1 and "fork" in decision.notices[0]


def test_pull_request_refuses_writing_modes() -> None:
    with pytest.raises(PolicyError, match="never write"):
        decide(pull_request(fork=False), with_(mode="sync"), TAGS)
    with pytest.raises(PolicyError, match="never publish"):
        decide(pull_request(fork=False), with_(publish="true"), TAGS)


# --- tokens, commit switch, dry run -----------------------------------------------------------


def test_a_writing_mode_without_a_zenodo_token_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="zenodo_token"):
        decide(push_branch(), ActionInputs(), TAGS)


def test_validate_needs_no_token() -> None:
    assert decide(push_branch(), ActionInputs(mode="validate"), TAGS).mode == "validate"


def test_commit_switch_and_dry_run() -> None:
    assert decide(push_branch(), with_(commit="false"), TAGS).commit is False
    decision = decide(push_branch(), with_(dry_run=True), TAGS)
    assert decision.commit is False and decision.branch is None
    assert decide(push_branch(), with_(mode="plan", commit="true"), TAGS).commit is False


def test_a_bad_publish_on_from_the_manifest_is_refused() -> None:
    with pytest.raises(UsageError, match=r"publish\.on"):
        decide(push_branch(), WITH_TOKEN, ManifestPolicy(publish_on="sometimes"))


@pytest.mark.parametrize(
    ("tag", "version"),
    [("v1.2.0", "1.2.0"), ("V2", "2"), ("1.0", "1.0"), ("vision", "vision"), ("v", "v")],
)
def test_version_from_tag(tag: str, version: str) -> None:
    assert version_from_tag(tag) == version


# --- reading the trigger -----------------------------------------------------------------------


def test_read_trigger_from_the_environment_and_the_event_file(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "published", "release": {"tag_name": "v9"}}))
    trigger = read_trigger(
        {
            "GITHUB_EVENT_NAME": "release",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_REF": "refs/tags/v9",
            "GITHUB_REF_TYPE": "tag",
            "GITHUB_REF_NAME": "v9",
        }
    )
    assert (trigger.event_name, trigger.tag, trigger.release_action) == (
        "release",
        "v9",
        "published",
    )


def test_read_trigger_outside_actions_and_with_a_broken_event_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="GITHUB_EVENT_NAME"):
        read_trigger({})
    broken = tmp_path / "event.json"
    broken.write_text("{not json")
    with pytest.raises(UsageError, match="event payload"):
        read_trigger({"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(broken)})


def test_a_pull_request_whose_head_repository_was_deleted_counts_as_a_fork() -> None:
    payload = {"pull_request": {"head": {"repo": None}, "base": {"repo": REPO}}}
    assert Trigger("pull_request", event=payload).is_fork_pull_request is True
