"""The fault sweep again, with Zenodo's search index lagging writes by 1 s (issue 11).

The emulator's ``index_delay`` hides a new draft from searches for 1 s of its clock; the clock is
frozen and only the client's own waits (its injectable ``sleep``) move it, so nothing here
depends on wall time. For every fault at every request of a first sync (both APIs) the number
of concepts at the end is counted: it must be 1. A re-run after a failed or killed run starts a
minute later (a re-run is a new job), which the clock models too.

Before issue 11, a create answered with 502/504 or a reset *after* the draft existed was
followed by one search that could not see the draft yet, then a second create: two concepts,
exit 0. Two runs at once under the same lag both created a concept, silently.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "sync"))

import test_engine_faults as faults
from engine_support import T0, Api, Harness, assert_converged, concepts, make_repo
from test_engine_faults import run_matrix

from zenodo_publish.emulator.config import Clock
from zenodo_publish.emulator.testing import running_emulator
from zenodo_publish.errors import StateError
from zenodo_publish.sync.engine import Mode, SyncRequest, run
from zenodo_publish.sync.result import RunResult

LAG_SECONDS = 1.0
RERUN_AFTER_SECONDS = 60.0


class LaggingHarness(Harness):
    def reset(self) -> None:
        super().reset()
        self.emu.control.config(index_delay=LAG_SECONDS)

    def run(self, repo: Path, mode: Mode = "sync", **options: Any) -> RunResult:
        # Each run is a job of its own, started a while after the previous one ended (a re-run
        # after a failure too); the lag then hides only what the running job itself wrote.
        self.clock.advance(RERUN_AFTER_SECONDS)
        return super().run(repo, mode, **options)


@pytest.fixture(scope="module")
def _lagging() -> Iterator[LaggingHarness]:
    clock = Clock(frozen_at=T0)
    with running_emulator(clock=clock, sleep=clock.advance) as emu:
        yield LaggingHarness(emu, clock)


@pytest.fixture
def lagging(_lagging: LaggingHarness) -> LaggingHarness:
    _lagging.reset()
    return _lagging


def test_the_emulator_hides_a_new_draft_from_search_for_the_lag(lagging: LaggingHarness) -> None:
    import requests

    headers = lagging.emu.headers()
    created = requests.post(
        f"{lagging.emu.api_url}/records", json={"metadata": {}}, headers=headers, timeout=30
    )
    assert created.status_code == 201
    search = f"{lagging.emu.api_url}/user/records"
    assert requests.get(search, headers=headers, timeout=30).json()["hits"]["total"] == 0
    lagging.clock.advance(LAG_SECONDS)
    assert requests.get(search, headers=headers, timeout=30).json()["hits"]["total"] == 1


@pytest.mark.parametrize("api", ["rdm", "legacy"])
def test_first_sync_under_index_lag_makes_one_concept_whatever_the_fault(
    lagging: LaggingHarness, tmp_path: Path, api: Api, capfd: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "repo", endpoint=lagging.emu.api_url, api=api, n_files=2)
    per_scenario: list[int] = []

    def prepare() -> Path:
        (repo / ".zenodo-record.json").unlink(missing_ok=True)
        return repo

    def act(path: Path) -> RunResult:
        return lagging.run(path)

    def check(path: Path) -> None:
        per_scenario.append(len(concepts(lagging.emu)))
        assert_converged(lagging, path, endpoint_url=lagging.emu.api_url)

    reference, outcomes, failures = run_matrix(lagging, prepare=prepare, act=act, check=check)
    scenarios = per_scenario[1:]  # the first check is the fault-free reference run
    table = {}
    for outcome, count in zip(outcomes, scenarios, strict=True):
        table.setdefault(outcome.kind, []).append(count)
    with capfd.disabled():
        summary = ", ".join(
            f"{kind}: {len(counts)} scenarios, concepts {sorted(set(counts))}"
            for kind, counts in table.items()
        )
        print(f"\n[index lag {LAG_SECONDS:.0f} s, {api}] {len(reference)} requests; {summary}")
    assert failures == [], "\n".join(failures)
    assert set(scenarios) == {1}, table


# The later life of a record under the same lag: a new version (changed, removed and added
# files, then publish) and an edit of a published record, every fault at every request. Their
# drafts come from the record file and from newversion/edit, which do not wait for the index;
# these sweeps check that nothing on the way does.


@pytest.mark.parametrize("api", ["rdm", "legacy"])
def test_a_new_version_under_index_lag_converges_after_any_fault(
    lagging: LaggingHarness, tmp_path: Path, api: Api
) -> None:
    faults.test_publishing_a_new_version_converges_after_any_fault(lagging, tmp_path, api)


@pytest.mark.parametrize("api", ["rdm", "legacy"])
def test_an_edit_under_index_lag_converges_after_any_fault(
    lagging: LaggingHarness, tmp_path: Path, api: Api
) -> None:
    faults.test_editing_a_published_record_converges_after_any_fault(lagging, tmp_path, api)


@pytest.mark.parametrize("api", ["rdm", "legacy"])
def test_an_ambiguous_create_is_found_by_its_marker_despite_the_lag(
    lagging: LaggingHarness, tmp_path: Path, api: Api
) -> None:
    repo = make_repo(tmp_path / "repo", endpoint=lagging.emu.api_url, api=api, n_files=1)
    create = "^/api/records$" if api == "rdm" else "^/api/deposit/depositions$"
    lagging.emu.control.inject(create, 504, method="POST", when="after")
    result = lagging.run(repo)
    assert len(concepts(lagging.emu)) == 1
    assert any("created despite the error" in note for note in result.messages)
    # The waits that outlasted the lag went through the client's sleep (virtual time).
    assert sum(lagging.slept) >= LAG_SECONDS


@pytest.mark.parametrize("api", ["rdm", "legacy"])
def test_two_runs_at_once_never_both_succeed_with_two_concepts(
    lagging: LaggingHarness, tmp_path: Path, api: Api
) -> None:
    first = make_repo(tmp_path / "first", endpoint=lagging.emu.api_url, api=api, n_files=1)
    second = make_repo(tmp_path / "second", endpoint=lagging.emu.api_url, api=api, n_files=1)
    outcomes: dict[str, str] = {}

    def race(path: Path, name: str) -> None:
        request = SyncRequest(
            mode="sync",
            manifest_path=path / "zenodo.yaml",
            token=lagging.emu.token,
            parallel=1,
            runs_may_race=True,
        )
        try:
            run(request, backend_factory=lagging.factory())
            outcomes[name] = "exit 0"
        except StateError as error:
            outcomes[name] = f"{error.message} | {error.hint}"

    started = [False]

    def second_run_starts(response: object) -> None:
        # Right after the first run's create answered: its draft is not searchable yet.
        method = getattr(getattr(response, "request", None), "method", "")
        if started[0] or method != "POST":
            return
        started[0] = True
        race(second, "second")

    lagging.hooks.append(second_run_starts)
    race(first, "first")
    lagging.hooks.clear()
    assert len(concepts(lagging.emu)) == 2  # the race really happened
    assert "exit 0" not in outcomes.values(), outcomes
    for message in outcomes.values():
        assert "two concepts" in message and "zenodo-publish discard" in message
