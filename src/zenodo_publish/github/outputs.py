"""The action's outputs (SPEC §6), written to ``GITHUB_OUTPUT``.

Every value is written in the heredoc form ``name<<DELIM`` / value / ``DELIM`` with a random
delimiter, as GitHub's own toolkit does: a fixed ``EOF`` could occur inside a value (the plan
JSON, a title) and end it early, or let crafted text inject further outputs.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Final

from zenodo_publish.errors import UsageError
from zenodo_publish.redact import redact
from zenodo_publish.sync.result import RunResult

#: GitHub limits one output to 1 MB; leave headroom for the heredoc framing.
MAX_OUTPUT_BYTES: Final = 1_000_000 - 1_000
OUTPUT_NAMES: Final = (
    "record_id",
    "concept_id",
    "doi",
    "concept_doi",
    "record_url",
    "state",
    "review_state",
    "published",
    "files_uploaded",
    "files_skipped",
    "files_deleted",
    "plan",
    "committed",
    "commit_sha",
)


@dataclass(frozen=True)
class CommitOutcome:
    """What commit-back did. ``sha`` is the commit that reached the remote, if any."""

    committed: bool = False
    sha: str | None = None
    branch: str | None = None


@dataclass(frozen=True)
class ActionOutputs:
    """Every output, typed. Absent ids are written as empty strings."""

    record_id: str | None
    concept_id: str | None
    doi: str | None
    concept_doi: str | None
    record_url: str | None
    state: str
    review_state: str | None
    published: bool
    files_uploaded: int
    files_skipped: int
    files_deleted: int
    plan: str  # JSON
    committed: bool
    commit_sha: str | None

    @classmethod
    def build(cls, result: RunResult, commit: CommitOutcome | None = None) -> ActionOutputs:
        commit = commit or CommitOutcome()
        ids = result.ids
        return cls(
            record_id=ids.record_id,
            concept_id=ids.concept_id,
            doi=ids.doi,
            concept_doi=ids.concept_doi,
            record_url=ids.record_url,
            state=ids.state,
            review_state=ids.review_state,
            published=result.published,
            files_uploaded=result.files_uploaded,
            files_skipped=result.files_skipped,
            files_deleted=result.files_deleted,
            plan=plan_json(result),
            committed=commit.committed,
            commit_sha=commit.sha,
        )

    def as_strings(self) -> dict[str, str]:
        """Output name → the exact text written (booleans as ``true``/``false``)."""
        return {f.name: render_value(getattr(self, f.name)) for f in fields(self)}


def plan_json(result: RunResult) -> str:
    """The plan as compact, key-sorted JSON; a stub when it would not fit in one output."""
    text = json.dumps(result.plan, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if len(text.encode("utf-8")) > MAX_OUTPUT_BYTES:
        return json.dumps(
            {
                "truncated": True,
                "reason": "the plan is larger than GitHub's 1 MB output limit",
                "files": len(result.files),
            }
        )
    return text


def render_value(value: str | int | bool | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class OutputWriter:
    """Appends outputs to the ``GITHUB_OUTPUT`` file in UTF-8."""

    def __init__(self, path: str | Path) -> None:
        if not str(path):
            raise UsageError("GITHUB_OUTPUT is empty: cannot write the action's outputs")
        self.path = Path(path)

    def set(self, name: str, value: str | int | bool | None) -> None:
        self.set_many({name: render_value(value)})

    def set_many(self, values: dict[str, str]) -> None:
        chunks = []
        for name, raw in values.items():
            if not name or any(c in name for c in "<=\r\n") or name != name.strip():
                raise ValueError(f"invalid output name {name!r}")
            value = redact(raw)
            delimiter = f"ghadelimiter_{uuid.uuid4()}"
            while delimiter in value:  # astronomically unlikely; never write an ambiguous file
                delimiter = f"ghadelimiter_{uuid.uuid4()}"
            chunks.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
        with self.path.open("a", encoding="utf-8", newline="\n") as handle:
            handle.write("".join(chunks))

    def write(self, outputs: ActionOutputs) -> None:
        self.set_many(outputs.as_strings())


def parse_output_file(text: str) -> dict[str, str]:
    """Read a ``GITHUB_OUTPUT`` file back the way the runner does (tests and the container
    smoke test use it). Later values win, as on the runner."""
    result: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body: list[str] = []
            while index < len(lines) and lines[index] != delimiter:
                body.append(lines[index])
                index += 1
            if index >= len(lines):
                raise ValueError(f"output {name!r}: delimiter {delimiter!r} never closes")
            index += 1
            result[name] = "\n".join(body)
        else:
            name, _, value = line.partition("=")
            result[name] = value
    return result
