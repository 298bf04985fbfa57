"""The action's inputs under hypothesis: every INPUT_* value either parses or gives a UsageError
that names the input (exit 2, one ::error:: line, no traceback), and the engine is never
reached with a bad input."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from leakcheck import SWEEP_GITHUB_TOKEN, SWEEP_TOKEN

from zenodo_publish.errors import UsageError
from zenodo_publish.github.entrypoint import main
from zenodo_publish.github.inputs import parse_inputs
from zenodo_publish.github.policy import ManifestPolicy
from zenodo_publish.sync.result import RunResult

NAMES = (
    "manifest", "endpoint", "mode", "publish", "dry_run", "commit", "commit_message",
    "working_directory", "api", "parallel_uploads",
)  # fmt: skip
GOOD = {
    "mode": ["", "auto", "validate", "plan", "sync", "publish", "PLAN"],
    "publish": ["", "auto", "true", "false", "True"],
    "dry_run": ["", "true", "false", "FALSE"],
    "commit": ["", "auto", "true", "false"],
    "api": ["", "rdm", "legacy"],
    "parallel_uploads": ["", "1", "4", "16"],
}
values = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "ture", "yes", "1", "0", "-1", "17", "1e3", "0x10", " 4 ", "４", "true\n", "a\nb",
            "../..", "/etc", "sandbox", "production", "http://example.org/api", "\x00", "%0A",
            "::error::x", "vali date", "publish\r\n::set-output", "9" * 400,
        ]
    ),
)  # fmt: skip
environments = st.fixed_dictionaries(
    {},
    optional={name: st.one_of(values, st.sampled_from(GOOD.get(name, [""]))) for name in NAMES},
)
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def environ_of(values: dict[str, str], workspace: Path) -> dict[str, str]:
    env = {f"INPUT_{k.upper()}": v for k, v in values.items()}
    env["INPUT_ZENODO_TOKEN"] = SWEEP_TOKEN
    env["INPUT_GITHUB_TOKEN"] = SWEEP_GITHUB_TOKEN
    env["GITHUB_WORKSPACE"] = str(workspace)
    env["GITHUB_EVENT_NAME"] = "workflow_dispatch"
    env["GITHUB_REF"] = "refs/heads/main"
    return env


@FUZZ
@given(values=environments)
def test_inputs_parse_or_fail_naming_the_input(values: dict[str, str], tmp_path: Path) -> None:
    try:
        inputs = parse_inputs(environ_of(values, tmp_path))
    except UsageError as error:
        named = [n for n in NAMES if f"`{n}`" in error.message]
        assert named, error.message
        assert SWEEP_TOKEN not in error.message
        return
    assert 1 <= inputs.parallel_uploads <= 16
    assert "\n" not in inputs.manifest + (inputs.endpoint or "") + inputs.working_directory
    assert inputs.mode in ("auto", "validate", "plan", "sync", "publish")


@FUZZ
@given(values=environments)
def test_the_entrypoint_reports_bad_inputs_without_a_traceback(
    values: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "ws").mkdir(exist_ok=True)
    called: list[Any] = []

    def engine(request: Any) -> RunResult:
        called.append(request)
        return RunResult(mode="validate", endpoint="https://sandbox.zenodo.org/api")

    stream = io.StringIO()
    code = main(
        environ_of(values, tmp_path / "ws"),
        engine=engine,
        read_settings=lambda _m, _r: ManifestPolicy(publish_on="never"),
        stream=stream,
    )
    log = stream.getvalue()
    assert "Traceback" not in log
    assert code in (0, 2, 4), log  # success, bad input, or refused by policy
    if code == 2:
        assert not called
        errors = [line for line in log.splitlines() if line.startswith("::error")]
        assert len(errors) == 1 and "input" in errors[0], log
    lines = [line for line in log.splitlines() if not line.startswith("::add-mask::")]
    assert not any(SWEEP_TOKEN in line or SWEEP_GITHUB_TOKEN in line for line in lines)


@pytest.mark.parametrize("value", ["../outside.yaml", "/etc/passwd", "sub/../../x.yaml"])
def test_a_manifest_input_leaving_the_workspace_is_refused_before_reading(
    value: str, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (tmp_path / "outside.yaml").write_text("secret: the neighbour's\n")
    stream = io.StringIO()
    code = main(
        environ_of({"manifest": value, "mode": "validate"}, workspace),
        engine=lambda _r: pytest.fail("the engine must not run"),
        stream=stream,
    )
    assert code == 2, stream.getvalue()
    assert "`manifest`" in stream.getvalue()
    assert "neighbour" not in stream.getvalue()
