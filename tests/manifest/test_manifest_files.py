"""File selection, refusals before any network call, deterministic archives, streaming md5."""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zenodo_publish import checksum
from zenodo_publish.checksum import md5_and_size
from zenodo_publish.errors import ManifestError
from zenodo_publish.manifest import load_manifest, resolve_files, select_files
from zenodo_publish.manifest.archive import write_deterministic_zip
from zenodo_publish.manifest.globs import excluded, glob_matches

HEADER = (
    "metadata:\n  title: Files test\n  resource_type: dataset\n  creators: [{name: ACME Lab}]\n"
)


def write(root: Path, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def manifest_in(root: Path, body: str) -> Path:
    path = root / "zenodo.yaml"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("data/*.csv", "data/a.csv", True),
        ("data/*.csv", "data/sub/a.csv", False),
        ("data/**/*.csv", "data/a.csv", True),
        ("data/**/*.csv", "data/x/y/a.csv", True),
        ("**/*.tmp", "a.tmp", True),
        ("file?.txt", "file1.txt", True),
        ("file[!0-9].txt", "file1.txt", False),
    ],
)
def test_globs(pattern: str, path: str, matches: bool) -> None:
    assert glob_matches(pattern, path) is matches


def test_exclude_without_slash_matches_base_names_anywhere() -> None:
    assert excluded("deep/down/x.tmp", ("*.tmp",))
    assert not excluded("deep/down/x.tmp", ("down/*.tmp",))
    assert excluded("deep/down/x.tmp", ("**/down/*.tmp",))


def test_every_file_problem_is_reported_together_before_reading(tmp_path: Path) -> None:
    write(tmp_path, {"a/x.csv": b"1", "b/x.csv": b"2", "empty.dat": b""})
    path = manifest_in(
        tmp_path, "files: [a/x.csv, b/x.csv, empty.dat, 'nothing/*.csv', ../up.txt]\n"
    )
    manifest = load_manifest(path)
    with pytest.raises(ManifestError) as raised:
        resolve_files(manifest, build_dir=tmp_path / "build")
    messages = [p.format() for p in raised.value.problems]
    assert len(messages) == 4, messages
    assert any("$.files[1]: two files would be uploaded as x.csv" in m for m in messages)
    assert any("$.files[2]: empty.dat is empty" in m for m in messages)
    assert any("$.files[3]: nothing/*.csv matches no file" in m for m in messages)
    assert any("$.files[4]: ../up.txt leaves the repository" in m for m in messages)
    assert not (tmp_path / "build").exists()  # refused before building or hashing anything


def test_a_symlink_inside_the_repository_is_fine(tmp_path: Path) -> None:
    write(tmp_path, {"real/data.csv": b"1,2\n"})
    os.symlink(tmp_path / "real" / "data.csv", tmp_path / "link.csv")
    manifest = load_manifest(manifest_in(tmp_path, "files: [link.csv]\n"))
    (local,) = resolve_files(manifest, build_dir=tmp_path / "build").files
    assert (local.name, local.size, local.md5) == ("link.csv", 4, hashlib.md5(b"1,2\n").hexdigest())


def test_overlapping_rules_select_a_file_once(tmp_path: Path) -> None:
    write(tmp_path, {"data/a.csv": b"1", "data/b.csv": b"2"})
    manifest = load_manifest(manifest_in(tmp_path, "files: ['data/*.csv', data/a.csv]\n"))
    selected, problems = select_files(manifest.files)
    assert problems == []
    assert [item.name for item in selected] == ["a.csv", "b.csv"]


def test_exactly_100_files_are_allowed_101_are_not(tmp_path: Path) -> None:
    write(tmp_path, {f"d/{i:03d}.txt": b"x" for i in range(100)})
    manifest = load_manifest(manifest_in(tmp_path, "files: [d/]\n"))
    assert select_files(manifest.files)[1] == []
    write(tmp_path, {"d/100.txt": b"x"})
    problems = select_files(manifest.files)[1]
    assert [p.json_path for p in problems] == ["$.files"]
    assert "101 files selected" in problems[0].message


