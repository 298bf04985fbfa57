"""A collection run as people read it: a per-record table (text and Markdown) and JSON."""

from __future__ import annotations

from typing import Any

from zenodo_publish.collection.run import CollectionResult, RecordOutcome, progress_line


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _cells(outcome: RecordOutcome) -> tuple[str, str, str, str, str]:
    """(outcome, record, state, DOI, what happened) of one record."""
    if outcome.result is None:
        return ("failed", "", "", "", outcome.error or "")
    ids = outcome.result.ids
    return (
        "ok",
        ids.record_id or "",
        "published" if outcome.result.published else ids.state,
        ids.doi or "",
        progress_line(outcome.result),
    )


def render_text(result: CollectionResult) -> str:
    lines = [f"{'key':<24} {'outcome':<7} {'record':<10} {'state':<10} details"]
    for outcome in result.outcomes:
        status, record, state, _doi, details = _cells(outcome)
        lines.append(f"{outcome.key:<24} {status:<7} {record:<10} {state:<10} {details}")
    lines.append(_totals(result))
    return "\n".join(lines)


def render_markdown(result: CollectionResult) -> str:
    failed = result.failed
    head = "Zenodo Publish: collection " + ("failed for some records" if failed else result.mode)
    lines = [f"### {head}", "", _totals(result), ""]
    lines += ["| key | outcome | record | state | DOI | details |", "|---|---|---|---|---|---|"]
    for outcome in result.outcomes:
        status, record, state, doi, details = _cells(outcome)
        link = (
            f"[{record}]({outcome.result.ids.record_url})"
            if (outcome.result is not None and outcome.result.ids.record_url)
            else record
        )
        icon = "✅" if outcome.ok else "❌"
        lines.append(
            f"| `{outcome.key}` | {icon} {status} | {link} | {state} | {doi} | {_escape(details)} |"
        )
    return "\n".join(lines) + "\n"


def _totals(result: CollectionResult) -> str:
    done = sum(1 for o in result.outcomes if o.ok)
    text = (
        f"{done} of {len(result.outcomes)} selected records done ({result.total} in the collection)"
    )
    if result.failed:
        text += f"; failed: {', '.join(result.failed)}"
    return text


def as_json(result: CollectionResult) -> dict[str, Any]:
    records: list[dict[str, Any]] = []
    for outcome in result.outcomes:
        entry: dict[str, Any] = {"key": outcome.key, "ok": outcome.ok}
        if outcome.result is not None:
            ids = outcome.result.ids
            entry.update(
                record_id=ids.record_id,
                concept_id=ids.concept_id,
                doi=ids.doi,
                concept_doi=ids.concept_doi,
                version=ids.version,
                state=ids.state,
                record_url=ids.record_url,
                published=outcome.result.published,
                files_uploaded=outcome.result.files_uploaded,
                files_skipped=outcome.result.files_skipped,
                files_deleted=outcome.result.files_deleted,
                plan=outcome.result.plan,
            )
        else:
            entry.update(error=outcome.error, hint=outcome.hint)
        records.append(entry)
    return {
        "mode": result.mode,
        "record_folder": result.record_folder,
        "total": result.total,
        "failed": list(result.failed),
        "records": records,
    }
