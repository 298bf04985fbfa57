"""Mirrors against a real S3 API server on loopback (moto's server), counted server-side."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from s3_support import (
    MiB,
    S3Server,
    aws_environment,
    file_bytes,
    manifest,
    md5,
    s3_error,
    write,
)

from hash_support import HashTally
from zenodo_publish.cli import main
from zenodo_publish.emulator.testing import EmulatorHandle
from zenodo_publish.manifest import load_manifest
from zenodo_publish.mirror.run import mirror_manifest

BUCKET = "mirror-bucket"


def make_repo(
    root: Path, s3: S3Server, *, files: dict[str, bytes] | None = None, **mirror: Any
) -> Path:
    files = (
        files
        if files is not None
        else {f"data/f{i}.csv": file_bytes(f"f{i}", 1000 + i) for i in range(3)}
    )
    for name, data in files.items():
        write(root / name, data)
    entry = {"s3": f"s3://{BUCKET}/pub", "endpoint_url": s3.url, **mirror}
    (root / "zenodo.yaml").write_text(manifest(["data/*"], [entry]))
    return root


def mirror(repo: Path, **kwargs: Any) -> Any:
    result = mirror_manifest(load_manifest(repo / "zenodo.yaml"), **kwargs)
    result.raise_for_failure()
    return result


@pytest.fixture
def bucket(s3: S3Server) -> str:
    s3.client().create_bucket(Bucket=BUCKET)
    s3.mark()
    return BUCKET


def test_first_mirror_then_noop_then_one_change(s3: S3Server, bucket: str, tmp_path: Path) -> None:
    repo = make_repo(tmp_path, s3)

    first = mirror(repo)
    stored = s3.keys(bucket)
    assert sorted(stored) == ["pub/data/f0.csv", "pub/data/f1.csv", "pub/data/f2.csv"]
    for i in range(3):
        data = file_bytes(f"f{i}", 1000 + i)
        assert stored[f"pub/data/f{i}.csv"]["md5"] == md5(data)
        assert s3.body(bucket, f"pub/data/f{i}.csv") == data
    assert first.uploaded == 3
    assert [r.operation for r in s3.puts()] == ["PutObject"] * 3

    s3.mark()
    again = mirror(repo)
    assert (again.uploaded, again.skipped, again.deleted) == (0, 3, 0)
    assert s3.operations() == ["ListObjects"], "a no-op is one list request, no PUT, no HEAD"

    write(repo / "data/f1.csv", b"changed, same folder")
    s3.mark()
    changed = mirror(repo)
    assert (changed.uploaded, changed.skipped) == (1, 2)
    assert [(r.operation, r.key) for r in s3.puts()] == [("PutObject", "pub/data/f1.csv")]
    assert s3.body(bucket, "pub/data/f1.csv") == b"changed, same folder"


def test_same_size_change_is_found_by_md5(s3: S3Server, bucket: str, tmp_path: Path) -> None:
    repo = make_repo(tmp_path, s3, files={"data/a.txt": b"aaaa"})
    mirror(repo)
    write(repo / "data/a.txt", b"bbbb")
    s3.mark()
    assert mirror(repo).uploaded == 1
    assert s3.body(bucket, "pub/data/a.txt") == b"bbbb"


def test_delete_stays_inside_the_prefix(s3: S3Server, bucket: str, tmp_path: Path) -> None:
    client = s3.client()
    # Neighbours that share the prefix's characters but not its folder, and the prefix itself.
    for key in ("pub2/data/f0.csv", "pubx", "pub", "other/pub/data/f0.csv", "pub/old.txt"):
        client.put_object(Bucket=bucket, Key=key, Body=b"not ours")
    repo = make_repo(tmp_path, s3, delete=True)
    assert mirror(repo).deleted == 1  # pub/old.txt: under the prefix, not selected
    (repo / "data/f2.csv").unlink()
    s3.mark()
    assert mirror(repo).deleted == 1  # the file that left the selection
    assert s3.operations() == ["ListObjects", "DeleteObjects"]
    assert sorted(s3.keys(bucket)) == [
        "other/pub/data/f0.csv",
        "pub",
        "pub/data/f0.csv",
        "pub/data/f1.csv",
        "pub2/data/f0.csv",
        "pubx",
    ]


def test_without_delete_nothing_is_removed(s3: S3Server, bucket: str, tmp_path: Path) -> None:
    repo = make_repo(tmp_path, s3)
    mirror(repo)
    (repo / "data/f2.csv").unlink()
    result = mirror(repo)
    assert result.deleted == 0
    assert "pub/data/f2.csv" in s3.keys(bucket)


def test_multipart_above_the_threshold(s3: S3Server, bucket: str, tmp_path: Path) -> None:
    big = file_bytes("big", 20 * MiB)  # the threshold and the part size are 8 MiB
    repo = make_repo(tmp_path, s3, files={"data/big.bin": big, "data/small.txt": b"small"})
    mirror(repo)
    operations = s3.operations()
    assert operations.count("UploadPart") == 3
    assert operations.count("CompleteMultipartUpload") == 1
    assert operations.count("PutObject") == 1
    stored = s3.keys(bucket)["pub/data/big.bin"]
    assert stored["etag"].endswith("-3") and stored["md5"] == md5(big)
    assert s3.body(bucket, "pub/data/big.bin") == big

    s3.mark()
    assert mirror(repo).uploaded == 0
    # The multipart ETag is not an md5: one HEAD reads the stored md5, no PUT.
    assert s3.operations() == ["ListObjects", "HeadObject"]


def test_tree_and_flat_layouts_and_the_catalog_last(
    s3: S3Server, bucket: str, tmp_path: Path
) -> None:
    write(tmp_path / "out/tiles/a.pmtiles", b"tiles a")
    write(tmp_path / "out/tiles/b.pmtiles", b"tiles b")
    write(tmp_path / "out/catalog.yaml", b"files: [tiles/a.pmtiles, tiles/b.pmtiles]\n")
    write(tmp_path / "README.txt", b"read me")
    text = manifest(
        ["README.txt", "{catalog: out/catalog.yaml}"],
        [
            {"s3": f"s3://{BUCKET}/tree", "endpoint_url": s3.url},
            {"s3": f"s3://{BUCKET}/flat", "endpoint_url": s3.url, "layout": "flat"},
        ],
    )
    (tmp_path / "zenodo.yaml").write_text(text)
    mirror(tmp_path)
    assert sorted(s3.keys(bucket)) == [
        "flat/README.txt",
        "flat/a.pmtiles",
        "flat/b.pmtiles",
        "flat/catalog.yaml",
        "tree/README.txt",
        "tree/catalog.yaml",
        "tree/tiles/a.pmtiles",
        "tree/tiles/b.pmtiles",
    ]
    for prefix in ("tree/", "flat/"):
        keys = [r.key for r in s3.puts() if r.key.startswith(prefix)]
        assert keys[-1] == prefix + "catalog.yaml", keys


def test_a_collection_record_goes_under_its_key(s3: S3Server, bucket: str, tmp_path: Path) -> None:
    from zenodo_publish.manifest import resolve_files
    from zenodo_publish.mirror import run_mirrors

    repo = make_repo(tmp_path, s3, delete=True)
    manifest_ = load_manifest(repo / "zenodo.yaml")
    s3.client().put_object(Bucket=bucket, Key="pub/other-key/x", Body=b"another record's")
    local = resolve_files(manifest_, build_dir=tmp_path / "build")
    result = run_mirrors(manifest_.mirrors, local, manifest_.files, record_key="lake-geneva")
    result.raise_for_failure()
    assert sorted(s3.keys(bucket)) == [
        "pub/lake-geneva/data/f0.csv",
        "pub/lake-geneva/data/f1.csv",
        "pub/lake-geneva/data/f2.csv",
        "pub/other-key/x",
    ]


def test_dry_run_lists_only(s3: S3Server, bucket: str, tmp_path: Path) -> None:
    repo = make_repo(tmp_path, s3)
    result = mirror(repo, dry_run=True)
    assert [s.action for s in result.outcomes[0].plan.steps] == ["upload"] * 3
    assert s3.operations() == ["ListObjects"]
    assert s3.keys(bucket) == {}


def test_killed_upload_is_finished_by_a_rerun(s3: S3Server, bucket: str, tmp_path: Path) -> None:
    big = file_bytes("killed", 24 * MiB)
    repo = make_repo(tmp_path, s3, files={"data/big.bin": big})
    child: dict[str, subprocess.Popen[bytes]] = {}

    def kill_on_second_part(request: Any) -> Any:
        if request.operation == "UploadPart" and request.query["partNumber"] == ["2"]:
            os.kill(child["process"].pid, signal.SIGKILL)
            return s3_error(500, "InternalError", "the client was killed")
        return None

    s3.faults.append(kill_on_second_part)
    env = {**os.environ, **aws_environment(s3.url)}
    child["process"] = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zenodo_publish",
            "mirror",
            "--manifest",
            str(repo / "zenodo.yaml"),
            "--parallel",
            "1",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert child["process"].wait(timeout=120) == -signal.SIGKILL
    s3.faults.clear()
    client = s3.client()
    assert s3.keys(bucket) == {}
    assert len(client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])) == 1

    s3.mark()
    assert mirror(repo).uploaded == 1
    assert s3.body(bucket, "pub/data/big.bin") == big
    assert "AbortMultipartUpload" in s3.operations()
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_cli_mirror_json_and_exit_code(
    s3: S3Server, bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path, s3)
    assert main(["mirror", "--manifest", str(repo / "zenodo.yaml"), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["uploaded"], document["skipped"]) == (3, 0)
    line = (repo / "zenodo.yaml").read_text().splitlines().index(f"  - s3: s3://{BUCKET}/pub") + 1
    assert document["targets"][0]["manifest"] == f"zenodo.yaml:{line}"


def test_plan_shows_the_mirrors(
    s3: S3Server, bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path, s3, delete=True)
    assert main(["plan", "--offline", "--manifest", str(repo / "zenodo.yaml")]) == 0
    text = capsys.readouterr().out
    assert f"mirror s3://{BUCKET}/pub (zenodo.yaml:" in text and "layout tree, delete" in text
    assert "  pub/data/f0.csv" in text
    assert s3.operations() == []  # offline: the bucket is not read

    assert main(["mirror", "--dry-run", "--manifest", str(repo / "zenodo.yaml")]) == 0
    text = capsys.readouterr().out
    assert f"mirror s3://{BUCKET}/pub/: 3 to upload, 0 unchanged, 0 to delete" in text
    assert "  upload   pub/data/f2.csv  (new)" in text
    assert s3.operations() == ["ListObjects"]


COLLECTION = """\
endpoint: sandbox
metadata:
  resource_type: dataset
  license: cc-by-4.0
  description: One lake.
  creators: [{{family_name: Lovelace, given_name: Ada}}]
