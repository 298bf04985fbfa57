from __future__ import annotations

import socket

import pytest

from zenodo_publish import cli
from zenodo_publish.errors import ManifestError, Problem, UsageError
from zenodo_publish.redact import redact, register_secret


def test_problem_format_names_file_line_column_path_and_hint() -> None:
    problem = Problem(
        "'cc-by' is not a known license",
        file="zenodo.yaml",
        line=7,
        column=12,
        json_path="metadata.license",
        hint="did you mean 'cc-by-4.0'?",
    )
    assert problem.format() == (
        "zenodo.yaml:7:12: metadata.license: 'cc-by' is not a known license "
        "(did you mean 'cc-by-4.0'?)"
    )


def test_manifest_error_lists_every_problem() -> None:
    error = ManifestError([Problem("a", file="m.yaml", line=1), Problem("b", file="m.yaml")])
    assert "2 problems" in error.message
    assert "m.yaml:1: $: a" in error.message
    assert "m.yaml: $: b" in error.message
    assert error.exit_code == 1


def test_registered_secret_and_token_shapes_are_masked() -> None:
    register_secret("s3cr3t-token-value")
    text = redact("url?access_token=abcdef&x=1 Authorization: Bearer xyz123 s3cr3t-token-value")
    assert "s3cr3t-token-value" not in text
    assert "abcdef" not in text
    assert "xyz123" not in text
    assert text.count("***") == 3


def test_short_values_are_not_registered() -> None:
    register_secret("abc")
    assert redact("abc") == "abc"


def test_top_level_handler_prints_message_hint_and_exit_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    register_secret("tok-123456")

    def failing(_args: object) -> int:
        raise UsageError("bad token tok-123456", hint="set ZENODO_TOKEN")

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda command=None: parser)
    sub = parser._subparsers._group_actions[0]  # type: ignore[union-attr]
    child = sub.add_parser("boom")  # type: ignore[attr-defined]
    child.set_defaults(_run=failing)
    assert cli.main(["boom"]) == 2
    err = capsys.readouterr().err
    assert "error: bad token ***" in err
    assert "hint: set ZENODO_TOKEN" in err
    assert "tok-123456" not in err


def test_network_guard_refuses_non_loopback() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(RuntimeError, match="only loopback"):
            sock.connect(("192.0.2.1", 443))
    finally:
        sock.close()
