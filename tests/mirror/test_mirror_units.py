"""Pure parts of mirrors: the manifest's mirrors: with line numbers, keys, and the plan (whose
deletions never leave the prefix, whatever the listing holds)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from s3_support import manifest, write

from zenodo_publish.errors import ManifestError
from zenodo_publish.manifest import inspect_manifest, load_manifest
from zenodo_publish.manifest.mirrors import MirrorTarget, parse_s3_url
from zenodo_publish.mirror.objects import MirrorObject
from zenodo_publish.mirror.plan import RemoteObject, needs_metadata, plan_mirror


def problems_of(tmp_path: Path, mirrors: list[dict[str, object]]) -> list[str]:
    write(tmp_path / "data/a.csv", b"a")
    (tmp_path / "zenodo.yaml").write_text(manifest(["data/*"], mirrors))
    loaded, problems = inspect_manifest(tmp_path / "zenodo.yaml")
    assert loaded is None
    return [p.format() for p in problems]


def line_of(tmp_path: Path, text: str) -> int:
    return (tmp_path / "zenodo.yaml").read_text().splitlines().index(text) + 1


def test_valid_mirrors_are_typed(tmp_path: Path) -> None:
    write(tmp_path / "data/a.csv", b"a")
    text = manifest(
        ["data/*"],
        [
            {"s3": "s3://bucket-one/a/b/", "region": "eu-west-1", "delete": True},
            {
                "s3": "s3://bucket-two",
                "endpoint_url": "https://minio.example.org/",
                "layout": "flat",
            },
        ],
    )
    (tmp_path / "zenodo.yaml").write_text(text)
    first, second = load_manifest(tmp_path / "zenodo.yaml").mirrors
    assert (first.bucket, first.prefix, first.region, first.delete) == (
        "bucket-one",
        "a/b",
        "eu-west-1",
        True,
    )
    assert first.key_prefix() == "a/b/" and first.key_prefix("k1") == "a/b/k1/"
    assert first.place == f"zenodo.yaml:{line_of(tmp_path, '  - s3: s3://bucket-one/a/b/')}"
    assert (second.prefix, second.endpoint_url, second.layout) == (
        "",
        "https://minio.example.org",
        "flat",
    )
    assert second.key_prefix() == "" and second.key_prefix("k1") == "k1/"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"s3": "https://bucket/x"}, "$.mirrors[0].s3"),
        ({"s3": "s3://Bad_Bucket/x"}, "is not a bucket name"),
        ({"s3": "s3://bucket/a//b"}, "the prefix has an empty, . or .. part"),
        ({"s3": "s3://bucket/a/../b"}, "the prefix has an empty, . or .. part"),
        ({"s3": "s3://bucket/x", "endpoint_url": "http://minio.example.org"}, "plain http"),
        ({"s3": "s3://bucket/x", "endpoint_url": "https://u:p@minio.example.org"}, "credentials"),
        ({"s3": "s3://bucket", "delete": True}, "delete: true needs a prefix"),
        ({"s3": "s3://bucket/x", "layout": "nested"}, "$.mirrors[0].layout"),
        ({"s3": "s3://bucket/x", "acl": "public-read"}, "acl"),
        ({"endpoint_url": "https://x.org"}, "$.mirrors[0]"),
    ],
)
def test_mirror_problems_name_the_line(
    tmp_path: Path, entry: dict[str, object], message: str
) -> None:
    found = problems_of(tmp_path, [entry])
    assert len(found) == 1, found
    line = line_of(tmp_path, "mirrors:") + 1  # the entry's first line
    assert found[0].startswith("zenodo.yaml:"), found
    assert int(found[0].split(":")[1]) >= line and message in found[0], found


def test_nested_prefixes_in_one_bucket_are_refused(tmp_path: Path) -> None:
    found = problems_of(tmp_path, [{"s3": "s3://bucket/data"}, {"s3": "s3://bucket/data/sub"}])
    assert len(found) == 1 and "overlaps the mirror at zenodo.yaml:" in found[0]
    # data and data2 do not nest.
    write(tmp_path / "data/a.csv", b"a")
    (tmp_path / "zenodo.yaml").write_text(
        manifest(["data/*"], [{"s3": "s3://bucket/data"}, {"s3": "s3://bucket/data2"}])
    )
    assert len(load_manifest(tmp_path / "zenodo.yaml").mirrors) == 2


def test_parse_s3_url() -> None:
    assert parse_s3_url("s3://my.bucket-1/a/b") == ("my.bucket-1", "a/b")
    assert isinstance(parse_s3_url("s3://ab"), str)


def obj(key: str, md5: str = "0" * 32, size: int = 1, last: bool = False) -> MirrorObject:
    return MirrorObject(key, size, md5, Path("/dev/null"), key, last)


def test_plan_orders_files_then_catalogs_then_deletions() -> None:
    wanted = [obj("catalog.yaml", last=True), obj("a"), obj("b", md5="1" * 32)]
    listing = {
        "p/b": RemoteObject("p/b", 1, "0" * 32),
        "p/gone": RemoteObject("p/gone", 1, "x"),
    }
    plan = plan_mirror(wanted, listing, key_prefix="p/", delete=True)
    assert [(s.action, s.key) for s in plan.steps] == [
        ("upload", "p/a"),
        ("replace", "p/b"),
        ("upload", "p/catalog.yaml"),
        ("delete", "p/gone"),
    ]


def test_multipart_etag_needs_the_metadata() -> None:
    wanted = [obj("big", md5="a" * 32, size=10)]
    listing = {"p/big": RemoteObject("p/big", 10, "abc-3")}
    assert needs_metadata(wanted, listing, "p/") == ["p/big"]
    known = {"p/big": RemoteObject("p/big", 10, "abc-3", md5="a" * 32)}
    assert needs_metadata(wanted, known, "p/") == []
    assert plan_mirror(wanted, known, key_prefix="p/", delete=False).steps[0].action == "skip"


keys = st.text(alphabet="ab/2.", min_size=1, max_size=8)


@given(listed=st.lists(keys, max_size=20), wanted=st.lists(keys, max_size=10))
def test_deletions_never_leave_the_prefix(listed: list[str], wanted: list[str]) -> None:
    """Whatever a (misbehaving) server lists, only keys under ``a/`` are ever deleted."""
    listing = {k: RemoteObject(k, 1, "e") for k in listed}
    plan = plan_mirror([obj(w) for w in wanted], listing, key_prefix="a/", delete=True)
    for step in plan.of("delete"):
        assert step.key.startswith("a/") and step.key != "a/"
        assert step.key not in {"a/" + w for w in wanted}


def test_flat_layout_collisions_name_the_mirror(tmp_path: Path) -> None:
    from zenodo_publish.manifest import resolve_files
    from zenodo_publish.mirror.objects import mirror_objects

    write(tmp_path / "x/a.csv", b"1")
    write(tmp_path / "out/catalog.yaml", b"[../x/a.csv]\n")
    (tmp_path / "zenodo.yaml").write_text(
        manifest(["{catalog: out/catalog.yaml}"], [{"s3": "s3://bucket/p"}])
    )
    loaded = load_manifest(tmp_path / "zenodo.yaml")
    local = resolve_files(loaded, build_dir=tmp_path / "build")
    target: MirrorTarget = loaded.mirrors[0]
    with pytest.raises(ManifestError) as caught:
        mirror_objects(local, loaded.files, target)
    assert "outside its catalog's folder" in str(caught.value)
    assert caught.value.problems[0].line == line_of(tmp_path, "  - s3: s3://bucket/p")


def test_start_up_does_not_import_boto3() -> None:
    """The action's entrypoint, the CLI's parser and a manifest with mirrors load without boto3:
    it is imported only when a mirror runs (the image's start-up stays as measured)."""
    import subprocess
    import sys

    code = (
        "import sys, zenodo_publish.github.entrypoint, zenodo_publish.mirror;"
        "from zenodo_publish.cli import build_parser; build_parser();"
        "sdk = ('boto3', 'botocore', 's3transfer');"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in sdk))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
