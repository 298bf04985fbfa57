"""A real S3 API server on loopback for the mirror tests: moto's server application (the one
ThreadedMotoServer serves) behind a thin WSGI layer that logs every request server-side and can
answer chosen requests itself (access denied, wrong region) or act on them (kill a client).

No mocked client anywhere: boto3 talks HTTP to 127.0.0.1 as it would to AWS, MinIO or R2.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import boto3
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

#: Recognisable test credentials: the leak checks look for these in every output.
ACCESS_KEY_ID = "AKIAMIRRORTESTKEY0001"
SECRET_ACCESS_KEY = "mirrorSecretKey/9f1c4a7e2b6d4c83a5e0QXzz"
SESSION_TOKEN = "mirrorSessionToken-7d3b9e1f0a2c4e6b8d0fQX"
REGION = "us-east-1"
MiB = 1024 * 1024

Fault = Callable[["Request"], "tuple[int, dict[str, str], bytes] | None"]


@dataclass(frozen=True)
class Request:
    method: str
    bucket: str
    key: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    @property
    def operation(self) -> str:
        """The S3 operation, as far as the tests need to tell them apart."""
        q, m = self.query, self.method
        if m == "GET" and not self.key and "uploads" in q:
            return "ListMultipartUploads"
        if m == "GET" and not self.key:
            return "ListObjects"
        if m == "HEAD":
            return "HeadObject" if self.key else "HeadBucket"
        if m == "PUT" and "partNumber" in q:
            return "UploadPart"
        if m == "PUT" and self.key:
            return "PutObject"
        if m == "PUT":
            return "CreateBucket"
        if m == "POST" and "uploads" in q:
            return "CreateMultipartUpload"
        if m == "POST" and "uploadId" in q:
            return "CompleteMultipartUpload"
        if m == "POST" and "delete" in q:
            return "DeleteObjects"
        if m == "DELETE" and "uploadId" in q:
            return "AbortMultipartUpload"
        if m == "DELETE":
            return "DeleteObject"
        return f"{m} {self.key or '/'}"


@dataclass
class S3Server:
    url: str
    log: list[Request] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def mark(self) -> None:
        with self.lock:
            self.log.clear()

    def operations(self) -> list[str]:
        with self.lock:
            return [r.operation for r in self.log]

    def puts(self) -> list[Request]:
        """Every request that writes bytes (PutObject, UploadPart)."""
        with self.lock:
            return [r for r in self.log if r.method == "PUT" and r.key]

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )

    def reset(self) -> None:
        import requests

        requests.post(f"{self.url}/moto-api/reset", timeout=10).raise_for_status()
        self.faults.clear()
        self.mark()

    def keys(self, bucket: str) -> dict[str, dict[str, Any]]:
        """``{key: {size, etag, md5 (metadata)}}`` of every object, read directly."""
        client = self.client()
        found: dict[str, dict[str, Any]] = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                head = client.head_object(Bucket=bucket, Key=item["Key"])
                found[item["Key"]] = {
                    "size": item["Size"],
                    "etag": item["ETag"].strip('"'),
                    "md5": head.get("Metadata", {}).get("md5"),
                }
        return found

    def body(self, bucket: str, key: str) -> bytes:
        data: bytes = self.client().get_object(Bucket=bucket, Key=key)["Body"].read()
        return data


class _QuietHandler(MotoRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _Logged:
    """WSGI: log the request, let a fault answer it, else hand it to moto."""

    def __init__(self, server: S3Server, app: Any) -> None:
        self.server = server
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/moto-api"):
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        bucket, _, key = path.lstrip("/").partition("/")
        headers = {
            k[5:].replace("_", "-").lower(): str(v)
            for k, v in environ.items()
            if k.startswith("HTTP_")
        }
        request = Request(
            environ["REQUEST_METHOD"],
            bucket,
            key,
            parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            headers,
        )
        with self.server.lock:
            self.server.log.append(request)
            faults = list(self.server.faults)
        for fault in faults:
            answer = fault(request)
            if answer is not None:
                status, extra, body = answer
                start_response(
                    f"{status} Fault",
                    [("Content-Type", "application/xml"), *extra.items()],
                )
                return [body]
        return self.app(environ, start_response)  # type: ignore[no-any-return]


@contextmanager
def running_s3() -> Iterator[S3Server]:
    app = DomainDispatcherApplication(create_backend_app)
    server = S3Server(url="")
    httpd = make_server(
        "127.0.0.1", 0, _Logged(server, app), threaded=True, request_handler=_QuietHandler
    )
    server.url = f"http://127.0.0.1:{httpd.server_port}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        thread.join()


def s3_error(
    status: int, code: str, message: str, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
        f"<Message>{message}</Message><RequestId>test</RequestId></Error>"
    ).encode()
    return status, headers, body


def aws_environment(url: str) -> dict[str, str]:
    """What a test process (or a child) gets: explicit test credentials, no profile or config
    files, no instance metadata lookups, loopback only."""
    return {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "AWS_SESSION_TOKEN": SESSION_TOKEN,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }


#: Variables that would point botocore elsewhere (a profile, a role, a container endpoint).
FOREIGN_AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
)


def file_bytes(seed: str, size: int) -> bytes:
    block = hashlib.sha256(seed.encode()).digest()
    return (block * (size // len(block) + 1))[:size]


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


MANIFEST_HEAD = """\
endpoint: sandbox
metadata:
  title: Mirror test data
  description: Files for the mirror tests.
  resource_type: dataset
  license: cc-by-4.0
  creators:
    - family_name: Doe
      given_name: Jane
"""


def manifest(files: list[str], mirrors: list[dict[str, Any]]) -> str:
    """A valid manifest; ``mirrors`` entries are written one key per line, s3 first, so the
    entry's line is the line of its ``- s3:``."""
    lines = [MANIFEST_HEAD.rstrip("\n"), "files:"]
    lines += [f"  - {f}" for f in files]
    lines.append("mirrors:")
    for entry in mirrors:
        first = True
        for name, value in entry.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            lines.append(f"  {'- ' if first else '  '}{name}: {text}")
            first = False
    return "\n".join(lines) + "\n"
