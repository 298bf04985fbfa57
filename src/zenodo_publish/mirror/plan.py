"""What a mirror run does to one target: a pure function of the wanted objects and the listing.

An object is unchanged when its size matches and its md5 does: the ``md5`` metadata this tool
stores, or the ETag of a single-part upload (a plain MD5 in hex). A multipart ETag (``...-N``),
or an ETag that is not an MD5 (SSE-KMS), cannot say; the caller reads the metadata (one HEAD)
of exactly those objects whose size matches, see :func:`needs_metadata`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from zenodo_publish.mirror.objects import MirrorObject

Action = Literal["upload", "replace", "skip", "delete"]
_MD5 = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class RemoteObject:
    key: str  # full key, prefix included
    size: int
    etag: str  # without quotes
    md5: str | None = None  # from the object's metadata, when it was read

    @property
    def known_md5(self) -> str | None:
        if self.md5:
            return self.md5
        return self.etag if _MD5.match(self.etag) else None


@dataclass(frozen=True)
class MirrorStep:
    action: Action
    key: str  # full key
    reason: str
    size: int | None = None
    md5: str | None = None
    source: Path | None = None
    origin: str | None = None
    last: bool = False

    def as_json(self) -> dict[str, Any]:
        shown = {
            "action": self.action,
            "key": self.key,
            "reason": self.reason,
            "size": self.size,
            "md5": self.md5,
            "source": self.origin,
        }
        return {k: v for k, v in shown.items() if v is not None}


@dataclass(frozen=True)
class MirrorPlan:
    """Steps in the order they run: files, then catalogs, then deletions."""

    key_prefix: str
    steps: tuple[MirrorStep, ...] = field(default_factory=tuple)

    def of(self, *actions: Action) -> list[MirrorStep]:
        return [s for s in self.steps if s.action in actions]

    @property
    def uploads(self) -> list[MirrorStep]:
        return self.of("upload", "replace")

    @property
    def changes_anything(self) -> bool:
        return any(s.action != "skip" for s in self.steps)


def full_key(key_prefix: str, key: str) -> str:
    return key_prefix + key


def needs_metadata(
    wanted: Iterable[MirrorObject], listing: Mapping[str, RemoteObject], key_prefix: str
) -> list[str]:
    """Keys whose listing cannot tell whether they changed (same size, ETag not their md5)."""
    keys = []
    for obj in wanted:
        remote = listing.get(full_key(key_prefix, obj.key))
        if (
            remote is not None
            and remote.size == obj.size
            and remote.known_md5 != obj.md5
            and remote.md5 is None
        ):
            keys.append(remote.key)
    return keys


def plan_mirror(
    wanted: Iterable[MirrorObject],
    listing: Mapping[str, RemoteObject],
    *,
    key_prefix: str,
    delete: bool,
    force: bool = False,
) -> MirrorPlan:
    """The steps that make the objects under ``key_prefix`` what ``wanted`` says. Deletions are
    only of listed keys under ``key_prefix`` (checked here again, whatever the listing holds)."""
    files: list[MirrorStep] = []
    catalogs: list[MirrorStep] = []
    wanted_keys: set[str] = set()
    for obj in wanted:
        key = full_key(key_prefix, obj.key)
        wanted_keys.add(key)
        remote = listing.get(key)
        if remote is None:
            action: Action = "upload"
            reason = "new"
        elif remote.size != obj.size:
            action, reason = "replace", f"size {remote.size} -> {obj.size}"
        elif remote.known_md5 != obj.md5:
            action, reason = "replace", "md5 differs" if remote.known_md5 else "md5 unknown"
        elif force:
            action, reason = "replace", "forced"
        else:
            action, reason = "skip", "unchanged"
        step = MirrorStep(
            action, key, reason, obj.size, obj.md5, obj.source, obj.origin, last=obj.last
        )
        (catalogs if obj.last else files).append(step)
    deletions: list[MirrorStep] = []
    if delete:
        for key in sorted(listing):
            if key in wanted_keys or not key.startswith(key_prefix) or key == key_prefix:
                continue
            deletions.append(MirrorStep("delete", key, "no longer selected"))
    return MirrorPlan(key_prefix, tuple(files + catalogs + deletions))
