"""``mirrors:`` (SPEC §10): the S3-compatible targets a manifest names, each with its place.

The schema checks shapes; this module checks what a pattern cannot say well (the bucket name,
a prefix that would make keys ambiguous, plain http off loopback) and keeps the manifest line of
every target, because every mirror error names it. The mirror package consumes the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from zenodo_publish.errors import Problem
from zenodo_publish.manifest.loader import LoadedYaml
from zenodo_publish.netaddr import is_loopback_host

Layout = Literal["tree", "flat"]

#: AWS's rules for new buckets (3-63 characters, lowercase letters, digits, dots, hyphens).
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


@dataclass(frozen=True)
class MirrorTarget:
    """One entry of ``mirrors:``. ``prefix`` has no leading or trailing slash; empty means the
    whole bucket. ``place`` is ``file:line`` of the entry, for messages."""

    url: str
    bucket: str
    prefix: str
    endpoint_url: str | None = None
    region: str | None = None
    layout: Layout = "tree"
    delete: bool = False
    place: str = ""
    index: int = 0  # position under mirrors:

    def key_prefix(self, record_key: str | None = None) -> str:
        """Where this target's objects live: ``prefix/`` (``prefix/<record_key>/`` for a record
        of a collection), ending in a slash so that ``data`` never matches ``data2/``; empty
        for a whole bucket without a record key."""
        parts = [p for p in (self.prefix, record_key) if p]
        return "".join(p + "/" for p in parts)


def parse_s3_url(text: str) -> tuple[str, str] | str:
    """``(bucket, prefix)`` from ``s3://bucket/prefix``, or what is wrong with it."""
    if not text.startswith("s3://"):
        return "does not start with s3://"
    bucket, _, prefix = text[len("s3://") :].partition("/")
    if not _BUCKET.match(bucket) or ".." in bucket:
        return f"{bucket!r} is not a bucket name (3-63 lowercase letters, digits, dots, hyphens)"
    prefix = prefix.strip("/")
    parts = prefix.split("/") if prefix else []
    if any(part in ("", ".", "..") for part in parts):
        return "the prefix has an empty, . or .. part"
    if any(ord(c) < 0x20 or c in "\\\x7f" for c in prefix):
        return "the prefix holds a backslash or a control character"
    return bucket, prefix


def _endpoint_problem(text: str) -> str | None:
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
    except ValueError:
        return "is not a URL"
    if parts.scheme not in ("http", "https") or not host:
        return "is not an http(s) URL"
    if parts.username or parts.password:
        return "holds credentials; give them through the AWS chain (environment, profile)"
    if parts.scheme == "http" and not is_loopback_host(host):
        return "uses plain http off this machine; use https"
    return None


def read_mirrors(loaded: LoadedYaml) -> tuple[tuple[MirrorTarget, ...], list[Problem]]:
    """The targets under ``mirrors:`` and the problems the schema leaves to this module."""
    entries = loaded.get(("mirrors",))
    if not isinstance(entries, list):
        return (), []
    targets: list[MirrorTarget] = []
    problems: list[Problem] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not str(entry.get("s3", "")).startswith("s3://"):
            continue  # the schema reports it
        mark = loaded.mark(("mirrors", index))
        place = f"{loaded.file}:{mark.line}" if mark else loaded.file
        parsed = parse_s3_url(entry["s3"])
        if isinstance(parsed, str):
            problems.append(
                loaded.problem(
                    ("mirrors", index, "s3"),
                    f"{entry['s3']}: {parsed}",
                    "write s3://bucket or s3://bucket/prefix",
                )
            )
            continue
        endpoint = entry.get("endpoint_url")
        if isinstance(endpoint, str) and endpoint.startswith(("http://", "https://")):
            wrong = _endpoint_problem(endpoint)
            if wrong is not None:
                problems.append(
                    loaded.problem(("mirrors", index, "endpoint_url"), f"endpoint_url {wrong}")
                )
                continue
        if entry.get("delete") is True and not parsed[1]:
            problems.append(
                loaded.problem(
                    ("mirrors", index, "delete"),
                    "delete: true needs a prefix: the whole bucket is not provably this "
                    "repository's",
                    "write s3://bucket/prefix, or delete: false",
                )
            )
            continue
        layout = entry.get("layout")
        targets.append(
            MirrorTarget(
                url=entry["s3"],
                bucket=parsed[0],
                prefix=parsed[1],
                endpoint_url=endpoint.rstrip("/") if isinstance(endpoint, str) else None,
                region=entry["region"] if isinstance(entry.get("region"), str) else None,
                layout="flat" if layout == "flat" else "tree",
                delete=entry.get("delete") is True,
                place=place,
                index=index,
            )
        )
    problems.extend(_overlap_problems(loaded, targets))
    return tuple(targets), problems


def _overlap_problems(loaded: LoadedYaml, targets: list[MirrorTarget]) -> list[Problem]:
    """Two targets in one bucket whose prefixes nest would fight: one's ``delete`` removes the
    other's objects, or both write one key."""
    problems: list[Problem] = []
    for later, target in enumerate(targets):
        for earlier in targets[:later]:
            same_bucket = (earlier.bucket, earlier.endpoint_url) == (
                target.bucket,
                target.endpoint_url,
            )
            a, b = earlier.key_prefix(), target.key_prefix()
            if same_bucket and (a.startswith(b) or b.startswith(a)):
                problems.append(
                    loaded.problem(
                        ("mirrors", target.index, "s3"),
                        f"{target.url} overlaps the mirror at {earlier.place} ({earlier.url})",
                        "give each mirror its own prefix, one not inside the other",
                    )
                )
    return problems
