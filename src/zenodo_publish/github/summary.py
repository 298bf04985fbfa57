"""The step summary (``GITHUB_STEP_SUMMARY``): GitHub-flavoured Markdown.

A run gets the record links, its state and the per-file table; a failed run gets an explanation
of what went wrong and what to do. GitHub refuses a summary over 1 MiB per step, so long tables
are cut with a note well before that (the ``plan`` output keeps the full list).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from zenodo_publish.errors import ManifestError, ZenodoAPIError, ZenodoPublishError
from zenodo_publish.github.outputs import CommitOutcome
from zenodo_publish.redact import redact
from zenodo_publish.sync.result import FileOutcome, RunResult

if TYPE_CHECKING:
    from zenodo_publish.mirror.run import MirrorResult

#: Budget for the file table; the rest of the summary is small.
MAX_TABLE_BYTES: Final = 256 * 1024
MAX_TABLE_ROWS: Final = 500
_MD_SPECIAL: Final = frozenset("\\`*_{}[]()<>#+-.!|~&$")

ACTION_LABELS: Final = {
    "upload": "uploaded",
    "replace": "replaced",
    "skip": "unchanged",
    "import": "kept (imported)",
    "delete": "deleted",
}


def escape_markdown(text: str) -> str:
    """``text`` shown literally in Markdown, also inside a table cell (``|`` escaped) and on one
    line (newlines become spaces)."""
    flat = " ".join(text.splitlines())
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in flat)


def human_size(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _link(text: str, url: str) -> str:
    # Angle brackets keep parentheses and spaces in URLs from ending the link early.
    return f"[{escape_markdown(text)}](<{url.replace('>', '%3E')}>)"


def render_result(
    result: RunResult,
    *,
    reasons: Sequence[str] = (),
    commit: CommitOutcome | None = None,
) -> str:
    """The summary of a finished run."""
    ids = result.ids
    title = f"## Zenodo Publish: {result.mode}"
    if result.dry_run:
        title += " (dry run)"
    lines = [title, "", "| | |", "|---|---|"]
    lines.append(f"| Endpoint | {escape_markdown(result.endpoint)} |")
    if ids.record_url:
        lines.append(f"| Record | {_link(ids.record_url, ids.record_url)} |")
    elif ids.record_id:
        lines.append(f"| Record | {escape_markdown(ids.record_id)} |")
    if ids.doi:
        lines.append(f"| DOI | {_link(ids.doi, 'https://doi.org/' + ids.doi)} |")
    if ids.concept_doi:
        lines.append(
            f"| Concept DOI (all versions) | "
            f"{_link(ids.concept_doi, 'https://doi.org/' + ids.concept_doi)} |"
        )
    if ids.version:
        lines.append(f"| Version | {escape_markdown(ids.version)} |")
    lines.append(f"| State | {ids.state}{' (published by this run)' if result.published else ''} |")
    if ids.review_state:
        lines.append(f"| Community review | {escape_markdown(ids.review_state)} |")
    if commit is not None:
        lines.append(f"| Commit-back | {_commit_text(commit, result.record_file)} |")
    lines.append("")
    if result.files:
        lines.extend(render_files(result.files))
    if result.messages:
        lines += ["### Notes", ""]
        lines += [f"- {escape_markdown(m)}" for m in result.messages]
        lines.append("")
    if reasons:
        lines += ["<details><summary>Why this run did what it did</summary>", ""]
        lines += [f"- {escape_markdown(r)}" for r in reasons]
        lines += ["", "</details>", ""]
    return redact("\n".join(lines) + "\n")


def _commit_text(commit: CommitOutcome, record_file: str | None) -> str:
    if not commit.committed:
        return "nothing committed"
    where = f" to {escape_markdown(commit.branch)}" if commit.branch else ""
    what = f" ({escape_markdown(record_file)})" if record_file else ""
    return f"committed {escape_markdown(commit.sha or '')}{where}{what}"


def render_files(files: Sequence[FileOutcome]) -> list[str]:
    counts: dict[str, int] = {}
    for f in files:
        counts[ACTION_LABELS[f.action]] = counts.get(ACTION_LABELS[f.action], 0) + 1
    heading = ", ".join(f"{n} {label}" for label, n in counts.items())
    lines = [f"### Files ({heading})", "", "| File | Action | Size | MD5 |", "|---|---|--:|---|"]
    used = 0
    shown = 0
    for f in files:
        row = (
            f"| {escape_markdown(f.name)} | {ACTION_LABELS[f.action]} | {human_size(f.size)} | "
            f"{'`' + f.md5 + '`' if f.md5 else ''} |"
        )
        used += len(row.encode("utf-8")) + 1
        if shown >= MAX_TABLE_ROWS or used > MAX_TABLE_BYTES:
            break
        lines.append(row)
        shown += 1
    if shown < len(files):
        lines += [
            "",
            f"*{len(files) - shown} more files not shown; the `plan` output lists them all.*",
        ]
    lines.append("")
    return lines


def render_mirrors(result: MirrorResult) -> str:
    """One row per mirror (SPEC §10), below Zenodo's summary."""
    title = "### Mirrors" + (" (dry run)" if result.dry_run else "")
    lines = [title, "", "| Mirror | Uploaded | Unchanged | Deleted | |", "|---|---|---|---|---|"]
    for outcome in result.outcomes:
        where = escape_markdown(f"s3://{outcome.target.bucket}/{outcome.key_prefix}")
        status = "failed: " + escape_markdown(outcome.error.message) if outcome.error else "ok"
        lines.append(
            f"| {where} | {outcome.uploaded} | {outcome.skipped} | {outcome.deleted} | {status} |"
        )
    return "\n".join(lines) + "\n"


