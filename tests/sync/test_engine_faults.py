"""Crash and fault matrix for the sync engine (SPEC §5.5, §5.6, §5.8).

The fault-free request sequence of a run is recorded once from the emulator's log. Then, for
every request index k of it and every kind of fault, the run is repeated from the same starting
state with that fault at request k, followed by at most one normal re-run when the first run
failed. Each scenario must end in the state the manifest asks for: one concept, no duplicate
draft or version, the local files (names and md5) in the draft or latest version, the
manifest's metadata, and a record file naming it.

Kinds of fault:

* ``5xx``: the request answers 500/502/503/504 (cycled over k) without doing anything;
* ``5xx-after``: the server does the work, then answers 500/502/503/504 (a gateway timeout);
* ``429``: a rate-limit answer with ``Retry-After`` (waited in virtual time);
* ``drop``: the server resets the connection half-way through the request body (requests
  without a body cannot be cut this way and are covered by ``lost``);
* ``lost``: the server processed the request but the answer never arrives (the client sees a
  connection reset after the fact);
* ``kill``: the process dies right after request k completed; the re-run starts afresh.

Requests are matched by the position in the sequence: a client-side response hook installs the
fault right after response k-1, so an earlier request to the same path is never hit. Uploads run
one at a time (``parallel=1``) so that the sequence is the same in every scenario.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from engine_support import (
    RECORD_FILE,
    Api,
    Harness,
    Killed,
    assert_converged,
    calls,
    make_repo,
    manifest_text,
    only_concept,
    record_entry,
    writes,
)

from zenodo_publish.errors import PublishOutcomeUnknown, ZenodoPublishError
from zenodo_publish.sync.result import RunResult

KINDS = ("5xx", "5xx-after", "429", "drop", "lost", "kill")
STATUSES = (500, 502, 503, 504)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True)
class Request:
    index: int
    method: str
    path: str
    bytes_in: int

    @property
    def regex(self) -> str:
        """Exactly this path; bucket ids (new in every scenario) match any id."""
        parts = _UUID.split(self.path)
        return "^" + "[0-9a-f-]+".join(re.escape(p) for p in parts) + "$"

    def __str__(self) -> str:
        return f"#{self.index} {self.method} {self.path}"


@dataclass
class Outcome:
    kind: str
    request: Request
    first_error: str | None
    fired: bool


def sequence(entries: list[dict[str, Any]]) -> list[Request]:
    return [Request(i, e["method"], e["path"], int(e["bytes_in"])) for i, e in enumerate(entries)]


class Scenario:
    """Arms one fault at request ``k`` of the run about to start."""

    def __init__(self, harness: Harness, kind: str, request: Request) -> None:
        self.h = harness
        self.kind = kind
        self.request = request
        self.responses = 0
        self.fired = False

    def arm(self) -> None:
        if self.kind in ("lost", "kill"):
            self.h.hooks.append(self._after_response)
            return
        if self.request.index == 0:
            self._inject()
        else:
            self.h.hooks.append(self._before_request)

    def _inject(self) -> None:
        control = self.h.emu.control
        r = self.request
        status = STATUSES[r.index % len(STATUSES)]
        if self.kind == "5xx":
            control.inject(r.regex, status, method=r.method)
        elif self.kind == "5xx-after":
            control.inject(r.regex, status, method=r.method, when="after")
        elif self.kind == "429":
            control.inject(r.regex, 429, method=r.method)
        elif self.kind == "drop":
            control.inject(r.regex, method=r.method, drop_after_bytes=r.bytes_in // 2)
        else:  # pragma: no cover - the kinds are fixed above
            raise AssertionError(self.kind)

    def _before_request(self, response: requests.Response) -> None:
        self.responses += 1
        if self.responses == self.request.index:
            self._inject()

    def _after_response(self, response: requests.Response) -> None:
        self.responses += 1
        if self.responses != self.request.index + 1:
            return
        self.fired = True
        response.close()
        if self.kind == "kill":
            raise Killed(str(self.request))
        raise requests.ConnectionError("connection reset after the server answered (injected)")


def run_matrix(
    harness: Harness,
    *,
    prepare: Callable[[], Path],
    act: Callable[[Path], RunResult],
    check: Callable[[Path], None],
    kinds: tuple[str, ...] = KINDS,
) -> tuple[list[Request], list[Outcome], list[str]]:
    """Record the fault-free sequence of ``act`` (after ``prepare``), then run every scenario.
    Returns the sequence, the outcomes and the failures (scenario: what went wrong)."""
    harness.reset()
    repo = prepare()
    start = harness.mark()
    act(repo)
    reference = sequence(harness.emu.control.log(start))
    check(repo)

    outcomes: list[Outcome] = []
    failures: list[str] = []
    for kind in kinds:
        for request in reference:
            if kind == "drop" and request.bytes_in < 2:
                continue
            harness.reset()
            repo = prepare()
            start = harness.mark()
            scenario = Scenario(harness, kind, request)
            scenario.arm()
            first_error: str | None = None
            try:
                act(repo)
            except Killed:
                first_error = "killed"
            except ZenodoPublishError as error:
                first_error = f"{type(error).__name__}: {error.message}"
            log = harness.emu.control.log(start)
            fired = scenario.fired or any(
                e["fault"] is not None or e["dropped"] for e in log[: request.index + 1]
            )
            harness.hooks.clear()
            harness.emu.control.clear_faults()
            label = f"{kind} at {request}"
            try:
                if first_error is not None:
                    act(repo)
                check(repo)
                assert fired, "the fault did not fire at the intended request"
                if kind in ("5xx", "5xx-after", "429", "drop"):
                    hit = log[request.index]
                    assert (hit["method"], _UUID.sub("*", hit["path"])) == (
                        request.method,
                        _UUID.sub("*", request.path),
                    ), f"the fault hit {hit['method']} {hit['path']}"
            except (AssertionError, ZenodoPublishError) as error:
                failures.append(f"{label}: {type(error).__name__}: {error} (first: {first_error})")
            outcomes.append(Outcome(kind, request, first_error, fired))
    return reference, outcomes, failures


def report(outcomes: list[Outcome]) -> str:
    lines = []
    for kind in KINDS:
        mine = [o for o in outcomes if o.kind == kind]
        if mine:
            reruns = sum(1 for o in mine if o.first_error is not None)
            lines.append(f"{kind}: {len(mine)} scenarios, {reruns} needed the re-run")
    return "; ".join(lines)


# --- first sync of a new repository ------------------------------------------------------------


@pytest.mark.parametrize(("api", "n_files"), [("rdm", 10), ("legacy", 4)])
def test_first_sync_converges_after_any_fault_at_any_request(
    harness: Harness, tmp_path: Path, api: Api, n_files: int
) -> None:
    repo = make_repo(tmp_path / "repo", endpoint=harness.emu.api_url, api=api, n_files=n_files)

    def prepare() -> Path:
        (repo / RECORD_FILE).unlink(missing_ok=True)
        return repo

    def check(path: Path) -> None:
        assert_converged(harness, path, endpoint_url=harness.emu.api_url)

    reference, outcomes, failures = run_matrix(
        harness, prepare=prepare, act=lambda p: harness.run(p), check=check
    )

    if api == "rdm":
        # 1 search, create, one init, content + commit per file (no re-read: the answers
        # tell what the draft holds).
        assert len(reference) == 1 + 1 + 1 + 2 * n_files, calls_of(reference)
    else:
        # 1 search, create, one bucket PUT per file.
        assert len(reference) == 1 + 1 + n_files, calls_of(reference)
    assert failures == [], "\n".join(failures)
    # Faults the client can absorb by itself never need a re-run.
    absorbed = [o for o in outcomes if o.kind in ("5xx", "429") and o.first_error]
    assert absorbed == [], [f"{o.kind} {o.request}: {o.first_error}" for o in absorbed]
    print(f"\n{api}: {len(reference)} requests; {len(outcomes)} scenarios; {report(outcomes)}")


def calls_of(reference: list[Request]) -> list[str]:
    return [f"{r.method} {r.path}" for r in reference]


# --- a new version with changed, removed and added files, then publish -------------------------


@pytest.mark.parametrize("api", ["rdm", "legacy"])
def test_publishing_a_new_version_converges_after_any_fault(
    harness: Harness, tmp_path: Path, api: Api
) -> None:
    repo = tmp_path / "repo"

    def prepare() -> Path:
        if repo.exists():
            for path in (repo / "data").iterdir():
                path.unlink()
            (repo / RECORD_FILE).unlink(missing_ok=True)
        make_repo(repo, endpoint=harness.emu.api_url, api=api, n_files=3)
        harness.run(repo, "publish", version="1.0.0")
        (repo / "data" / "f000.csv").write_bytes(b"changed in version 2\n")
        (repo / "data" / "f001.csv").unlink()
        (repo / "data" / "f003.csv").write_bytes(b"new in version 2\n")
        return repo

    def act(path: Path) -> RunResult:
        return harness.run(path, "publish", version="2.0.0")

    def check(path: Path) -> None:
        concept = assert_converged(
            harness, path, endpoint_url=harness.emu.api_url, published_versions=2, draft=False
        )
        assert [v.metadata.get("version") for v in concept.published] == ["1.0.0", "2.0.0"]
        assert set(concept.published[0].files) == {"f000.csv", "f001.csv", "f002.csv"}

    reference, outcomes, failures = run_matrix(harness, prepare=prepare, act=act, check=check)

    assert any("publish" in r.path for r in reference), calls_of(reference)
    assert failures == [], "\n".join(failures)
    print(f"\n{api}: {len(reference)} requests; {len(outcomes)} scenarios; {report(outcomes)}")


# --- a metadata-only change of a published record, then publish (edit draft) -------------------


@pytest.mark.parametrize("api", ["rdm", "legacy"])
def test_editing_a_published_record_converges_after_any_fault(
    harness: Harness, tmp_path: Path, api: Api
) -> None:
    repo = tmp_path / "repo"
    new_title = "A corrected title after publishing"

    def prepare() -> Path:
        if repo.exists():
            (repo / RECORD_FILE).unlink(missing_ok=True)
        make_repo(repo, endpoint=harness.emu.api_url, api=api, n_files=2)
        harness.run(repo, "publish")
        (repo / "zenodo.yaml").write_text(
            manifest_text(endpoint=harness.emu.api_url, api=api, title=new_title)
        )
        return repo

    def check(path: Path) -> None:
        concept = assert_converged(
            harness,
            path,
            endpoint_url=harness.emu.api_url,
            published_versions=1,
            draft=False,
            title=new_title,
        )
        entry = record_entry(path, harness.emu.api_url)
        assert (
            entry is not None and entry["doi"] == f"10.5072/zenodo.{concept.published[0].record_id}"
        )

    reference, outcomes, failures = run_matrix(
        harness, prepare=prepare, act=lambda p: harness.run(p, "publish"), check=check
    )

    assert len(reference) >= 5, calls_of(reference)
    assert failures == [], "\n".join(failures)
    print(f"\n{api}: {len(reference)} requests; {len(outcomes)} scenarios; {report(outcomes)}")


@pytest.mark.parametrize("api", ["rdm", "legacy"])
def test_failed_publish_of_an_edit_is_not_taken_for_published(
    harness: Harness, tmp_path: Path, api: Api
) -> None:
    """An edit draft's published record exists all along: after a publish error only the
    still-open draft tells that nothing was published."""
    repo = make_repo(tmp_path / "repo", endpoint=harness.emu.api_url, api=api, n_files=2)
    first = harness.run(repo, "publish")
    new_title = "A title corrected after publishing"
    (repo / "zenodo.yaml").write_text(
        manifest_text(endpoint=harness.emu.api_url, api=api, title=new_title)
    )
    harness.emu.control.inject("/actions/publish$", 500, method="POST")

    with pytest.raises(PublishOutcomeUnknown):
        harness.run(repo, "publish")

    concept = only_concept(harness.emu)
    assert len(concept.edit_drafts) == 1
    assert concept.published[0].metadata["title"] != new_title
    again = harness.run(repo, "publish")
    assert again.published and again.ids.doi == first.ids.doi
    assert_converged(
        harness,
        repo,
        endpoint_url=harness.emu.api_url,
        published_versions=1,
        draft=False,
        title=new_title,
    )


# --- the publish that commits and then answers 504 --------------------------------------------


@pytest.mark.parametrize("api", ["rdm", "legacy"])
def test_publish_that_commits_then_answers_504_is_not_repeated(
    harness: Harness, tmp_path: Path, api: Api
) -> None:
    repo = make_repo(tmp_path / "repo", endpoint=harness.emu.api_url, api=api, n_files=3)
    harness.run(repo)
    harness.emu.control.inject("/actions/publish$", 504, method="POST", when="after")
    harness.mark()

    result = harness.run(repo, "publish")

    assert result.published and result.ids.state == "published" and result.ids.doi
    assert any("had gone through" in m for m in result.messages), result.messages
    publishes = [c for c in writes(harness.log()) if c.endswith("/actions/publish")]
    assert len(publishes) == 1, calls(harness.log())
    concept = assert_converged(
        harness, repo, endpoint_url=harness.emu.api_url, published_versions=1, draft=False
    )
    assert concept.published[0].record_id == result.ids.record_id
    # A later run has nothing left to do.
    harness.mark()
    again = harness.run(repo, "publish")
    assert writes(harness.log()) == [] and not again.published
    assert len(only_concept(harness.emu).published) == 1


def test_retry_after_is_waited_for_in_virtual_time(harness: Harness, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", endpoint=harness.emu.api_url, api="rdm", n_files=2)
    harness.emu.control.inject("/draft/files$", 429, method="POST")

    harness.run(repo)

    refused = [e for e in harness.log() if e["status"] == 429]
    assert len(refused) == 1
    # The emulator's Retry-After for a fresh window is the whole minute.
    assert max(harness.slept) >= 59, harness.slept
    assert_converged(harness, repo, endpoint_url=harness.emu.api_url)


class KillAfter:
    """A response hook for several threads: raises :class:`Killed` at the n-th response."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.seen = 0
        self.lock = threading.Lock()

    def __call__(self, response: requests.Response) -> None:
        with self.lock:
            self.seen += 1
            now = self.seen
        if now == self.n:
            raise Killed(f"after response {self.n}")


def test_kill_during_parallel_uploads_converges(harness: Harness, tmp_path: Path) -> None:
    """With 4 uploads in flight the order of requests varies, but a kill after the n-th
    response (whichever request it was) must still leave a state the next run completes."""
    repo = make_repo(tmp_path / "repo", endpoint=harness.emu.api_url, api="rdm", n_files=10)
    failures = []
    # A first sync of 10 files makes 23 requests (1 search, create, init, 10 content + 10
    # commits): a kill after each of them.
    for n in range(1, 24):
        harness.reset()
        (repo / RECORD_FILE).unlink(missing_ok=True)
        harness.hooks.append(KillAfter(n))
        with pytest.raises(Killed):
            harness.run(repo, parallel=4)
        harness.hooks.clear()
        try:
            harness.run(repo, parallel=4)
            assert_converged(harness, repo, endpoint_url=harness.emu.api_url)
        except (AssertionError, ZenodoPublishError) as error:
            failures.append(f"kill after response {n}: {type(error).__name__}: {error}")
    assert failures == [], "\n".join(failures)
