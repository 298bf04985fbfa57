"""Workflow commands, GITHUB_OUTPUT and the step summary."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from zenodo_publish.errors import ManifestError, Problem, UsageError, ZenodoAPIError
from zenodo_publish.github.outputs import (
    ActionOutputs,
    CommitOutcome,
    OutputWriter,
    parse_output_file,
)
from zenodo_publish.github.summary import (
    MAX_TABLE_ROWS,
    escape_markdown,
    render_failure,
    render_result,
)
from zenodo_publish.github.workflow import Workflow, escape_data, escape_property, format_command
from zenodo_publish.redact import register_secret
from zenodo_publish.sync.result import FileOutcome, RecordIds, RunResult

RESULT = RunResult(
    mode="sync",
    endpoint="https://sandbox.zenodo.org/api",
    ids=RecordIds(
        record_id="123",
        concept_id="122",
        doi="10.5072/zenodo.123",
        concept_doi="10.5072/zenodo.122",
        version="1.2.0",
        state="draft",
        record_url="https://sandbox.zenodo.org/uploads/123",
    ),
    files=(
        FileOutcome("a.csv", "upload", 2048, "0" * 32),
        FileOutcome("b|c*_[x].csv", "skip", 10, "1" * 32),
        FileOutcome("old.csv", "delete"),
    ),
    plan={"files": {"upload": ["a.csv"]}, "title": "line one\nline two"},
    record_file=".zenodo-record.json",
    record_file_changed=True,
)


def workflow() -> tuple[Workflow, io.StringIO]:
    stream = io.StringIO()
    return Workflow(stream), stream


# --- workflow commands -------------------------------------------------------------------------


def test_escaping_follows_the_runner() -> None:
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert (
        format_command("error", "bad: value", file="dir,x/zenodo.yaml", line=3, col=None)
        == "::error file=dir%2Cx/zenodo.yaml,line=3::bad: value"
    )


def test_add_mask_carries_the_secret_and_masks_each_line_of_a_multi_line_one() -> None:
    log, stream = workflow()
    register_secret("secret-value-1")
    log.add_mask("secret-value-1")
    log.add_mask("line-one-xx\nline-two-yy")
    assert stream.getvalue().splitlines() == [
        "::add-mask::secret-value-1",
        "::add-mask::line-one-xx%0Aline-two-yy",
        "::add-mask::line-one-xx",
        "::add-mask::line-two-yy",
    ]


def test_everything_else_is_redacted() -> None:
    log, stream = workflow()
    register_secret("secret-value-1")
    log.echo("token secret-value-1 here")
    log.warning("secret-value-1", title="secret-value-1")
    assert "secret-value-1" not in stream.getvalue()


def test_group_closes_even_when_the_phase_fails() -> None:
    log, stream = workflow()
    with pytest.raises(RuntimeError), log.group("Upload: 3 files"):
        log.echo("inside")
        raise RuntimeError("boom")
    assert stream.getvalue().splitlines() == ["::group::Upload: 3 files", "inside", "::endgroup::"]


def test_untrusted_text_is_fenced_with_a_random_token() -> None:
    log, stream = workflow()
    log.echo_untrusted("::add-mask::nope\n::error::fake")
    lines = stream.getvalue().splitlines()
    match = re.fullmatch(r"::stop-commands::([0-9a-f]{32})", lines[0])
    assert match is not None
    # Fenced, and neutralised as every echoed line is (escape.for_runner).
    assert lines[1:3] == [":\u200b:add-mask::nope", ":\u200b:error::fake"]
    assert lines[3] == f"::{match.group(1)}::"
    log2, stream2 = workflow()
    log2.echo_untrusted("x")
    assert stream2.getvalue().splitlines()[0] != lines[0]


def test_a_manifest_problem_becomes_an_annotation_on_its_line() -> None:
    log, stream = workflow()
    problem = Problem(
        "'softwre' is not a resource type", file="zenodo.yaml", line=7, column=18,
        json_path="$.metadata.resource_type", hint="did you mean 'software'?",
    )  # fmt: skip
    log.problem(problem, base="sub/dir")
    assert stream.getvalue().strip() == (
        "::error file=sub/dir/zenodo.yaml,line=7,col=18,title=Invalid manifest::"
        "$.metadata.resource_type: 'softwre' is not a resource type (did you mean 'software'?)"
    )


def test_failure_is_one_line_with_title_and_hint() -> None:
    log, stream = workflow()
    log.failure(UsageError("input `dry_run` is 'yes'\nsecond", hint="write true or false"))
    lines = stream.getvalue().splitlines()
    assert lines == [
        "::error title=Invalid input::input `dry_run` is 'yes'%0Asecond%0AHint: write true or false"
    ]


# --- outputs -----------------------------------------------------------------------------------


def test_outputs_round_trip_with_random_delimiters(tmp_path: Path) -> None:
    path = tmp_path / "out"
    writer = OutputWriter(path)
    outputs = ActionOutputs.build(RESULT, CommitOutcome(True, "a" * 40, "main"))
    writer.write(outputs)
    text = path.read_text(encoding="utf-8")
    delimiters = re.findall(r"^\w+<<(ghadelimiter_[0-9a-f-]{36})$", text, re.MULTILINE)
    assert len(delimiters) == 14 and len(set(delimiters)) == 14
    parsed = parse_output_file(text)
    assert parsed == {
        "record_id": "123",
        "concept_id": "122",
        "doi": "10.5072/zenodo.123",
        "concept_doi": "10.5072/zenodo.122",
        "record_url": "https://sandbox.zenodo.org/uploads/123",
        "state": "draft",
        "review_state": "",
        "published": "false",
        "files_uploaded": "1",
        "files_skipped": "1",
        "files_deleted": "1",
        "plan": '{"files":{"upload":["a.csv"]},"title":"line one\\nline two"}',
        "committed": "true",
        "commit_sha": "a" * 40,
    }


def test_outputs_append_and_keep_utf8_and_multi_line_values(tmp_path: Path) -> None:
    path = tmp_path / "out"
    path.write_text("earlier=1\n", encoding="utf-8")
    writer = OutputWriter(path)
    writer.set("note", "Zürich\nEOF\nend")
    writer.set("published", True)
    writer.set("commit_sha", None)
    assert parse_output_file(path.read_text(encoding="utf-8")) == {
        "earlier": "1",
        "note": "Zürich\nEOF\nend",
        "published": "true",
        "commit_sha": "",
    }


def test_outputs_are_redacted_and_names_checked(tmp_path: Path) -> None:
    register_secret("secret-value-1")
    writer = OutputWriter(tmp_path / "out")
    writer.set("x", "has secret-value-1")
    assert "secret-value-1" not in (tmp_path / "out").read_text()
    with pytest.raises(ValueError, match="invalid output name"):
        writer.set("a<<b", "x")


# --- step summary ------------------------------------------------------------------------------


def test_summary_has_the_links_state_and_file_table() -> None:
    text = render_result(
        RESULT, reasons=["push on branch `main`"], commit=CommitOutcome(True, "abc", "main")
    )
    assert (
        "[https://sandbox\\.zenodo\\.org/uploads/123](<https://sandbox.zenodo.org/uploads/123>)"
        in text
    )
    assert "(<https://doi.org/10.5072/zenodo.123>)" in text
    assert "(<https://doi.org/10.5072/zenodo.122>)" in text
    assert "| State | draft |" in text
    assert "| a\\.csv | uploaded | 2.0 kB | `" + "0" * 32 + "` |" in text
    assert "| b\\|c\\*\\_\\[x\\]\\.csv | unchanged | 10 B |" in text
    assert "| old\\.csv | deleted |  |  |" in text
    assert "### Files (1 uploaded, 1 unchanged, 1 deleted)" in text
    assert "committed `abc` to main" in text


def test_long_tables_are_cut_with_a_note() -> None:
    files = tuple(FileOutcome(f"f{i}.csv", "upload", i, "0" * 32) for i in range(2000))
    text = render_result(RunResult(mode="sync", endpoint="sandbox", files=files))
    assert text.count("| uploaded |") == MAX_TABLE_ROWS
    assert f"{2000 - MAX_TABLE_ROWS} more files not shown" in text
    assert len(text.encode()) < 1024 * 1024 // 4


def test_escape_markdown_flattens_lines() -> None:
    assert escape_markdown("a\nb <i>") == "a b \\<i\\>"


def test_failure_summary_explains_manifest_problems_and_api_errors() -> None:
    error = ManifestError(
        [
            Problem(
                "missing title", file="zenodo.yaml", line=2, column=3, json_path="$.metadata.title"
            )
        ]
    )
    text = render_failure(error)
    assert "## Zenodo Publish failed: Invalid manifest" in text
    assert "| zenodo\\.yaml:2:3 | `$.metadata.title` | missing title |" in text
    assert "**What to do:**" in text
    api = ZenodoAPIError(
        "Zenodo refused", status=400, method="PUT", url="https://x/api", request_id="r-1",
        server_message="Validation error",
    )  # fmt: skip
    text = render_failure(api)
    assert "HTTP status: 400" in text and "request id: r\\-1" in text
