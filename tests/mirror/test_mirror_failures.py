"""Mirror failures: one clear error naming the mirror's manifest line and what to do; Zenodo's
result of the same run stands and is still reported; credentials never in any output."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from leakcheck import LeakGuard, guard_context
from s3_support import (
    ACCESS_KEY_ID,
    SECRET_ACCESS_KEY,
    SESSION_TOKEN,
    S3Server,
    file_bytes,
    manifest,
    s3_error,
    write,
)

from zenodo_publish.cli import main
from zenodo_publish.emulator.testing import EmulatorHandle
from zenodo_publish.errors import MirrorError

BUCKET = "failure-bucket"


@pytest.fixture
def leak_guard(capfd: pytest.CaptureFixture[str]) -> Iterator[LeakGuard]:
    """The sweep's leak guard, watching the AWS secrets and botocore's own DEBUG log too."""
    botocore = logging.getLogger("botocore")
    level = botocore.level
    botocore.setLevel(logging.DEBUG)
    try:
        for guard in guard_context(capfd):
            guard.add_secret(SECRET_ACCESS_KEY)
            guard.add_secret(SESSION_TOKEN)
            yield guard
    finally:
        botocore.setLevel(level)


def make_repo(root: Path, s3: S3Server, *, endpoint: str = "sandbox", **mirror: Any) -> Path:
    write(root / "data/a.csv", file_bytes("a", 500))
    entry = {"s3": f"s3://{BUCKET}/pub", "endpoint_url": s3.url, **mirror}
    text = manifest(["data/*"], [entry]).replace("endpoint: sandbox", f"endpoint: {endpoint}")
    (root / "zenodo.yaml").write_text(text)
    return root


def mirror_line(repo: Path) -> str:
    lines = (repo / "zenodo.yaml").read_text().splitlines()
    return f"zenodo.yaml:{lines.index(f'  - s3: s3://{BUCKET}/pub') + 1}"


def run_cli(repo: Path, guard: LeakGuard, *args: str) -> tuple[int, str, str]:
    code = main([args[0], "--manifest", str(repo / "zenodo.yaml"), *args[1:]])
    out, err = guard.readouterr()
    return code, out, err


def test_bucket_missing(s3: S3Server, tmp_path: Path, leak_guard: LeakGuard) -> None:
    repo = make_repo(tmp_path, s3)
    code, _, err = run_cli(repo, leak_guard, "mirror")
    assert code == MirrorError.exit_code == 7
    assert f"the bucket {BUCKET} does not exist" in err
    assert mirror_line(repo) in err
    assert "hint: create the bucket, or fix the s3: URL" in err


def test_missing_credentials(
    s3: S3Server, tmp_path: Path, leak_guard: LeakGuard, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    repo = make_repo(tmp_path, s3)
    s3.mark()
    code, _, err = run_cli(repo, leak_guard, "mirror")
    assert code == 7
    assert f"no AWS credentials found for the mirror s3://{BUCKET}/pub ({mirror_line(repo)})" in err
    assert "aws-actions/configure-aws-credentials" in err
    assert s3.operations() == []  # nothing was sent


def test_access_denied(s3: S3Server, tmp_path: Path, leak_guard: LeakGuard) -> None:
    s3.client().create_bucket(Bucket=BUCKET)
    s3.faults.append(lambda request: s3_error(403, "AccessDenied", "Access Denied"))
    repo = make_repo(tmp_path, s3, delete=True)
    code, _, err = run_cli(repo, leak_guard, "mirror")
    assert code == 7
    assert f"access denied while listing the bucket for the mirror s3://{BUCKET}/pub" in err
    assert mirror_line(repo) in err
    assert "s3:ListBucket" in err and "s3:DeleteObject" in err


def test_wrong_region(s3: S3Server, tmp_path: Path, leak_guard: LeakGuard) -> None:
    s3.client().create_bucket(Bucket=BUCKET)
    s3.faults.append(
        lambda request: s3_error(
            301,
            "PermanentRedirect",
            "The bucket you are attempting to access must be addressed using the specified "
            "endpoint.",
            **{"x-amz-bucket-region": "eu-west-1"},
        )
    )
    repo = make_repo(tmp_path, s3, region="us-east-1")
    code, _, err = run_cli(repo, leak_guard, "mirror")
    assert code == 7
    assert f"the bucket {BUCKET} is not in us-east-1" in err and "it is in eu-west-1" in err
    assert "hint: set region: eu-west-1 in the mirror" in err
    assert mirror_line(repo) in err


def test_credentials_never_in_any_output(
    s3: S3Server, tmp_path: Path, leak_guard: LeakGuard
) -> None:
    """A full mirror, a no-op and a refused run with botocore logging at DEBUG: the secret key
    and the session token appear nowhere (the access key id is not a secret)."""
    s3.client().create_bucket(Bucket=BUCKET)
    repo = make_repo(tmp_path, s3, delete=True)
    assert run_cli(repo, leak_guard, "mirror", "--json")[0] == 0
    assert run_cli(repo, leak_guard, "mirror")[0] == 0
    s3.faults.append(lambda request: s3_error(403, "SignatureDoesNotMatch", SECRET_ACCESS_KEY))
    code = main(["--debug", "mirror", "--manifest", str(repo / "zenodo.yaml")])
    _, err = leak_guard.readouterr()
    assert code == 7 and "credentials were refused" in err
    # Over the wire: SigV4 signs with the secret key and never sends it (the session token is
    # sent, as it must be, to S3 only).
    wire = json.dumps([r.headers for r in s3.log])
    assert ACCESS_KEY_ID in wire and SECRET_ACCESS_KEY not in wire


def test_sync_then_mirror_failure_keeps_the_zenodo_result(
    s3: S3Server,
    emulator: EmulatorHandle,
    tmp_path: Path,
    leak_guard: LeakGuard,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Zenodo first; the mirror's failure is reported after the record, exit code 7; a re-run
    after the bucket exists leaves Zenodo alone and mirrors."""
    monkeypatch.setenv("ZENODO_TOKEN", emulator.token)
    leak_guard.add_secret(emulator.token)
    repo = make_repo(tmp_path, s3, endpoint=emulator.api_url)
    code, out, err = run_cli(repo, leak_guard, "sync", "--repository-url", "https://github.com/x/y")
    assert code == 7
    assert "files: 1 uploaded" in out and "record: " in out
    assert "mirror s3://failure-bucket/pub/: failed" in out
    assert f"the bucket {BUCKET} does not exist" in err
    record = json.loads((repo / ".zenodo-record.json").read_text())
    assert record  # the record file was written: the Zenodo result stands

    s3.client().create_bucket(Bucket=BUCKET)
    code, out, _ = run_cli(
        repo, leak_guard, "sync", "--json", "--repository-url", "https://github.com/x/y"
    )
    assert code == 0
    document = json.loads(out)
    assert document["files_uploaded"] == 0
    assert (document["mirrors"]["uploaded"], document["mirrors"]["skipped"]) == (1, 0)