files: [LICENSE.txt]
records:
  - key: lake-geneva
    metadata: {{title: Lake Geneva}}
    files: [lakes/geneva/*]
  - key: lake-como
    metadata: {{title: Lake Como}}
    files: [lakes/como/*]
mirrors:
  - s3: s3://{bucket}/lakes
    endpoint_url: {url}
    delete: true
"""


def test_a_collection_mirrors_each_record_under_its_key(
    s3: S3Server, bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "LICENSE.txt", b"CC-BY-4.0\n")
    write(tmp_path / "lakes/geneva/depth.csv", b"geneva depth")
    write(tmp_path / "lakes/como/depth.csv", b"como depth")
    (tmp_path / "zenodo.yaml").write_text(COLLECTION.format(bucket=BUCKET, url=s3.url))
    args = ["mirror", "--manifest", str(tmp_path / "zenodo.yaml")]
    assert main(args) == 0
    assert sorted(s3.keys(bucket)) == [
        "lakes/lake-como/LICENSE.txt",
        "lakes/lake-como/lakes/como/depth.csv",
        "lakes/lake-geneva/LICENSE.txt",
        "lakes/lake-geneva/lakes/geneva/depth.csv",
    ]
    capsys.readouterr()

    # One record's deletion stays inside its own prefix/<key>/.
    (tmp_path / "lakes/como/depth.csv").unlink()
    write(tmp_path / "lakes/como/area.csv", b"como area")
    s3.mark()
    assert main([*args, "--records", "lake-como", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["uploaded"], document["deleted"]) == (1, 1)
    assert all(r.key.startswith("lakes/lake-como/") for r in s3.log if r.key)
    assert sorted(s3.keys(bucket)) == [
        "lakes/lake-como/LICENSE.txt",
        "lakes/lake-como/lakes/como/area.csv",
        "lakes/lake-geneva/LICENSE.txt",
        "lakes/lake-geneva/lakes/geneva/depth.csv",
    ]


def test_cli_sync_and_its_mirrors_hash_each_file_once(
    s3: S3Server,
    bucket: str,
    tmp_path: Path,
    emulator: EmulatorHandle,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    hashed: HashTally,
    settled: None,
) -> None:
    """`sync` mirrors after Zenodo in the same process: the mirror reuses the md5 each file's
    upload to Zenodo made, so the files are hashed once, by those uploads (issue 15)."""
    repo = make_repo(tmp_path, s3)
    monkeypatch.setenv("ZENODO_TOKEN", emulator.token)
    args = ["sync", "--manifest", str(repo / "zenodo.yaml"), "--endpoint", emulator.api_url]
    hashed.bytes = 0
    assert main([*args, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["mirrors"]["uploaded"] == 3
    files = {p.name: p.read_bytes() for p in (repo / "data").iterdir()}
    assert hashed.bytes == sum(len(data) for data in files.values())
    assert {k.rsplit("/", 1)[-1]: o["md5"] for k, o in s3.keys(bucket).items()} == {
        name: md5(data) for name, data in files.items()
    }
