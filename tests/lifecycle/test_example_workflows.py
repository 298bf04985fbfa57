"""SPEC §13.8: the example workflows never lose a release run to concurrency.

GitHub keeps at most one running and one *pending* run per concurrency group and cancels the
pending one when a newer run joins the group (whatever ``cancel-in-progress`` says). So a
workflow that publishes must not share a group with pushes, and nothing may cancel a run that
is writing to Zenodo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / "examples" / "workflows").glob("*.yml"))


def load(path: Path) -> dict[Any, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def triggers(document: dict[Any, Any]) -> set[str]:
    # PyYAML reads the key `on` as True (YAML 1.1).
    on = document.get("on", document.get(True))
    return set(on) if isinstance(on, dict) else {on} if isinstance(on, str) else set(on)


def test_there_are_sync_release_and_manual_examples() -> None:
    events = [triggers(load(p)) for p in WORKFLOWS]
    assert {"push"} in events and {"release"} in events and {"workflow_dispatch"} in events


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_run_is_cancelled_half_way(path: Path) -> None:
    concurrency = load(path)["concurrency"]
    assert concurrency["cancel-in-progress"] is False


def test_a_publishing_run_never_shares_a_pending_slot_with_pushes() -> None:
    groups = [load(p)["concurrency"]["group"] for p in WORKFLOWS]
    assert len(set(groups)) == len(groups), groups  # no two example workflows share a group
    for path in WORKFLOWS:
        events = triggers(load(path))
        group = load(path)["concurrency"]["group"]
        if events & {"release", "workflow_dispatch"}:
            # One group per release tag or per manual run: a newer run never displaces it.
            assert "github.ref" in group or "github.run_id" in group, (path.name, group)
