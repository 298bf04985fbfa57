"""Mirror rows of ``make bench`` (issue 14): requests per file against a real S3 API server, and
a 2 GiB file's peak RSS and throughput against boto3's own ``upload_file`` in the same run.

Two S3 endpoints, each a child process on 127.0.0.1 that counts requests server-side:

- ``moto``: moto's S3 server application (what ThreadedMotoServer serves), for the 100 x 1 MiB
  rows: a real S3 API, so the request counts are those S3 would see.
- ``sink``: a minimal S3 endpoint that reads and discards upload bodies (multipart included)
  and keeps nothing, for the 2 GiB rows: moto assembles a completed multipart upload in memory
  (4+ GB for 2 GiB) and its parsing would dominate the timing; the sink measures the client.

    .venv/bin/python -m bench --only 7
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.workload import spawn

MiB = 1024 * 1024
GiB = 1024 * MiB
MB = 1_000_000
BUCKET = "bench-bucket"
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIABENCHBENCHBENCH0",
    "AWS_SECRET_ACCESS_KEY": "bench-secret-key-not-used-anywhere-else",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "NO_PROXY": "127.0.0.1,localhost",
}
MANIFEST = """\
endpoint: sandbox
metadata:
  title: zenodo-publish mirror benchmark
  description: Generated files.
  resource_type: dataset
  license: cc-by-4.0
  creators:
    - name: Benchmark Lab
