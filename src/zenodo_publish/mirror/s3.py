"""The S3 side of a mirror: one boto3 client per target, listing, metadata reads, uploads through
s3transfer, deletions, and the translation of every failure into one MirrorError that names the
mirror's manifest line and says what to do.

boto3 is imported here only, and this module only when a mirror runs: the action's start-up
and every run without mirrors never pay for it (it is the optional extra ``zenodo-publish[s3]``).

Credentials come from boto3's standard chain (environment, shared config and profiles, web
identity as aws-actions/configure-aws-credentials sets it up, container and instance roles).
They are registered with the redactor as soon as they are resolved and never formatted.
"""

from __future__ import annotations

import logging
import mimetypes
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from zenodo_publish.errors import MirrorError
from zenodo_publish.manifest.mirrors import MirrorTarget
from zenodo_publish.mirror.plan import MirrorStep, RemoteObject
from zenodo_publish.redact import register_secret

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client
    from s3transfer.manager import TransferManager
    from s3transfer.subscribers import BaseSubscriber

MiB = 1024 * 1024
#: The aws CLI's defaults: files above 8 MiB go in 8 MiB parts (up to 10 000 parts: 78 GiB;
#: larger files get larger parts, see part_size_for).
MULTIPART_THRESHOLD = 8 * MiB
PART_SIZE = 8 * MiB
MAX_PARTS = 10_000
#: Requests at once, files and parts together: the aws CLI's max_concurrent_requests. Each is
#: one connection streaming from the file (no part is held in memory), so memory stays flat.
CONCURRENCY = 10
#: The metadata key holding the md5 (``x-amz-meta-md5``): a multipart ETag is not an md5.
MD5_METADATA = "md5"

Progress = Callable[[str, int, int], None]

_CREDENTIALS_HINT = (
    "give credentials through the standard AWS chain: AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or aws-actions/configure-aws-credentials (web identity) "
    "before this step"
)


def part_size_for(size: int, part_size: int = PART_SIZE) -> int:
    """The part size that keeps a file of ``size`` bytes within S3's 10 000 parts."""
    while size > part_size * MAX_PARTS:
        part_size *= 2
    return part_size


class S3Store:
    """The objects of one target. Every method raises MirrorError, never a botocore error."""

    def __init__(
        self,
        target: MirrorTarget,
        *,
        parallel: int = CONCURRENCY,
        multipart_threshold: int = MULTIPART_THRESHOLD,
        part_size: int = PART_SIZE,
    ) -> None:
        self.target = target
        self.parallel = parallel
        self.multipart_threshold = multipart_threshold
        self.part_size = part_size
        with self.translated("connecting"):
            self.client = _client(target, max_connections=parallel * 2 + 2)

    # --- reading ------------------------------------------------------------------------------

    def list(self, key_prefix: str) -> dict[str, RemoteObject]:
        """Every object under ``key_prefix`` (one request per 1000 keys)."""
        found: dict[str, RemoteObject] = {}
        with self.translated("listing the bucket"):
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.target.bucket, Prefix=key_prefix):
                for item in page.get("Contents", []):
                    key = item["Key"]
                    found[key] = RemoteObject(key, item["Size"], item["ETag"].strip('"'))
        return found

    def read_md5(self, key: str) -> str | None:
        """The md5 this tool stored with the object (None when another tool wrote it)."""
        with self.translated(f"reading {key}"):
            head = self.client.head_object(Bucket=self.target.bucket, Key=key)
        value = head.get("Metadata", {}).get(MD5_METADATA)
        return value.lower() if isinstance(value, str) else None

    # --- writing ------------------------------------------------------------------------------

    def abort_unfinished(self, keys: set[str], key_prefix: str) -> int:
        """Abort multipart uploads of ``keys`` left by a killed run (their parts cost storage
        and are invisible to listings). Only keys this run is about to write."""
        aborted = 0
        with self.translated("listing unfinished uploads"):
            paginator = self.client.get_paginator("list_multipart_uploads")
            for page in paginator.paginate(Bucket=self.target.bucket, Prefix=key_prefix):
                for upload in page.get("Uploads", []):
                    if upload["Key"] in keys:
                        self.client.abort_multipart_upload(
                            Bucket=self.target.bucket,
                            Key=upload["Key"],
                            UploadId=upload["UploadId"],
                        )
                        aborted += 1
        return aborted

    def upload(self, steps: Sequence[MirrorStep], progress: Progress | None = None) -> None:
        """Upload ``steps`` in parallel (multipart above the threshold, parts in parallel too);
        returns when all are stored. On the first failure the rest are cancelled."""
        if not steps:
            return
        from boto3.s3.transfer import TransferConfig, create_transfer_manager

        largest = max(step.size or 0 for step in steps)
        config = TransferConfig(
            multipart_threshold=self.multipart_threshold,
            multipart_chunksize=part_size_for(largest, self.part_size),
            max_concurrency=self.parallel,
            use_threads=True,
        )
        with self.translated("uploading"):
            manager: TransferManager = create_transfer_manager(self.client, config)
            with manager:
                futures = [
                    manager.upload(
                        str(step.source),
                        self.target.bucket,
                        step.key,
                        extra_args=_extra_args(step),
                        subscribers=[_progress_subscriber(step, progress)] if progress else None,
                    )
                    for step in steps
                ]
                for future in futures:
                    future.result()

    def delete(self, keys: Sequence[str]) -> None:
        """Delete ``keys`` (1000 per request)."""
        with self.translated("deleting"):
            for start in range(0, len(keys), 1000):
                batch = keys[start : start + 1000]
                answer = self.client.delete_objects(
                    Bucket=self.target.bucket,
                    Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
                )
                errors = answer.get("Errors", [])
                if errors:
                    first = errors[0]
                    raise _client_error_like(first.get("Code", ""), first.get("Message", ""))

    # --- errors -------------------------------------------------------------------------------

    @contextmanager
    def translated(self, doing: str) -> Iterator[None]:
        try:
            yield
        except MirrorError:
            raise
        except Exception as error:  # noqa: BLE001 - every botocore failure becomes one message
            raise translate(error, self.target, doing) from None


