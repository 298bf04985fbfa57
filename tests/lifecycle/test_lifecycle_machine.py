"""A record's whole life (SPEC §13): a Hypothesis state machine over sequences of events.

Rules (each commits and pushes what a researcher would, then runs what GitHub would run):
push of a file added, changed or removed; edits of the title, the licence and CITATION.cff's
version (up and down); a release (``release: published``) or a tag push of a version, final or
pre-release; ``workflow_dispatch`` with mode validate, plan, sync or publish; a pull request;
a second dataset in the same repository (``rivers/``, action input ``working_directory``) and
the ``prereleases`` switch; the CLI's ``sync`` from a researcher's clone; a crash at a random
response of the next run; a second run in the middle of the next one (two runs at once).

Invariants, checked after every step:

1. every concept carries the marker of exactly one dataset, each dataset has at most one
   concept (no duplicate concepts), and a dataset's record file names its own concept;
2. a published version's version string never changes or disappears;
3. each new published version is higher than the concept's previous latest;
4. no pre-release is published unless the manifest says ``publish.prereleases: true``;
5. after a run that wrote and succeeded, the record file carries the latest published DOI,
   the concept DOI, and the open draft, and the concept has no draft it does not name
   (no orphan drafts);
7. a run that published prints the DOI, and the step summary leads with it, whatever failed;
+. every published version holds exactly the files the repository had at the commit it was
   published from; after a successful sync the draft holds the files of main (no lost files);
+. no run ends in an internal error (a traceback instead of a precise message).

(6, production spellings, and 8, the example workflows' concurrency, are not events of a
repository's life: tests/lifecycle/test_lifecycle_problems.py covers them.)

``HYPOTHESIS_PROFILE=lifecycle-nightly`` (``make test-lifecycle``) runs many more examples.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from lifecycle_support import (
    REPOSITORY_URL,
    ActionRun,
    Concept,
    World,
    citation_text,
    git,
    manifest_text,
)

from zenodo_publish.emulator.testing import EmulatorHandle
from zenodo_publish.sync import versions

settings.register_profile(
    "lifecycle",
    max_examples=6,
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
settings.register_profile(
    "lifecycle-nightly",
    max_examples=150,
    stateful_step_count=16,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "lifecycle")
if not PROFILE.startswith("lifecycle"):
    PROFILE = "lifecycle"

FOLDERS = (".", "rivers")
NAMES = ("a.csv", "b.csv", "c.txt")
VERSIONS = ("0.9.0", "1.0.0", "1.1.0", "2.0.0")
TITLES = ("Lakes", "Lakes and ponds", "Lake survey")
LICENSES = ("cc-by-4.0", "cc0-1.0", "mit")


@dataclass
class Dataset:
    folder: str
    title: str
    files: dict[str, str] = field(default_factory=dict)
    license: str = "cc-by-4.0"
    cff_version: str | None = None
    prereleases: bool = False

    @property
    def marker(self) -> str:
        if self.folder == ".":
            return REPOSITORY_URL
        return f"{REPOSITORY_URL}/blob/HEAD/{self.folder}/zenodo.yaml"

    def path(self, name: str) -> str:
        return f"{self.folder}/{name}".removeprefix("./")


class LifecycleMachine(RuleBasedStateMachine):
    emulator: EmulatorHandle
    root: Path
    api = "rdm"  # the manifest's api: the same life on Zenodo's legacy deposit API below

    def __init__(self) -> None:
        super().__init__()
        self.emulator.reset()
        self.world = World(Path(tempfile.mkdtemp(dir=self.root)), self.emulator)
        self.datasets: dict[str, Dataset] = {}
        self.seen_versions: dict[str, str | None] = {}  # published record id -> version
        self.published_from: dict[str, str] = {}  # published record id -> commit
        # published record id -> whether the manifest allowed pre-releases when it was published
        # (the switch may be turned off later; that does not make an earlier publish wrong)
        self.prereleases_allowed_at_publish: dict[str, bool] = {}
        self.armed = ""  # what the next run will suffer ("", "crash", "meanwhile")

    # --- set-up --------------------------------------------------------------------------------

    @initialize()
    def first_dataset(self) -> None:
        self._add_dataset(".", "Lakes")

    @precondition(lambda self: "rivers" not in self.datasets)
    @rule()
    def second_dataset(self) -> None:
        self._add_dataset("rivers", "Rivers")

    def _add_dataset(self, folder: str, title: str) -> None:
        ds = Dataset(folder, title, {"a.csv": f"{folder},1\n"})
        self.datasets[folder] = ds
        self._write_dataset(ds)
        self.world.commit_push(f"Dataset {folder}")
        self._action(ds, self.world.push_run)

    def _write_dataset(self, ds: Dataset) -> None:
        self.world.write(
            ds.path("zenodo.yaml"),
            manifest_text(
                ds.title,
                license=ds.license,
                prereleases=ds.prereleases or None,
                api=self.api,
                metadata_from=("CITATION.cff",) if ds.cff_version else (),
            ),
        )
        if ds.cff_version:
            self.world.write(ds.path("CITATION.cff"), citation_text(ds.cff_version))
        elif (self.world.dev / ds.path("CITATION.cff")).exists():
            self.world.remove(ds.path("CITATION.cff"))
        data = self.world.dev / ds.path("data")
        if data.exists():
            for old in data.iterdir():
                if old.name not in ds.files:
                    old.unlink()
        for name, content in ds.files.items():
            self.world.write(ds.path(f"data/{name}"), content)

    # --- events --------------------------------------------------------------------------------

    folders = st.sampled_from(FOLDERS)

    def _dataset(self, folder: str) -> Dataset:
        return self.datasets.get(folder) or self.datasets["."]

    @rule(folder=folders, name=st.sampled_from(NAMES), content=st.sampled_from(("1\n", "2\n")))
    def push_file(self, folder: str, name: str, content: str) -> None:
        ds = self._dataset(folder)
        ds.files[name] = f"{ds.folder}:{content}"
        self._push(ds, f"Write {name}")

    @precondition(lambda self: any(len(d.files) > 1 for d in self.datasets.values()))
    @rule(folder=folders, index=st.integers(0, 2))
    def push_removal(self, folder: str, index: int) -> None:
        ds = self._dataset(folder)
        if len(ds.files) < 2:
            return
        name = sorted(ds.files)[index % len(ds.files)]
        del ds.files[name]
        self._push(ds, f"Remove {name}")

    @rule(folder=folders, title=st.sampled_from(TITLES), license=st.sampled_from(LICENSES))
    def push_metadata(self, folder: str, title: str, license: str) -> None:
        ds = self._dataset(folder)
        ds.title, ds.license = title, license
        self._push(ds, "Metadata")

    @rule(folder=folders, version=st.none() | st.sampled_from(VERSIONS))
    def push_citation_version(self, folder: str, version: str | None) -> None:
        ds = self._dataset(folder)
        ds.cff_version = version
        self._push(ds, f"CITATION.cff version {version}")

    @rule(folder=folders, on=st.booleans())
    def push_prereleases_switch(self, folder: str, on: bool) -> None:
        ds = self._dataset(folder)
        ds.prereleases = on
        self._push(ds, f"prereleases: {on}")

    @rule(
        folder=folders,
        version=st.sampled_from(VERSIONS),
        pre=st.booleans(),
        release=st.booleans(),
    )
    def tag(self, folder: str, version: str, pre: bool, release: bool) -> None:
        ds = self._dataset(folder)
        tag = f"v{version}-rc1" if pre else f"v{version}"
        if not git(self.world.remote, "tag", "-l", tag):
            self.world.tag(tag)
        elif ds.folder != "." and not git(self.world.remote, "ls-tree", tag, ds.folder):
            # The tag was pushed before this dataset existed: a run for it has no such folder
            # and stops on the input before any request (what the next run suffers stays armed).
            run = self.world.tag_run(tag, ds.folder)
            assert run.code == 2 and "is not a directory" in run.log, run.log
            return
        if release:
            self._action(ds, lambda f: self.world.release_run(tag, f, prerelease=pre), ref=tag)
        else:
            self._action(ds, lambda f: self.world.tag_run(tag, f), ref=tag)

    @rule(folder=folders, mode=st.sampled_from(("validate", "plan", "sync", "publish")))
    def dispatch(self, folder: str, mode: str) -> None:
        ds = self._dataset(folder)
        self._action(ds, lambda f: self.world.dispatch_run(mode, f), mode=mode)

    @rule(folder=folders)
    def pull_request(self, folder: str) -> None:
        ds = self._dataset(folder)
        before = self.world.emu.control.log_page()[1]
        run = self._action(ds, self.world.pull_request_run, mode="plan")
        writes = [e for e in self.world.emu.control.log(before) if e["method"] != "GET"]
        assert writes == [], f"a pull request run wrote to Zenodo: {writes}"
        assert run.killed or run.code == 0, run.log

    @rule(folder=folders)
    def cli_sync(self, folder: str) -> None:
        ds = self._dataset(folder)
        code, out = self.world.cli_sync_and_commit(ds.folder)
        assert "Traceback" not in out, out
        assert code in (0, 4), out

    @precondition(lambda self: not self.armed)
    @rule(n=st.integers(1, 14))
    def crash_next_run(self, n: int) -> None:
        self.world.kill_after(n)
        self.armed = "crash"

    @precondition(lambda self: not self.armed)
    @rule(n=st.integers(1, 10), folder=folders)
    def second_run_meanwhile(self, n: int, folder: str) -> None:
        ds = self._dataset(folder)
        self.world.meanwhile(n, lambda: self.world.push_run(ds.folder))
        self.armed = "meanwhile"

    # --- running and checking one run ----------------------------------------------------------

    def _push(self, ds: Dataset, message: str) -> None:
        self._write_dataset(ds)
        self.world.commit_push(message)
        self._action(ds, self.world.push_run)

    def _action(
        self, ds: Dataset, start: object, *, ref: str = "main", mode: str = "sync"
    ) -> ActionRun:
        armed, self.armed = self.armed, ""
        commit = git(self.world.remote, "rev-parse", f"{ref}^{{commit}}")
        concepts_before = self.world.concepts()
        before = {v.record_id for c in concepts_before for v in c.published}
        drafts_before = {d.record_id: d.files for c in concepts_before for d in c.drafts}
        run: ActionRun = start(ds.folder)  # type: ignore[operator]
        self.world.hooks.clear()
        concepts = self.world.concepts()
        new = [v for c in concepts for v in c.published if v.record_id not in before]
        for version in new:
            self.published_from[version.record_id] = commit
            if not run.killed:
                # Invariant 7: the DOI is printed and leads the summary, whatever failed later.
                assert version.doi and version.doi in run.log, run.log
                head = "\n".join(run.summary.strip().splitlines()[:4])
                assert f"https://doi.org/{version.doi}" in head, run.summary
        if run.killed:
            return run
        assert "internal error" not in run.log, run.log
        assert run.code in (0, 4, 5), f"exit {run.code}\n{run.log}"
        if run.code == 4:
            assert any(
                reason in run.log
                for reason in (
                    "versions never go backwards",
                    "already published",
                    "disagree",
                    "pre-release",
                    "changed while this run worked on it",
                )
            ), run.log
        if run.code == 0 and mode in ("sync", "publish") and not armed:
            self._check_after_success(ds, commit, run, drafts_before)
        return run

    def _check_after_success(
        self, ds: Dataset, commit: str, run: ActionRun, drafts_before: dict[str, dict[str, str]]
    ) -> None:
        concept = self._concept_of(ds)
        entry = self.world.record_file(ds.folder)
        if concept is None:
            return
        assert entry is not None, f"no record file for {ds.folder} after a successful sync"
        latest = concept.latest
        if latest is not None:
            # Invariant 5: the latest published DOI and the concept DOI stay in the record file.
            published = entry.get("latest_published") or {}
            assert published.get("doi") == latest.doi, (entry, latest)
        new_drafts = [d for d in concept.drafts if d.is_new]
        assert len(new_drafts) <= 1, f"several drafts of one concept: {new_drafts}"
        for draft in new_drafts:
            assert entry["record_id"] == draft.record_id, ("orphan draft", entry, draft)
            synced = run.outputs.get("record_id") == draft.record_id and not _named_only(
                draft.record_id, run.log
            )
            if synced:
                # No lost files: the draft holds the files of the commit the run synced.
                assert draft.files == self.world.tree_files(commit, ds.folder), run.log
            else:
                # The run's outcome is another record (the published version a release
                # re-used), or it only named a draft it found: the draft is the next
                # version's, and this run touched none of its files ...
                assert draft.files == drafts_before.get(draft.record_id), (draft, run.log)
                # ... and the published version it re-used, or had nothing to change against,
                # holds exactly the commit's files.
                outcome = run.outputs.get("record_id")
                reference = next(
                    (v for v in concept.published if v.record_id == outcome), concept.latest
                )
                assert reference is not None, run.log
                assert reference.files == self.world.tree_files(commit, ds.folder), run.log

    def _concept_of(self, ds: Dataset) -> Concept | None:
        mine = [c for c in self.world.concepts() if any(ds.marker in v.markers for v in _all(c))]
        assert len(mine) <= 1, f"{len(mine)} concepts for {ds.folder}"
        return mine[0] if mine else None

    # --- invariants ------------------------------------------------------------------------------

    @invariant()
    def each_concept_belongs_to_one_dataset(self) -> None:
        markers = {ds.marker for ds in self.datasets.values()}
        for concept in self.world.concepts():
            owners = {m for v in _all(concept) for m in v.markers if m in markers}
            assert len(owners) == 1, f"concept {concept.id} carries markers {owners}"
        for ds in self.datasets.values():
            concept = self._concept_of(ds)
            entry = self.world.record_file(ds.folder)
            if entry is not None:
                assert concept is not None, f"{ds.folder}'s record file names a stranger"
                ids = {v.record_id for v in _all(concept)}
                assert entry["record_id"] in ids, (ds.folder, entry, ids)

    @invariant()
    def published_versions_never_change_and_never_go_backwards(self) -> None:
        for concept in self.world.concepts():
            latest_so_far: str | None = None
            for version in concept.published:
                seen = self.seen_versions.setdefault(version.record_id, version.version)
                assert version.version == seen, (version.record_id, seen, version.version)
                if version.version and latest_so_far:
                    order = versions.compare(version.version, latest_so_far)
                    assert order is None or order > 0, (latest_so_far, version.version)
                latest_so_far = version.version or latest_so_far

    @invariant()
    def prereleases_only_when_allowed(self) -> None:
        for ds in self.datasets.values():
            concept = self._concept_of(ds)
            for version in concept.published if concept else []:
                allowed = self.prereleases_allowed_at_publish.setdefault(
                    version.record_id, ds.prereleases
                )
                if versions.is_prerelease(version.version):
                    assert allowed, f"pre-release {version.version} was published"

    @invariant()
    def published_files_are_the_repositorys_at_that_commit(self) -> None:
        for ds in self.datasets.values():
            concept = self._concept_of(ds)
            for version in concept.published if concept else []:
                commit = self.published_from.get(version.record_id)
                if commit is not None:
                    assert version.files == self.world.tree_files(commit, ds.folder), version


def _all(concept: Concept) -> list:  # type: ignore[type-arg]
    return [*concept.published, *concept.drafts]


class LegacyLifecycleMachine(LifecycleMachine):
    """The same events and invariants with ``api: legacy`` (Zenodo's deposit API: depositions,
    buckets, newversion, its own error shapes); the emulator keeps one store for both APIs."""

    api = "legacy"


@pytest.mark.slow
@pytest.mark.parametrize(
    "machine", [LifecycleMachine, LegacyLifecycleMachine], ids=["rdm", "legacy"]
)
def test_a_records_whole_life(
    emulator: EmulatorHandle, tmp_path: Path, machine: type[LifecycleMachine]
) -> None:
    machine.emulator = emulator
    machine.root = tmp_path
    run_state_machine_as_test(machine, settings=settings.get_profile(PROFILE))


# --- the shrunk failing sequences the machine found on the code before issue 9's fixes ---------
# (run against commit 5d9ac74; each is now a plain regression test)


def _named_only(draft_id: str, log: str) -> bool:
    """Whether the run says it found the open draft ``draft_id`` and only named it."""
    return (
        f"new-version draft {draft_id} of this concept is open and the record file does not "
        "name it" in log
    )


def replay(
    emulator: EmulatorHandle,
    root: Path,
    *steps: Callable[[LifecycleMachine], None],
    machine_class: type[LifecycleMachine] = LifecycleMachine,
) -> LifecycleMachine:
    machine_class.emulator = emulator
    machine_class.root = root
    machine = machine_class()
    for step in (LifecycleMachine.first_dataset, *steps):
        step(machine)
        machine.each_concept_belongs_to_one_dataset()
        machine.published_versions_never_change_and_never_go_backwards()
        machine.prereleases_only_when_allowed()
        machine.published_files_are_the_repositorys_at_that_commit()
    return machine


def test_found_second_dataset_took_over_the_first_ones_draft(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    """Was: "rivers's record file names a stranger" (rivers adopted the draft of the root)."""
    replay(emulator, tmp_path, LifecycleMachine.second_dataset)


def test_found_manual_publish_did_not_print_its_doi(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    """Was: a `mode: publish` dispatch published 10.5072/zenodo.2; neither log nor summary
    named the DOI."""
    replay(emulator, tmp_path, lambda m: m.dispatch(folder=".", mode="publish"))


def test_found_prereleases_switch_was_not_in_the_schema(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    """Was: exit 1, "$.publish.prereleases: unknown key 'prereleases'"."""
    replay(emulator, tmp_path, lambda m: m.push_prereleases_switch(folder=".", on=True))


def test_found_a_crash_during_a_pull_request_plan(emulator: EmulatorHandle, tmp_path: Path) -> None:
    """Was a fault of the machine itself (a killed run has no exit code); kept: a pull request
    run killed at its first response leaves nothing behind."""
    replay(
        emulator,
        tmp_path,
        lambda m: m.crash_next_run(n=1),
        lambda m: m.pull_request(folder="."),
    )


def test_found_a_manual_publish_published_a_pre_release_version(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    """Found by the nightly profile after the first fixes: a pre-release tag push synced the
    draft with version 0.9.0-rc1 (and did not publish); a `mode: publish` dispatch on main,
    where no source gives a version, kept the draft's version and published the pre-release."""
    replay(
        emulator,
        tmp_path,
        lambda m: m.tag(folder=".", version="0.9.0", pre=True, release=False),
        lambda m: m.dispatch(folder=".", mode="publish"),
    )


