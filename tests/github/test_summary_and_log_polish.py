"""The step summary and the log as a person reads them: code spans instead of escaped
backticks, a table whose header is real data, the commit as a link, the plan in words, counts
with their noun, one annotation per problem, the traceback hint only where it helps, sizes and
upload progress people can read, one stop-commands block per phase."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from gh_support import REPOSITORY_PAYLOAD, ZENODO_TOKEN, Runner

from zenodo_publish.errors import (
    ManifestError,
    PolicyError,
    Problem,
    UnexpectedResponseError,
    UsageError,
    ZenodoAPIError,
)
from zenodo_publish.github.engine import EngineRequest, WorkflowReporter
from zenodo_publish.github.entrypoint import main
from zenodo_publish.github.outputs import CommitOutcome
from zenodo_publish.github.policy import ManifestPolicy
from zenodo_publish.github.summary import inline, render_failure, render_result
from zenodo_publish.github.workflow import Workflow
from zenodo_publish.humanize import human_duration, human_size, plural
from zenodo_publish.sync.report import StreamReporter
from zenodo_publish.sync.result import FileOutcome, RecordIds, RunResult

SHA = "0123456789abcdef0123456789abcdef01234567"
PUBLISHED = RecordIds(
    record_id="7", concept_id="6", doi="10.5072/zenodo.7", concept_doi="10.5072/zenodo.6",
    version="1.0.0", state="published", record_url="https://sandbox.zenodo.org/records/7",
)  # fmt: skip
PLAN = {
    "action": "new_version",
    "record_id": "7",
    "publish": False,
    "files": [
        {"name": "a.csv", "action": "upload"},
        {"name": "b.csv", "action": "upload"},
        {"name": "c.csv", "action": "skip"},
    ],
    "metadata_changes": [{"field": "version", "source": "tag"}],
}


def table_rows(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("|")]


# --- Markdown ------------------------------------------------------------------------------


def test_backticks_in_messages_become_code_spans_not_escaped_characters() -> None:
    assert inline("set `publish.on: tags` in zenodo.yaml") == (
        "set `publish.on: tags` in zenodo\\.yaml"
    )
    assert inline("a `x|y` cell") == "a `x\\|y` cell"  # still one table cell
    assert inline("one ` alone") == "one \\` alone"  # unpaired: shown as it is
    hint = PolicyError("refused", hint="add `publish: {on: tags}` to the manifest")
    text = render_failure(hint)
    assert "**What to do:** add `publish: {on: tags}` to the manifest" in text
    assert "\\`" not in text


def test_key_value_table_has_no_empty_header_and_the_doi_leads() -> None:
    result = RunResult(mode="publish", endpoint="sandbox", ids=PUBLISHED, published=True)
    rows = table_rows(render_result(result))
    assert "| | |" not in rows
    assert rows[0] == "| DOI | [10\\.5072/zenodo\\.7](<https://doi.org/10.5072/zenodo.7>) |"
    assert rows[1] == "|---|---|"
    draft = RunResult(mode="sync", endpoint="sandbox", ids=RecordIds(record_id="8", state="draft"))
    assert table_rows(render_result(draft))[0] == "| Record | 8 |"


def test_the_commit_back_sha_is_a_link_to_the_commit() -> None:
    result = RunResult(mode="sync", endpoint="sandbox", ids=PUBLISHED, record_file=".z.json")
    text = render_result(
        result,
        commit=CommitOutcome(True, SHA, "main"),
        repository_url="https://github.com/octo/data",
    )
    assert (
        f"| Commit-back | committed [`{SHA[:12]}`](<https://github.com/octo/data/commit/{SHA}>)"
        " to main (\\.z\\.json) |"
    ) in text
    # Without the repository (a local run) the SHA is shown, not linked.
    assert f"committed `{SHA[:12]}`" in render_result(result, commit=CommitOutcome(True, SHA))


def test_a_pull_request_summary_states_the_plan() -> None:
    files = (FileOutcome("a.csv", "upload", 2000, None), FileOutcome("c.csv", "skip", 5, None))
    result = RunResult(mode="plan", endpoint="sandbox", ids=PUBLISHED, files=files, plan=PLAN)
    text = render_result(result)
    assert "**Plan:** open a new version of the published record (7)." in text
    assert "- Files: 2 to upload, 1 unchanged" in text
    assert "- Metadata changes: `version` (tag)" in text
    assert "- Publish: no" in text
    assert "| a\\.csv | to upload | 2.0 kB |" in text  # not "uploaded": nothing happened yet
    assert text.index("**Plan:**") < text.index("| DOI |")
    # A sync that ran does not restate a plan.
    assert "**Plan:**" not in render_result(RunResult(mode="sync", endpoint="x", plan=PLAN))


def test_counts_have_their_noun() -> None:
    one = ManifestError([Problem("missing title", json_path="$.metadata.title")])
    assert "1 problem in the manifest:" in render_failure(one)
    two = ManifestError([Problem("a", json_path="$.a"), Problem("b", json_path="$.b")])
    assert "2 problems in the manifest:" in render_failure(two)
    assert "(s)" not in render_failure(one) + render_failure(two)
    assert (plural(1, "file"), plural(0, "file"), plural(3, "entry", "entries")) == (
        "1 file", "0 files", "3 entries",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("error", "helps"),
    [
        (ManifestError([Problem("x", json_path="$.x")]), False),
        (UsageError("input `mode` is 'x'"), False),
        (PolicyError("refused"), False),
        (ZenodoAPIError("Zenodo refused", status=400), False),
        (UnexpectedResponseError("Zenodo's answer had no id"), True),
    ],
)
def test_the_traceback_hint_only_where_it_helps(error: Exception, helps: bool) -> None:
    assert isinstance(error, (ManifestError, UsageError, PolicyError, ZenodoAPIError,
                              UnexpectedResponseError))  # fmt: skip
    assert ("traceback" in render_failure(error)) is helps


def test_one_annotation_per_manifest_problem(runner: Runner) -> None:
    runner.event("push", {"ref": "refs/heads/main", "repository": REPOSITORY_PAYLOAD},
                 ref="refs/heads/main")  # fmt: skip
    runner.inputs(zenodo_token=ZENODO_TOKEN)

    def engine(request: EngineRequest) -> RunResult:
        raise ManifestError(
            [Problem("unknown license", file="zenodo.yaml", line=4, json_path="$.a"),
             Problem("missing title", file="zenodo.yaml", line=2, json_path="$.b")]
        )  # fmt: skip

    stream = io.StringIO()
    code = main(runner.environ, engine=engine, stream=stream,
                read_settings=lambda _p, _r: ManifestPolicy(publish_on="never"))  # fmt: skip
    assert code == 1
    annotations = [ln for ln in stream.getvalue().splitlines() if ln.startswith("::error")]
    assert len(annotations) == 2, annotations
    assert all("file=zenodo.yaml" in a for a in annotations)
    assert "Invalid manifest: 2 problems" in stream.getvalue()


# --- log -------------------------------------------------------------------------------------


def test_sizes_and_durations_read_like_zenodo_states_them() -> None:
    assert [human_size(n) for n in (0, 54, 999, 1000, 1_500_000, 50 * 10**9)] == [
        "0 B", "54 B", "999 B", "1.0 kB", "1.5 MB", "50.0 GB",
    ]  # fmt: skip
    assert [human_duration(s) for s in (0.4, 45, 185, 7620)] == [
        "0 s", "45 s", "3 min 05 s", "2 h 07 min",
    ]  # fmt: skip


def test_upload_progress_shows_rate_and_time_left() -> None:
    now = [100.0]
    stream = io.StringIO()
    reporter = StreamReporter(stream, clock=lambda: now[0])
    total = 100_000_000
    reporter.progress("big.bin", 0, total)  # the start: a baseline, no line
    now[0] += 2.0
    reporter.progress("big.bin", 40_000_000, total)
    now[0] += 3.0
    reporter.progress("big.bin", total, total)
    assert stream.getvalue().splitlines() == [
        "   big.bin:  40% of 100.0 MB, 20.0 MB/s, 3 s left",
        "   big.bin: 100% of 100.0 MB in 5 s (20.0 MB/s)",
    ]


def test_a_retried_upload_restarts_its_rate() -> None:
    now = [0.0]
    stream = io.StringIO()
    reporter = StreamReporter(stream, clock=lambda: now[0])
    total = 100_000_000
    reporter.progress("big.bin", 0, total)
    now[0] = 10.0
    reporter.progress("big.bin", 20_000_000, total)
    reporter.progress("big.bin", 0, total)  # the retry starts from zero
    now[0] = 12.0
    reporter.progress("big.bin", 50_000_000, total)
    assert stream.getvalue().splitlines()[-1] == "   big.bin:  50% of 100.0 MB, 25.0 MB/s, 2 s left"


def test_one_stop_commands_pair_per_phase(tmp_path: Path) -> None:
    stream = io.StringIO()
    reporter = WorkflowReporter(Workflow(stream))
    with reporter.phase("Uploading files"):
        reporter.info("   upload ::add-mask::a.csv (8 B)")
        reporter.info("   upload b.csv (8 B)")
        reporter.info("   upload c.csv (8 B)")
    reporter.info("outside a phase")
    lines = stream.getvalue().splitlines()
    stops = [ln for ln in lines if ln.startswith("::stop-commands::")]
    assert len(stops) == 2  # one for the phase, one for the line outside it
    token = re.fullmatch(r"::stop-commands::([0-9a-f]{32})", stops[0])
    assert token is not None
    assert lines[:6] == [
        "-- Uploading files",
        stops[0],
        "   upload ::add-mask::a.csv (8 B)",  # inert: commands are stopped
        "   upload b.csv (8 B)",
        "   upload c.csv (8 B)",
        f"::{token.group(1)}::",
    ]


def test_nested_phases_share_one_stop_commands_block() -> None:
    stream = io.StringIO()
    reporter = WorkflowReporter(Workflow(stream))
    with reporter.phase("Reading the manifest"):
        reporter.info("2 files, 8 B")
        with reporter.phase("Comparing with Zenodo"):
            reporter.info("plan: update_draft")
        reporter.info("   upload ::add-mask::a.csv (8 B)")
    reporter.info("outside")
    lines = stream.getvalue().splitlines()
    stops = [ln for ln in lines if ln.startswith("::stop-commands::")]
    token = stops[0].removeprefix("::stop-commands::")
    assert lines[:7] == [
        "-- Reading the manifest",
        stops[0],
        "2 files, 8 B",
        "-- Comparing with Zenodo",
        "plan: update_draft",
        "   upload ::add-mask::a.csv (8 B)",  # inert: the outer block is still open
        f"::{token}::",
    ]
    assert len(stops) == 2  # the outer phase's block, and the line outside any phase


def test_a_phase_that_fails_still_resumes_commands() -> None:
    stream = io.StringIO()
    reporter = WorkflowReporter(Workflow(stream))
    with pytest.raises(RuntimeError), reporter.phase("Creating a draft"):
        reporter.info("x")
        raise RuntimeError("boom")
    lines = stream.getvalue().splitlines()
    token = lines[1].removeprefix("::stop-commands::")
    assert lines[-1] == f"::{token}::"


def test_a_failed_commit_back_keeps_the_published_doi_in_the_summary(runner: Runner) -> None:
    runner.event("push", {"ref": "refs/heads/main", "repository": REPOSITORY_PAYLOAD},
                 ref="refs/heads/main")  # fmt: skip
    runner.inputs(zenodo_token=ZENODO_TOKEN)

    def engine(request: EngineRequest) -> RunResult:
        (request.repo_root / ".zenodo-record.json").write_text('{"sandbox": {}}\n')
        return RunResult(mode="publish", endpoint="sandbox", ids=PUBLISHED, published=True,
                         record_file=".zenodo-record.json", record_file_changed=True)  # fmt: skip

    stream = io.StringIO()
    code = main(runner.environ, engine=engine, stream=stream,
                git_remote=str(runner.repo.remote.parent / "no-such-remote.git"),
                read_settings=lambda _p, _r: ManifestPolicy(publish_on="never"))  # fmt: skip
    assert code == 5, stream.getvalue()
    summary = runner.summary()
    rows = table_rows(summary)
    assert rows[0].startswith("| DOI | [10\\.5072/zenodo\\.7]")
    assert "| Commit-back | **failed**: Commit\\-back failed (see below) |" in rows
    assert summary.index("| DOI |") < summary.index("## Zenodo Publish failed: Commit\\-back")


def test_the_mirror_table_names_every_column() -> None:
    from zenodo_publish.github.summary import render_mirrors
    from zenodo_publish.mirror.run import MirrorResult

    header = render_mirrors(MirrorResult()).splitlines()[2]
    assert header == "| Mirror | Uploaded | Unchanged | Deleted | Status |"