def _extra_args(step: MirrorStep) -> dict[str, Any]:
    assert step.md5 is not None and step.source is not None
    extra: dict[str, Any] = {"Metadata": {MD5_METADATA: step.md5}}
    content_type, _ = mimetypes.guess_type(step.key)
    if content_type:
        extra["ContentType"] = content_type
    return extra


def _progress_subscriber(step: MirrorStep, progress: Progress) -> BaseSubscriber:
    """s3transfer reports bytes per chunk; the reporter wants the running total."""
    from s3transfer.subscribers import BaseSubscriber

    class Subscriber(BaseSubscriber):
        def __init__(self) -> None:
            self.sent = 0
            self.lock = threading.Lock()

        def on_progress(self, future: Any, bytes_transferred: int, **kwargs: Any) -> None:
            with self.lock:
                self.sent += bytes_transferred
                sent = self.sent
            progress(step.key, sent, step.size or 0)

    return Subscriber()


def _quiet_sdk_logs() -> None:
    """botocore's DEBUG records dump every request's headers, the session token among them
    (``X-Amz-Security-Token``): whoever turned DEBUG on for the process, those records are
    never created while a mirror runs."""
    for name in ("botocore", "boto3", "s3transfer"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)


def _client(target: MirrorTarget, *, max_connections: int) -> S3Client:
    import boto3
    from botocore.config import Config

    _quiet_sdk_logs()

    session = boto3.session.Session()
    credentials = session.get_credentials()
    if credentials is None:
        raise MirrorError(
            f"no AWS credentials found for the mirror {target.url} ({target.place})",
            hint=_CREDENTIALS_HINT,
        )
    frozen = credentials.get_frozen_credentials()
    register_secret(frozen.secret_key)
    register_secret(frozen.token)
    config = Config(
        retries={"mode": "standard", "max_attempts": 5},
        max_pool_connections=max_connections,
        # MinIO, Ceph and most S3-compatible services expect bucket names in the path.
        s3={"addressing_style": "path"} if target.endpoint_url else {},
    )
    client: S3Client = session.client(
        "s3",
        endpoint_url=target.endpoint_url,
        region_name=target.region,
        config=config,
    )
    return client


class _ClientErrorLike(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.response = {"Error": {"Code": code, "Message": message}}


def _client_error_like(code: str, message: str) -> Exception:
    return _ClientErrorLike(code, message)


def translate(error: BaseException, target: MirrorTarget, doing: str) -> MirrorError:
    """One clear MirrorError for what boto3 raised: what went wrong, where in the manifest,
    what to do. Never includes a request's headers (they hold the signature)."""
    where = f"the mirror {target.url} ({target.place})"
    name = type(error).__name__
    if name in ("NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError"):
        return MirrorError(f"no usable AWS credentials for {where}", hint=_CREDENTIALS_HINT)
    if name in ("EndpointConnectionError", "ConnectTimeoutError", "ConnectionClosedError"):
        endpoint = target.endpoint_url or "AWS S3"
        return MirrorError(
            f"cannot reach {endpoint} for {where} while {doing}",
            hint="check endpoint_url and the network; a re-run uploads only what is missing",
        )
    response: dict[str, Any] = getattr(error, "response", None) or {}
    details = response.get("Error", {})
    code = str(details.get("Code", ""))
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    if code == "NoSuchBucket":
        return MirrorError(
            f"the bucket {target.bucket} does not exist ({where})",
            hint="create the bucket, or fix the s3: URL"
            + ("" if target.endpoint_url else " (for MinIO, Ceph or R2 set endpoint_url)"),
        )
    if code in ("AccessDenied", "AllAccessDisabled", "AccountProblem") or status == 403:
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken"):
            return MirrorError(
                f"the AWS credentials were refused ({code}) for {where}", hint=_CREDENTIALS_HINT
            )
        needs = "s3:ListBucket on the bucket and s3:PutObject"
        if target.delete:
            needs += ", s3:DeleteObject"
        return MirrorError(
            f"access denied while {doing} for {where}",
            hint=f"the credentials need {needs} on {target.bucket}/{target.key_prefix()}*, "
            "and s3:AbortMultipartUpload to clean up after a killed run",
        )
    wrong_region = code in (
        "PermanentRedirect",
        "AuthorizationHeaderMalformed",
        "IllegalLocationConstraintException",
    ) or status in (301, 307)
    if wrong_region:
        actual = headers.get("x-amz-bucket-region") or details.get("Region")
        said = target.region or "the AWS chain's default"
        return MirrorError(
            f"the bucket {target.bucket} is not in {said} ({where})"
            + (f": it is in {actual}" if actual else ""),
            hint=f"set region: {actual} in the mirror" if actual else "set region: in the mirror",
        )
    if code:
        message = str(details.get("Message", "")).strip()
        return MirrorError(
            f"S3 refused {doing} for {where}: {code}" + (f" ({message})" if message else ""),
            hint="a re-run uploads only what is missing",
        )
    return MirrorError(
        f"{doing} failed for {where}: {name}: {error}",
        hint="a re-run uploads only what is missing",
    )