def test_found_switching_prereleases_off_later_was_taken_for_a_wrong_publish(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    """Found by the default profile after the fixes (a fault of the machine's invariant, which
    judged an earlier publish by the switch as it is now): with `prereleases: true` a pre-release
    tag publishes 0.9.0-rc1; turning the switch off afterwards leaves that version alone and
    publishes no other pre-release."""
    replay(
        emulator,
        tmp_path,
        lambda m: m.push_prereleases_switch(folder=".", on=True),
        lambda m: m.tag(folder=".", version="0.9.0", pre=True, release=False),
        lambda m: m.push_prereleases_switch(folder=".", on=False),
        lambda m: m.tag(folder=".", version="1.0.0", pre=True, release=True),
    )


def test_found_a_run_failed_on_a_file_another_run_uploaded_meanwhile(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    """Found by the default profile: a push adding b.csv starts a run; a second run of the same
    commit starts after the first one's first answer and uploads b.csv to the draft; the first
    run's init of b.csv was answered 400 "File with key b.csv already exists" and it exited 3.
    Now the first run re-reads the draft, sees b.csv there with its md5, and ends green."""
    replay(
        emulator,
        tmp_path,
        lambda m: m.second_run_meanwhile(n=1, folder="."),
        lambda m: m.push_file(folder=".", name="b.csv", content="1\n"),
    )


def test_found_a_tag_older_than_the_dataset(emulator: EmulatorHandle, tmp_path: Path) -> None:
    """Found by the nightly profile on the legacy API (a fault of the machine, which expected
    a sync): a tag pushed before rivers/ existed, run for rivers/, stops with exit 2 naming
    the missing working directory, and sends nothing."""
    replay(
        emulator,
        tmp_path,
        lambda m: m.tag(folder=".", version="2.0.0", pre=True, release=False),
        LifecycleMachine.second_dataset,
        lambda m: m.tag(folder="rivers", version="2.0.0", pre=True, release=False),
    )


def test_found_a_second_run_imported_the_new_versions_files_first(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    """Found by the nightly profile: after a publish, a CITATION.cff version bump starts a run
    that opens a new version; a second run of the same commit starts meanwhile, gets the same
    new-version draft (InvenioRDM answers with the open one) and imports the files first; the
    first run's files-import was answered 400 "Please remove all files first." and it exited 3.
    Now it takes the draft as the other run left it and goes on."""
    replay(
        emulator,
        tmp_path,
        LifecycleMachine.second_dataset,
        lambda m: m.dispatch(folder=".", mode="publish"),
        lambda m: m.second_run_meanwhile(folder=".", n=3),
        lambda m: m.push_citation_version(folder=".", version="0.9.0"),
    )


@pytest.mark.parametrize(
    "machine_class", [LifecycleMachine, LegacyLifecycleMachine], ids=["rdm", "legacy"]
)
def test_found_a_killed_runs_new_version_draft_is_named_by_a_later_run(
    emulator: EmulatorHandle, tmp_path: Path, machine_class: type[LifecycleMachine]
) -> None:
    """Found by the nightly profile (legacy; the same happened on RDM): a pre-release tag run
    is killed right after it opened a new version (draft 4), before it committed the record
    file; the following runs find nothing to change against the published 1.1.0 (record 3),
    and a re-release of 1.1.0 reuses record 3. They kept naming record 3 while draft 4 stayed
    open, named by nothing (SPEC §13.5). Now a run with nothing to change sees on the published
    record that a new version is open (RDM ``versions.is_latest_draft``), finds the draft with
    one search and names it (sync.engine ``_unnamed_new_version_draft``), and a release of
    1.1.0 re-uses record 3 with exit 0 (SPEC §13.3) instead of refusing the taken version."""
    machine = replay(
        emulator,
        tmp_path,
        lambda m: m.dispatch(folder=".", mode="publish"),
        lambda m: m.tag(folder=".", pre=True, release=True, version="2.0.0"),
        lambda m: m.crash_next_run(n=4),
        lambda m: m.push_citation_version(folder=".", version="1.1.0"),
        lambda m: m.dispatch(folder=".", mode="publish"),
        lambda m: m.push_citation_version(folder=".", version=None),
        lambda m: m.crash_next_run(n=10),
        lambda m: m.pull_request(folder="."),
        lambda m: m.crash_next_run(n=5),
        lambda m: m.cli_sync(folder="."),
        lambda m: m.tag(folder=".", pre=True, release=True, version="2.0.0"),
        lambda m: m.pull_request(folder="."),
        lambda m: m.crash_next_run(n=11),
        lambda m: m.dispatch(folder=".", mode="sync"),
        lambda m: m.tag(folder=".", pre=False, release=True, version="1.1.0"),
        machine_class=machine_class,
    )
    again = machine.world.release_run("v1.1.0", ".", prerelease=False)
    assert again.code == 0, again.log


@pytest.mark.parametrize(
    "machine", [LifecycleMachine, LegacyLifecycleMachine], ids=["rdm", "legacy"]
)
def test_found_a_tag_runs_unmerged_record_file_no_longer_leaves_its_draft_unnamed(
    emulator: EmulatorHandle, tmp_path: Path, machine: type[LifecycleMachine]
) -> None:
    """Found by the nightly profile (no crash involved): tag v1.1.0-rc1, then v0.9.0
    publishes; running the old v1.1.0-rc1 tag again opens a new version (draft 3) but its
    record file conflicts with main's (both changed the same lines since the tag's commit), so
    the commit-back fails with exit 5 and a hint to merge by hand; the next push had nothing to
    change against the published 0.9.0 and kept naming it, while draft 3 stayed open. Now that
    push names draft 3 (SPEC §13.5)."""
    replay(
        emulator,
        tmp_path,
        lambda m: m.tag(folder=".", pre=True, release=False, version="1.1.0"),
        lambda m: m.tag(folder=".", pre=False, release=False, version="0.9.0"),
        lambda m: m.tag(folder=".", pre=True, release=False, version="1.1.0"),
        lambda m: m.push_prereleases_switch(folder=".", on=False),
        machine_class=machine,
    )


def test_found_a_re_release_from_an_old_tag_leaves_the_next_versions_draft_alone(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    """Found by the nightly profile once re-releases re-used the published version while a
    draft is open: v1.1.0 publishes, a push opens the next version's draft with a changed
    a.csv, then the v1.1.0 tag runs again. It re-uses 1.1.0 (exit 0) and must leave the draft
    as it is: the machine asked for the tag's files in it, which would have lost the push's
    change. Now a draft the run says it left alone is checked to be unchanged."""
    replay(
        emulator,
        tmp_path,
        lambda m: m.cli_sync(folder="."),
        lambda m: m.tag(folder=".", pre=False, release=False, version="1.1.0"),
        lambda m: m.cli_sync(folder="."),
        lambda m: m.push_file(content="1\n", folder=".", name="a.csv"),
        lambda m: m.cli_sync(folder="."),
        lambda m: m.tag(folder=".", pre=False, release=False, version="1.1.0"),
    )


def test_found_a_re_release_of_a_second_dataset_on_legacy(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    """The same sequence as the nightly profile shrank it on the legacy API, for a second
    dataset (rivers/) after a crash and a concurrent run."""
    replay(
        emulator,
        tmp_path,
        lambda m: m.crash_next_run(n=1),
        lambda m: m.push_prereleases_switch(folder=".", on=False),
        lambda m: m.second_run_meanwhile(folder=".", n=1),
        LifecycleMachine.second_dataset,
        lambda m: m.tag(folder="rivers", pre=False, release=False, version="1.1.0"),
        lambda m: m.cli_sync(folder="."),
        lambda m: m.cli_sync(folder="."),
        lambda m: m.push_file(content="1\n", folder="rivers", name="a.csv"),
        lambda m: m.tag(folder="rivers", pre=False, release=False, version="1.1.0"),
        machine_class=LegacyLifecycleMachine,
    )


def test_found_two_runs_deleting_the_same_file(emulator: EmulatorHandle, tmp_path: Path) -> None:
    """Found by the nightly profile (legacy): a push removing a.csv starts a run; a second run
    of the same commit deletes a.csv first, so the first run's DELETE answers 404 "File with
    key a.csv not found" and it exited 3. A file to delete that is gone already is now a
    reason to re-read the draft and re-plan (nothing left to do), like a key another run put
    there already."""
    replay(
        emulator,
        tmp_path,
        LifecycleMachine.second_dataset,
        lambda m: m.cli_sync(folder="."),
        lambda m: m.cli_sync(folder="."),
        lambda m: m.push_file(content="1\n", folder=".", name="c.txt"),
        lambda m: m.second_run_meanwhile(folder=".", n=1),
        lambda m: m.push_removal(folder=".", index=0),
        machine_class=LegacyLifecycleMachine,
    )
