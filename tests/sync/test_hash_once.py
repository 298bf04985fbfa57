"""Every local file is hashed once per run, and the integrity check holds either way (issue 15).

A file whose md5 decides nothing before the upload (Zenodo has no completed file of that name
and size: every file of a first sync) is hashed by the upload stream, and Zenodo's checksum
is compared with that md5; a file that has to be compared is hashed before, and its upload
does not hash it again. The md5s are counted through :func:`zenodo_publish.checksum.new_md5`,
the one place that hashes local files; the emulator's own md5 is not counted.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from engine_support import (
    Api,
    Harness,
    assert_converged,
    concepts,
    file_bytes,
    make_repo,
    upload_calls,
)

from hash_support import HashTally
from zenodo_publish import checksum
from zenodo_publish.errors import IntegrityError

SIZE = 5000


def repo_of(harness: Harness, tmp_path: Path, api: Api) -> Path:
    files = {f"f{i}.bin": file_bytes(i, SIZE) for i in range(4)}
    return make_repo(tmp_path / "repo", endpoint=harness.emu.api_url, api=api, files=files)


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


@pytest.mark.parametrize("api", ["rdm", "legacy"])
def test_first_sync_hashes_each_file_once_in_its_upload(
    harness: Harness, tmp_path: Path, hashed: HashTally, api: Api
) -> None:
    repo = repo_of(harness, tmp_path, api)
    result = harness.run(repo, parallel=2)
    # Each file once, by its upload: nothing is read before the upload starts.
    assert (hashed.bytes, hashed.scans) == (4 * SIZE, 0)
    # The outcome carries the md5 the upload made, and Zenodo holds exactly those.
    expected = {p.name: md5(p.read_bytes()) for p in (repo / "data").iterdir()}
    assert {f.name: f.md5 for f in result.files} == expected
    assert_converged(harness, repo, endpoint_url=harness.emu.api_url)


@pytest.mark.parametrize("api", ["rdm", "legacy"])
def test_re_syncs_hash_each_file_once_and_compare_before_uploading(
    harness: Harness, tmp_path: Path, hashed: HashTally, api: Api
) -> None:
    repo = repo_of(harness, tmp_path, api)
    harness.run(repo)
    hashed.bytes = hashed.scans = 0
    harness.mark()
    harness.run(repo)  # nothing changed: every file compared, none uploaded
    assert (hashed.bytes, hashed.scans) == (4 * SIZE, 4)
    assert upload_calls(harness.log()) == []

    # Same size, other content: hashed to compare, uploaded without hashing it again; a new
    # size needs no md5 to be uploaded, so it is hashed by its upload only.
    (repo / "data" / "f1.bin").write_bytes(b"z" * SIZE)
    (repo / "data" / "f2.bin").write_bytes(b"y" * (SIZE + 1))
    hashed.bytes = hashed.scans = 0
    harness.mark()
    result = harness.run(repo)
    assert (hashed.bytes, hashed.scans) == (4 * SIZE + 1, 3)
    assert sorted(upload_calls(harness.log())) == ["f1.bin", "f2.bin"]
    outcome = {f.name: (f.action, f.md5) for f in result.files}
    assert outcome["f1.bin"] == ("replace", md5(b"z" * SIZE))
    assert outcome["f2.bin"] == ("replace", md5(b"y" * (SIZE + 1)))
    assert_converged(harness, repo, endpoint_url=harness.emu.api_url)


def test_a_dry_run_lists_every_md5_and_hashes_each_file_once(
    harness: Harness, tmp_path: Path, hashed: HashTally
) -> None:
    repo = repo_of(harness, tmp_path, "rdm")
    result = harness.run(repo, "plan")
    assert (hashed.bytes, hashed.scans) == (4 * SIZE, 4)
    files = result.plan["files"]
    assert isinstance(files, list)
    assert {f["name"]: f["md5"] for f in files} == {
        p.name: md5(p.read_bytes()) for p in (repo / "data").iterdir()
    }


@pytest.mark.parametrize("api", ["rdm", "legacy"])
def test_a_checksum_that_differs_from_the_streamed_md5_is_an_error(
    harness: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, api: Api
) -> None:
    """The md5 made in the upload stream is checked against Zenodo's checksum exactly as a
    scanned one: here the stream hashes other bytes than Zenodo received (as when the transfer
    is corrupted), so the file is refused and removed from the draft, and nothing is
    reported as uploaded."""

    class Corrupted:
        def __init__(self) -> None:
            self._md5 = hashlib.md5(usedforsecurity=False)

        def update(self, data: Any) -> None:
            self._md5.update(bytes(data)[::-1])

        def hexdigest(self) -> str:
            return self._md5.hexdigest()

    monkeypatch.setattr(checksum, "new_md5", Corrupted)
    repo = repo_of(harness, tmp_path, api)
    with pytest.raises(IntegrityError, match="Zenodo stored something other"):
        harness.run(repo)
    # What Zenodo holds of the draft: no completed file with an md5 this run did not confirm.
    for concept in concepts(harness.emu):
        for version in [*concept.drafts, *concept.published]:
            assert version.files == {}