def test_md5_is_streamed_in_fixed_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = os.urandom(10_000)
    path = tmp_path / "blob.bin"
    path.write_bytes(content)
    monkeypatch.setattr(checksum, "HASH_BLOCK_SIZE", 1024)
    reads: list[int] = []
    real_open = Path.open

    def spying_open(self: Path, *args: object, **kwargs: object) -> object:
        stream = real_open(self, *args, **kwargs)  # type: ignore[call-overload]
        real_readinto = stream.readinto

        def readinto(buffer: bytearray) -> int:
            reads.append(len(buffer))
            return int(real_readinto(buffer))

        stream.readinto = readinto
        return stream

    monkeypatch.setattr(Path, "open", spying_open)
    assert md5_and_size(path) == (hashlib.md5(content).hexdigest(), 10_000)
    assert reads and set(reads) == {1024}  # never a whole-file read


_names = st.text(alphabet="abcxyz019_-", min_size=1, max_size=6)
_trees = st.dictionaries(
    st.lists(_names, min_size=1, max_size=3).map("/".join),
    st.binary(max_size=64),
    min_size=1,
    max_size=8,
)


@settings(max_examples=40, deadline=None)
@given(_trees)
def test_archives_are_byte_stable(tree: dict[str, bytes]) -> None:
    """Same tree, same bytes: whatever the order files were written in, their times and modes."""
    names = sorted(tree)
    # A name can't be both a file and a folder; keep the trees that are real trees.
    if any(b.startswith(a + "/") for a in names for b in names):
        return
    outputs = []
    with tempfile.TemporaryDirectory() as scratch:
        for index, (order, mtime, mode) in enumerate(
            ((names, 1_000_000, 0o600), (names[::-1], 2_000_000_000, 0o755))
        ):
            root = Path(scratch) / str(index)
            for name in order:
                path = root / "src" / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(tree[name])
                os.chmod(path, mode)
                os.utime(path, (mtime, mtime))
            write_deterministic_zip([(n, root / "src" / n) for n in order], root / "out.zip")
            outputs.append((root / "out.zip").read_bytes())
        with zipfile.ZipFile(Path(scratch) / "0" / "out.zip") as opened:
            assert opened.namelist() == names
            assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in opened.infolist())
            assert {n: opened.read(n) for n in names} == tree
    assert outputs[0] == outputs[1]


def test_archive_rule_builds_the_same_zip_twice(tmp_path: Path) -> None:
    write(tmp_path, {"fig/a.png": b"a", "fig/sub/b.png": b"b", "fig/skip.tmp": b"t"})
    manifest = load_manifest(
        manifest_in(tmp_path, "files: [{path: fig/, archive: fig.zip}]\nexclude: ['*.tmp']\n")
    )
    one = resolve_files(manifest, build_dir=tmp_path / "b1").files[0]
    os.utime(tmp_path / "fig" / "a.png", (5, 5))
    two = resolve_files(manifest, build_dir=tmp_path / "b2").files[0]
    assert (one.name, one.md5, one.size) == (two.name, two.md5, two.size)
    assert one.origin == "archive of fig/"


def test_md5_many_hashes_in_parallel_and_keeps_the_order(tmp_path: Path) -> None:
    from zenodo_publish.checksum import HASH_BLOCK_SIZE
    from zenodo_publish.manifest.archive import md5_many

    contents = [bytes([n]) * (n * HASH_BLOCK_SIZE // 3 + n) for n in range(1, 9)]
    paths = []
    for number, content in enumerate(contents):
        path = tmp_path / f"f{number}"
        path.write_bytes(content)
        paths.append(path)
    expected = [(hashlib.md5(c).hexdigest(), len(c)) for c in contents]
    assert md5_many(paths, workers=3) == expected
    assert md5_many(paths, workers=1) == expected
