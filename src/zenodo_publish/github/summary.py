"""The step summary (``GITHUB_STEP_SUMMARY``): GitHub-flavoured Markdown.

A run gets the record links, its state and the per-file table; a failed run gets an explanation
of what went wrong and what to do. GitHub refuses a summary over 1 MiB per step, so long tables
are cut with a note well before that (the ``plan`` output keeps the full list).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from zenodo_publish.errors import (
    IntegrityError,
    ManifestError,
    ServerError,
    UnexpectedResponseError,
    ZenodoAPIError,
    ZenodoError,
    ZenodoPublishError,
)
from zenodo_publish.github.outputs import CommitOutcome
from zenodo_publish.humanize import human_size, plural
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
#: The same actions in a plan or a dry run, where nothing happened yet.
PLANNED_LABELS: Final = {
    "upload": "to upload",
    "replace": "to replace",
    "skip": "unchanged",
    "import": "to import",
    "delete": "to delete",
}
PLAN_ACTIONS: Final = {
    "create": "create a new draft",
    "update_draft": "update the open draft",
    "new_version": "open a new version of the published record",
    "edit": "edit the published record's metadata",
    "none": "nothing: Zenodo already matches the repository",
}


def escape_markdown(text: str) -> str:
    """``text`` shown literally in Markdown, also inside a table cell (``|`` escaped) and on one
    line (newlines become spaces)."""
    flat = " ".join(text.splitlines())
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in flat)


def inline(text: str) -> str:
    """``text`` on one line as Markdown: spans in backticks (`` `publish.on` ``) become code
    spans, everything else is escaped. Without this, a message's own backticks would show as
    literal ``\\` `` characters."""
    flat = " ".join(text.splitlines())
    parts = flat.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: no code spans, show it as it is
        return escape_markdown(flat)
    out = []
    for index, part in enumerate(parts):
        if index % 2 == 0:
            out.append(escape_markdown(part))
        elif part.strip():
            # A code span shows its content literally; only a `|` would still end a table cell.
            out.append("`" + part.replace("|", "\\|") + "`")
        else:
            out.append(escape_markdown("`" + part + "`"))
    return "".join(out)


def _link(text: str, url: str) -> str:
    # Angle brackets keep parentheses and spaces in URLs from ending the link early.
    return f"[{escape_markdown(text)}](<{url.replace('>', '%3E')}>)"


def render_published_headline(result: RunResult) -> str:
    """The line that leads the summary once a publish went through, whatever fails after it
    (SPEC §13.7): a user who sees a red X must not release again."""
    ids = result.ids
    if not (result.published and ids.doi):
        return ""
    version = f" version {escape_markdown(ids.version)}" if ids.version else ""
    link = _link(ids.doi, "https://doi.org/" + ids.doi)
    return f"**Published{version} on Zenodo: DOI {link}**\n\n"


def render_result(
    result: RunResult,
    *,
    reasons: Sequence[str] = (),
    commit: CommitOutcome | None = None,
    repository_url: str | None = None,
    commit_failure: str | None = None,
) -> str:
    """The summary of a finished run. ``repository_url`` (``$GITHUB_SERVER_URL/$GITHUB_
    REPOSITORY``) turns the commit-back SHA into a link; ``commit_failure`` is the title of
    the error that stopped commit-back (explained after this part)."""
    ids = result.ids
    planning = result.mode == "plan" or result.dry_run
    title = f"## Zenodo Publish: {result.mode}"
    if result.dry_run:
        title += " (dry run)"
    rows: list[tuple[str, str]] = []
    # Once a version is published its DOI is what people came for: it leads the table.
    if ids.doi:
        rows.append(("DOI", _link(ids.doi, "https://doi.org/" + ids.doi)))
    if ids.record_url:
        rows.append(("Record", _link(ids.record_url, ids.record_url)))
    elif ids.record_id:
        rows.append(("Record", escape_markdown(ids.record_id)))
    if ids.concept_doi:
        link = _link(ids.concept_doi, "https://doi.org/" + ids.concept_doi)
        rows.append(("Concept DOI (all versions)", link))
    if ids.version:
        rows.append(("Version", escape_markdown(ids.version)))
    rows.append(("State", f"{ids.state}{' (published by this run)' if result.published else ''}"))
    if ids.review_state:
        rows.append(("Community review", escape_markdown(ids.review_state)))
    rows.append(("Endpoint", escape_markdown(result.endpoint)))
    if commit_failure is not None:
        rows.append(("Commit-back", f"**failed**: {escape_markdown(commit_failure)} (see below)"))
    elif commit is not None:
        rows.append(("Commit-back", _commit_text(commit, result.record_file, repository_url)))
    lines = [title, ""]
    if planning and result.plan.get("action"):
        lines += render_plan(result.plan)
    lines += _key_value_table(rows)
    lines.append("")
    if result.files:
        lines.extend(render_files(result.files, planned=planning))
    if result.messages:
        lines += ["### Notes", ""]
        lines += [f"- {inline(m)}" for m in result.messages]
        lines.append("")
    if reasons:
        lines += ["<details><summary>Why this run did what it did</summary>", ""]
        lines += [f"- {inline(r)}" for r in reasons]
        lines += ["", "</details>", ""]
    return redact("\n".join(lines) + "\n")


def _key_value_table(rows: Sequence[tuple[str, str]]) -> list[str]:
    """A two-column table whose first pair is the header row: GitHub tables need a header, and
    an empty one shows as a blank bar above the table."""
    (key, value), *rest = rows
    lines = [f"| {key} | {value} |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in rest]
    return lines


def render_plan(plan: Mapping[str, Any]) -> list[str]:
    """What a sync would do, in words: for pull requests and dry runs."""
    action = str(plan.get("action", ""))
    what = PLAN_ACTIONS.get(action, escape_markdown(action))
    record_id = plan.get("record_id")
    if record_id and action in ("update_draft", "new_version", "edit"):
        what += f" ({escape_markdown(str(record_id))})"
    lines = [f"**Plan:** {what}.", ""]
    counts: dict[str, int] = {}
    for entry in _entries(plan.get("files")):
        file_action = str(entry.get("action", ""))
        label = PLANNED_LABELS.get(file_action, file_action)
        counts[label] = counts.get(label, 0) + 1
    if counts:
        listed = ", ".join(f"{n} {label}" for label, n in counts.items())
        lines.append(f"- Files: {escape_markdown(listed)}")
    changes = _entries(plan.get("metadata_changes"))
    if changes:
        fields = ", ".join(
            f"`{c.get('field')}` ({escape_markdown(str(c.get('source')))})" for c in changes
        )
        lines.append(f"- Metadata changes: {fields}")
    elif action != "none":
        lines.append("- Metadata: unchanged")
    publish = plan.get("publish")
    if publish is not None:
        lines.append(f"- Publish: {'yes' if publish else 'no'}")
    lines.append("")
    return lines


def _entries(value: object) -> list[Mapping[str, Any]]:
    """The objects of a JSON list (anything else in it, or no list, contributes nothing)."""
    if not isinstance(value, list):
        return []
    return [entry for entry in value if isinstance(entry, Mapping)]


def _commit_text(commit: CommitOutcome, record_file: str | None, repository_url: str | None) -> str:
    if not commit.committed:
        return "nothing committed"
    sha = commit.sha or ""
    shown = f"`{sha[:12]}`" if sha else ""
    if sha and repository_url:
        shown = f"[{shown}](<{repository_url.rstrip('/')}/commit/{sha}>)"
    where = f" to {escape_markdown(commit.branch)}" if commit.branch else ""
    what = f" ({escape_markdown(record_file)})" if record_file else ""
    return f"committed {shown}{where}{what}"


def render_files(files: Sequence[FileOutcome], *, planned: bool = False) -> list[str]:
    labels = PLANNED_LABELS if planned else ACTION_LABELS
    counts: dict[str, int] = {}
    for f in files:
        counts[labels[f.action]] = counts.get(labels[f.action], 0) + 1
    heading = ", ".join(f"{n} {label}" for label, n in counts.items())
    lines = [f"### Files ({heading})", "", "| File | Action | Size | MD5 |", "|---|---|--:|---|"]
    used = 0
    shown = 0
    for f in files:
        row = (
            f"| {escape_markdown(f.name)} | {labels[f.action]} | "
            f"{human_size(f.size) if f.size is not None else ''} | "
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
    header = "| Mirror | Uploaded | Unchanged | Deleted | Status |"
    lines = [title, "", header, "|---|---|---|---|---|"]
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
        lines.append(f"{plural(len(error.problems), 'problem')} in the manifest:")
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
            lines.append(f"| {escape_markdown(where)} | `{json_path}` | {inline(text)} |")
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
        lines += [f"- {inline(d)}" for d in details]
        lines.append("")
    if error.hint:
        lines += [f"**What to do:** {inline(error.hint)}", ""]
    ending = f"Exit code {error.exit_code}."
    if traceback_helps(error):
        ending += " Re-run the job with debug logging enabled to get a traceback."
    lines.append(ending)
    return redact("\n".join(lines) + "\n")


def traceback_helps(error: ZenodoPublishError) -> bool:
    """Whether a traceback could tell more than the message: for answers we did not expect and
    failures of unknown kind, not for wrong input, refused requests or policy."""
    helpful = (UnexpectedResponseError, IntegrityError, ServerError)
    return isinstance(error, helpful) or type(error) in (ZenodoPublishError, ZenodoError)


def _quoted(message_lines: Iterable[str]) -> list[str]:
    return [f"> {inline(line)}" if line else ">" for line in message_lines]


class SummaryWriter:
    """Appends Markdown to the ``GITHUB_STEP_SUMMARY`` file (UTF-8)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def append(self, markdown: str) -> None:
        with self.path.open("a", encoding="utf-8", newline="\n") as handle:
            handle.write(redact(markdown))