files:
  - data/*
mirrors:
  - s3: s3://{bucket}/bench
    endpoint_url: {url}
"""


NOTE = (
    "Rows 7a-7e (bench/mirror.py): S3 servers are child processes on 127.0.0.1 counting requests "
    "server-side; 7a/7b use moto's S3 server, 7c-7e a sink that reads and drops bodies (moto "
    "assembles completed multipart uploads in memory). 7d times the transfer alone in two "
    "children (best of 4 each, alternating which goes first): S3Store.upload (8 MiB parts, "
    "10 at once) and boto3's "
    "upload_file with its defaults (8 MiB parts, 10 at once), as `aws s3 cp` does; 7c is the "
    "whole `zenodo-publish mirror` child, md5 scan included."
)


# --- the servers (child processes) ---------------------------------------------------------


def _operation(method: str, key: str, query: str) -> str:
    if method == "PUT" and "partNumber=" in query:
        return "UploadPart"
    if method == "PUT":
        return "PutObject" if key else "CreateBucket"
    if method == "GET" and not key:
        return "ListMultipartUploads" if "uploads" in query else "ListObjects"
    if method == "POST":
        if "uploads" in query:
            return "CreateMultipartUpload"
        return "CompleteMultipartUpload" if "uploadId" in query else "DeleteObjects"
    return f"{method}Object" if key else method


def _counting(app: Any) -> Any:
    counts: Counter[str] = Counter()
    received = [0]

    def wrapped(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/_bench/counts":
            body = json.dumps({"counts": counts, "bytes": received[0]}).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        if path == "/_bench/reset":
            counts.clear()
            received[0] = 0
            start_response("200 OK", [])
            return [b""]
        key = path.lstrip("/").partition("/")[2]
        counts[_operation(environ["REQUEST_METHOD"], key, environ.get("QUERY_STRING", ""))] += 1
        received[0] += int(environ.get("CONTENT_LENGTH") or 0)
        return app(environ, start_response)  # type: ignore[no-any-return]

    return wrapped


def _sink(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """Just enough S3 for s3transfer's uploads: bodies are read and dropped."""
    from werkzeug.wrappers import Request

    request = Request(environ)
    stream = request.stream
    while stream.read(MiB):
        pass
    method, query = request.method, request.args
    bucket, _, key = request.path.lstrip("/").partition("/")
    xml = [("Content-Type", "application/xml")]
    etag = '"' + "0" * 32 + '"'
    if method == "POST" and "uploads" in query:
        body = (
            f"<InitiateMultipartUploadResult><Bucket>{bucket}</Bucket><Key>{key}</Key>"
            f"<UploadId>{uuid.uuid4().hex}</UploadId></InitiateMultipartUploadResult>"
        )
    elif method == "POST" and "uploadId" in query:
        body = (
            f"<CompleteMultipartUploadResult><Bucket>{bucket}</Bucket><Key>{key}</Key>"
            f'<ETag>"{"0" * 32}-1"</ETag></CompleteMultipartUploadResult>'
        )
    elif method == "GET" and "uploads" in query:
        body = (
            f"<ListMultipartUploadsResult><Bucket>{bucket}</Bucket>"
            "<IsTruncated>false</IsTruncated></ListMultipartUploadsResult>"
        )
    elif method == "GET":
        body = (
            f"<ListBucketResult><Name>{bucket}</Name><KeyCount>0</KeyCount>"
            "<MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>"
        )
    else:
        start_response("200 OK", [("ETag", etag), ("Content-Length", "0")])
        return [b""]
    start_response("200 OK", xml)
    return [body.encode()]


def serve(kind: str, port_file: str) -> None:
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    if kind == "moto":
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        app: Any = DomainDispatcherApplication(create_backend_app)
    else:
        app = _sink
    server = make_server("127.0.0.1", 0, _counting(app), threaded=True, request_handler=Quiet)
    Path(port_file).write_text(str(server.server_port))
    server.serve_forever()


class Server:
    def __init__(self, url: str) -> None:
        self.url = url

    def counts(self) -> tuple[Counter[str], int]:
        import requests

        answer = requests.get(f"{self.url}/_bench/counts", timeout=30).json()
        return Counter(answer["counts"]), int(answer["bytes"])

    def reset(self) -> None:
        import requests

        requests.get(f"{self.url}/_bench/reset", timeout=30).raise_for_status()


@contextmanager
def s3_server(kind: str, scratch: Path) -> Iterator[Server]:
    """The S3 server child, once it listens. A child that dies or never writes its port is
    an error showing the child's stderr (a missing module, a port in use), not a missing
    port file."""
    port_file = scratch / f"{kind}.port"
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.mirror", "serve", kind, str(port_file)],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )

        def failed(why: str) -> RuntimeError:
            err.seek(0)
            text = err.read().decode(errors="replace").strip() or "(no output)"
            return RuntimeError(f"the {kind} S3 server {why}; its stderr:\n{text}")

        try:
            for _ in range(600):
                if port_file.exists() and port_file.read_text():
                    break
                if process.poll() is not None:
                    raise failed(f"exited with status {process.returncode} before listening")
                time.sleep(0.05)
            else:
                raise failed("wrote no port within 30 s")
            port = int(port_file.read_text())
            with socket.create_connection(("127.0.0.1", port), timeout=10):
                pass
            yield Server(f"http://127.0.0.1:{port}")
            if process.poll() is not None:
                raise failed(f"died during the measurement (status {process.returncode})")
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


# --- the clients (child processes, for their own peak RSS) ----------------------------------


def child(argv: list[str], cwd: Path) -> tuple[float, int, str]:
    """Run a child with the AWS test environment; wall time, peak RSS (ru_maxrss), stdout."""
    env = {**os.environ, **AWS_ENV}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        run = spawn(argv, cwd=cwd, env=env, stdout=out, stderr=err)
        out.seek(0)
        err.seek(0)
        if run.returncode != 0:
            raise RuntimeError(f"{argv[2:]} failed:\n{err.read().decode(errors='replace')}")
        return run.seconds, run.max_rss_bytes, out.read().decode()


UPLOAD_SCRIPT = """
import json, sys, time
from pathlib import Path
from zenodo_publish.manifest.mirrors import MirrorTarget
from zenodo_publish.mirror.plan import MirrorStep
path, url, kind, bucket = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
size = path.stat().st_size
if kind == "mirror":
    from zenodo_publish.mirror.s3 import S3Store
    store = S3Store(MirrorTarget(f"s3://{bucket}/x", bucket, "x", endpoint_url=url))
    step = MirrorStep("upload", "x/big.bin", "new", size, "0" * 32, path, "data/big.bin")
    started = time.monotonic()
    store.upload([step])
else:
    import boto3
    client = boto3.client("s3", endpoint_url=url)
    started = time.monotonic()
    client.upload_file(str(path), bucket, "x/big.bin")
print(json.dumps({"seconds": time.monotonic() - started}))
"""


def upload_seconds(kind: str, path: Path, url: str, cwd: Path) -> tuple[float, int]:
    """The transfer alone (after imports and client set-up) and the child's peak RSS."""
    _, rss, out = child([sys.executable, "-c", UPLOAD_SCRIPT, str(path), url, kind, BUCKET], cwd)
    return float(json.loads(out)["seconds"]), rss


def _read(path: Path) -> None:
    with path.open("rb") as handle:
        while handle.read(8 * MiB):
            pass


def write_file(path: Path, size: int, seed: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    block = bytearray(os.urandom(MiB))
    with path.open("wb") as handle:
        for index in range(size // MiB):
            block[:8] = (index + seed * 1_000_000).to_bytes(8, "little")
            handle.write(block)
    return path


def mirror_cli(repo: Path, *args: str) -> tuple[float, int, str]:
    argv = [sys.executable, "-m", "zenodo_publish", "mirror", "--manifest", "zenodo.yaml"]
    return child([*argv, *args], repo)


# --- the rows -------------------------------------------------------------------------------


RowTuple = tuple[str, str, str, str, float | None, str, bool | None]


def rows(scratch: Path) -> list[RowTuple]:
    """``(number, what, result, baseline, ratio, target, met)`` for bench/run.py's table."""
    return small_rows(scratch) + big_rows(scratch)


def small_rows(scratch: Path) -> list[RowTuple]:
    out: list[RowTuple] = []
    repo = scratch / "mirror-100"
    for index in range(100):
        write_file(repo / "data" / f"file-{index:03d}.bin", MiB, seed=index)
    with s3_server("moto", scratch) as server:
        (repo / "zenodo.yaml").write_text(MANIFEST.format(bucket=BUCKET, url=server.url))
        import boto3

        s3: Any = boto3.client("s3", endpoint_url=server.url, **_client_env())  # type: ignore[call-overload]
        s3.create_bucket(Bucket=BUCKET)
        server.reset()
        mirror_cli(repo)
        first, first_bytes = server.counts()
        puts = first["PutObject"] + first["UploadPart"]
        out.append(
            (
                "7a",
                "mirror 100 x 1 MiB, first run (moto)",
                f"{sum(first.values())} requests ({puts} PUT), {first_bytes / MiB:.1f} MiB sent",
                "100 files",
                puts / 100,
                "1 PUT per file",
                puts == 100,
            )
        )
        server.reset()
        mirror_cli(repo)
        again, _ = server.counts()
        writes = sum(n for op, n in again.items() if op not in ("ListObjects",))
        out.append(
            (
                "7b",
                "mirror 100 x 1 MiB, no-op re-run (moto)",
                f"{sum(again.values())} requests: "
                + ", ".join(f"{n} {op}" for op, n in sorted(again.items())),
                "0 PUT",
                None,
                "list requests only, 0 PUT",
                writes == 0,
            )
        )
    return out


def big_rows(scratch: Path) -> list[RowTuple]:
    out: list[RowTuple] = []
    big = write_file(scratch / "mirror-big" / "data" / "big.bin", 2 * GiB, seed=7)
    with s3_server("sink", scratch) as server:
        (big.parent.parent / "zenodo.yaml").write_text(
            MANIFEST.format(bucket=BUCKET, url=server.url)
        )
        (ours, ours_rss), (theirs, theirs_rss) = best_interleaved(big, server.url, scratch)
        cli_seconds, cli_rss, _ = mirror_cli(big.parent.parent)
    ratio = theirs / ours
    out.append(
        (
            "7c",
            "peak RSS, zenodo-publish mirror of one 2 GiB file (md5 scan + upload)",
            f"{cli_rss / MB:.1f} MB",
            f"target 120 MB (boto3 upload_file child: {theirs_rss / MB:.1f} MB)",
            cli_rss / (120 * MB),
            "< 120 MB (ratio < 1)",
            cli_rss < 120 * MB,
        )
    )
    size = 2 * GiB
    out.append(
        (
            "7d",
            "2 GiB upload throughput, mirror (S3Store.upload) vs boto3 upload_file",
            f"{size / ours / MB:.0f} MB/s ({ours:.2f} s; RSS {ours_rss / MB:.0f} MB)",
            f"{size / theirs / MB:.0f} MB/s ({theirs:.2f} s)",
            ratio,
            ">= 0.9",
            ratio >= 0.9,
        )
    )
    out.append(
        (
            "7e",
            "zenodo-publish mirror of the 2 GiB file, whole command (md5 scan included)",
            f"{cli_seconds:.2f} s",
            f"upload alone {ours:.2f} s",
            None,
            "–",
            None,
        )
    )
    return out


def best_interleaved(
    path: Path, url: str, cwd: Path, rounds: int = 4
) -> tuple[tuple[float, int], tuple[float, int]]:
    """Best of ``rounds`` transfers each, ours and boto3's alternating (the machine is shared:
    a burst of load hits both), with the highest RSS seen."""
    runs: dict[str, list[tuple[float, int]]] = {"mirror": [], "boto3": []}
    for round_ in range(rounds):
        # Each starts first in turn, with the file read just before (both from the page cache).
        for kind in ("mirror", "boto3") if round_ % 2 == 0 else ("boto3", "mirror"):
            _read(path)
            runs[kind].append(upload_seconds(kind, path, url, cwd))
    best = {k: (min(s for s, _ in v), max(r for _, r in v)) for k, v in runs.items()}
    return best["mirror"], best["boto3"]


def _client_env() -> dict[str, str]:
    return {
        "aws_access_key_id": AWS_ENV["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        "region_name": AWS_ENV["AWS_DEFAULT_REGION"],
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(sys.argv[2], sys.argv[3])
    else:
        os.environ.update(AWS_ENV)
        with tempfile.TemporaryDirectory(prefix="zenodo-publish-bench-mirror-") as scratch:
            which = {"small": small_rows, "big": big_rows}.get(sys.argv[1] if sys.argv[1:] else "")
            for row in (which or rows)(Path(scratch)):
                print(row)
