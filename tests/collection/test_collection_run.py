"""A collection against the emulator: every record synced once, isolation, re-runs, shards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from collection_support import Runner, make_collection_repo, record_file, titles

from zenodo_publish.cli import main
from zenodo_publish.collection.selection import Shard

SANDBOX = "https://sandbox.zenodo.org/api"
KEYS = [f"obj-{i:02d}" for i in range(6)]


def test_first_sync_creates_one_record_per_key_and_one_record_file_each(
    tmp_path: Path, runner: Runner
) -> None:
    repo = make_collection_repo(tmp_path / "repo", KEYS)
    result = runner.run(repo)
    assert result.failed == ()
    assert [o.key for o in result.outcomes] == KEYS
    endpoint = "https://sandbox.zenodo.org/api"
    for key in KEYS:
        entry = record_file(repo, key, endpoint)
        assert entry is not None and entry["state"] == "draft"
    assert titles(runner.emu) == {f"Object {k}": 1 for k in KEYS}
    assert result.searches == 1
    # Each record carries the dataset's marker plus its key (zenodo.yaml at the root: the
    # repository URL alone names the dataset).
    for record in runner.emu.control.state()["records"]:
        metadata = record["draft"]["metadata"]
        key = metadata["title"].removeprefix("Object ")
        identifiers = [r["identifier"] for r in metadata.get("related_identifiers", [])]
        assert f"https://github.com/example/objects#{key}" in identifiers


def test_rerun_does_nothing_but_read(tmp_path: Path, runner: Runner) -> None:
    repo = make_collection_repo(tmp_path / "repo", KEYS)
    runner.run(repo)
    runner.emu.control.clear_log()
    result = runner.run(repo)
    assert result.failed == ()
    methods = {entry["method"] for entry in runner.log()}
    assert methods == {"GET"}
    assert all(o.result is not None and o.result.files_uploaded == 0 for o in result.outcomes)


class Killed(BaseException):
    """Stands in for SIGKILL: nothing in the engine or the collection catches it."""


def test_one_failing_record_does_not_stop_the_others_and_a_rerun_finishes_it(
    tmp_path: Path, runner: Runner
) -> None:
    repo = make_collection_repo(tmp_path / "repo", KEYS)
    runner.emu.control.inject(r"obj-02-0\.txt/content", 500, method="PUT", count=50)
    result = runner.run(repo)
    assert result.failed == ("obj-02",)
    failed = next(o for o in result.outcomes if not o.ok)
    assert failed.error is not None and "500" in failed.error
    assert all(o.ok for o in result.outcomes if o.key != "obj-02")
    runner.emu.control.clear_faults()
    runner.emu.control.clear_log()
    again = runner.run(repo)
    assert again.failed == ()
    uploads = [e for e in runner.log() if e["method"] == "PUT" and e["path"].endswith("/content")]
    assert uploads and all(e["path"].rsplit("/", 2)[-2].startswith("obj-02-") for e in uploads)
    assert titles(runner.emu) == {f"Object {k}": 1 for k in KEYS}


@pytest.mark.parametrize("kill_at", [1, 2, 9, 17])
def test_a_run_killed_half_way_and_run_again_makes_each_record_exactly_once(
    tmp_path: Path, runner: Runner, kill_at: int
) -> None:
    """Killed right after the n-th create (POST), before its answer reached the engine: the
    re-run adopts that draft through the one shared search and creates only what is left."""
    repo = make_collection_repo(tmp_path / "repo", KEYS)
    seen: list[int] = []

    def kill(response: requests.Response) -> None:
        seen.append(1)
        if len(seen) == kill_at:
            raise Killed

    runner.hooks.append(kill)
    with pytest.raises(Killed):
        runner.run(repo)
    runner.hooks.clear()
    done = [k for k in KEYS if record_file(repo, k, SANDBOX) is not None]
    assert len(done) < len(KEYS)
    runner.emu.control.clear_log()
    result = runner.run(repo)
    assert result.failed == ()
    assert titles(runner.emu) == {f"Object {k}": 1 for k in KEYS}
    assert all(record_file(repo, k, SANDBOX) is not None for k in KEYS)
    searches = [e for e in runner.log() if e["method"] == "GET" and "q" in e.get("query", {})]
    assert len(searches) <= 1, searches  # one search (drafts and published) for the whole run


def test_shards_split_the_collection_disjointly_and_stably(tmp_path: Path, runner: Runner) -> None:
    keys = [f"s{i:03d}" for i in range(24)]
    repo = make_collection_repo(tmp_path / "repo", keys, files_per_record=1)
    taken: list[str] = []
    for index in (1, 2, 3):
        result = runner.run(repo, shard=Shard(index, 3))
        assert result.failed == ()
        assert len(result.outcomes) == 8  # even shards
        # The 3 shards share the token: each run paces itself to a third of the budget.
        assert runner.sessions[-1].pacer.clients == 3
        taken += [o.key for o in result.outcomes]
    assert sorted(taken) == keys and len(set(taken)) == len(keys)
    assert titles(runner.emu) == {f"Object {k}": 1 for k in keys}
    only = runner.run(repo, records=("s005", "s006"))
    assert [o.key for o in only.outcomes] == ["s005", "s006"]
    assert runner.sessions[-1].pacer.clients == 1


def test_publish_publishes_each_record_and_status_lists_them(
    tmp_path: Path, runner: Runner, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_collection_repo(tmp_path / "repo", KEYS[:3])
    runner.emu.control.inject(r"obj-01-1\.txt/content", 500, method="PUT", count=50)
    result = runner.run(repo, "publish")
    assert result.failed == ("obj-01",)
    published = [o.key for o in result.outcomes if o.result is not None and o.result.published]
    assert published == ["obj-00", "obj-02"]  # obj-01's files are not all in: not published
    code = main(["status", "--manifest", str(repo / "zenodo.yaml"), "--json"])
    assert code == 0
    rows = {r["key"]: r for r in json.loads(capsys.readouterr().out)["records"]}
    assert rows["obj-00"]["state"] == "published" and rows["obj-00"]["doi"]
    assert rows["obj-01"]["state"] == "draft" and rows["obj-01"]["doi"] is None
    assert rows["obj-02"]["files"] == ["LICENSE.txt", "obj-02-0.txt", "obj-02-1.txt"]
    assert main(["status", "--manifest", str(repo / "zenodo.yaml"), "--markdown"]) == 0
    markdown = capsys.readouterr().out
    assert "#### Published" in markdown and "#### Drafts" in markdown
    assert "| `obj-01` |" in markdown


def test_cli_exit_code_names_the_failed_keys(
    tmp_path: Path,
    runner: Runner,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = make_collection_repo(tmp_path / "repo", KEYS[:3])
    monkeypatch.setenv("ZENODO_TOKEN", runner.emu.token)
    # 413 is not retried: the command line's real sleeps stay out of the test.
    runner.emu.control.inject(r"obj-01-0\.txt/content", 413, method="PUT", count=50)
    manifest = str(repo / "zenodo.yaml")
    code = main(["sync", "--manifest", manifest, "--endpoint", runner.emu.api_url])
    captured = capsys.readouterr()
    assert code == 6
    assert "1 of 3 records failed" in captured.err and "obj-01:" in captured.err
    assert "[1/3] obj-00: 3 uploaded, draft" in captured.err
    assert "obj-02" in captured.out
    assert main(["matrix", "--shards", "4"]) == 0
    assert json.loads(capsys.readouterr().out) == {"shard": ["1/4", "2/4", "3/4", "4/4"]}