def render_failure(error: ZenodoPublishError, *, base: str = "") -> str:
    """The Markdown explanation of a failed run: what went wrong, where, and what to do."""
    lines = [f"## Zenodo Publish failed: {escape_markdown(error.title)}", ""]
    if isinstance(error, ManifestError):
        lines.append(f"{len(error.problems)} problem(s) in the manifest:")
        lines.append("")
        lines += ["| Where | JSON path | Problem |", "|---|---|---|"]
        for problem in error.problems:
            where = problem.file or "manifest"
            if base and base != "." and problem.file and not Path(problem.file).is_absolute():
                where = (Path(base) / problem.file).as_posix()
            if problem.line is not None:
                where += f":{problem.line}"
                if problem.column is not None:
                    where += f":{problem.column}"
            text = problem.message + (f" ({problem.hint})" if problem.hint else "")
            json_path = problem.json_path.replace("`", "'")
            lines.append(f"| {escape_markdown(where)} | `{json_path}` | {escape_markdown(text)} |")
        lines.append("")
    else:
        lines += _quoted(error.message.splitlines())
        lines.append("")
    if isinstance(error, ZenodoAPIError):
        details = [f"HTTP status: {error.status}"]
        if error.method or error.url:
            details.append(f"request: {error.method} {error.url}".strip())
        if error.server_message:
            details.append(f"Zenodo said: {error.server_message}")
        for field in error.field_errors:
            details.append(f"field `{field.field}`: {'; '.join(field.messages)}")
        if error.request_id:
            details.append(f"request id: {error.request_id}")
        lines += [f"- {escape_markdown(d)}" for d in details]
        lines.append("")
    if error.hint:
        lines += [f"**What to do:** {escape_markdown(error.hint)}", ""]
    lines.append(f"Exit code {error.exit_code}. Re-run with debug logging for a traceback.")
    return redact("\n".join(lines) + "\n")


def _quoted(message_lines: Iterable[str]) -> list[str]:
    return [f"> {escape_markdown(line)}" if line else ">" for line in message_lines]


class SummaryWriter:
    """Appends Markdown to the ``GITHUB_STEP_SUMMARY`` file (UTF-8)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def append(self, markdown: str) -> None:
        with self.path.open("a", encoding="utf-8", newline="\n") as handle:
            handle.write(redact(markdown))
