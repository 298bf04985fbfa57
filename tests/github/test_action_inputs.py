from __future__ import annotations

import pytest

from zenodo_publish.errors import UsageError
from zenodo_publish.github.inputs import DEFAULT_COMMIT_MESSAGE, ActionInputs, parse_inputs
from zenodo_publish.redact import redact


def test_empty_inputs_give_the_defaults() -> None:
    parsed = parse_inputs({"INPUT_MODE": "", "INPUT_DRY_RUN": "", "INPUT_PARALLEL_UPLOADS": ""})
    assert parsed == ActionInputs()
    assert parsed.commit_message == DEFAULT_COMMIT_MESSAGE
    assert parsed.api is None and parsed.endpoint is None and parsed.zenodo_token is None


def test_every_input_parsed_case_insensitively() -> None:
    parsed = parse_inputs(
        {
            "INPUT_ZENODO_TOKEN": "zenodo-secret-123",
            "INPUT_MANIFEST": "meta/zenodo.yaml",
            "INPUT_ENDPOINT": "production",
            "INPUT_MODE": "Publish",
            "INPUT_PUBLISH": "TRUE",
            "INPUT_DRY_RUN": "True",
            "INPUT_COMMIT": "false",
            "INPUT_GITHUB_TOKEN": "github-secret-456",
            "INPUT_COMMIT_MESSAGE": "chore: record ids [skip ci]",
            "INPUT_WORKING_DIRECTORY": "sub",
            "INPUT_API": "LEGACY",
            "INPUT_PARALLEL_UPLOADS": "16",
            "INPUT_ALLOW_LOWER_VERSION": "True",
        }
    )
    assert parsed == ActionInputs(
        zenodo_token="zenodo-secret-123",
        manifest="meta/zenodo.yaml",
        endpoint="production",
        mode="publish",
        publish="true",
        dry_run=True,
        commit="false",
        github_token="github-secret-456",
        commit_message="chore: record ids [skip ci]",
        working_directory="sub",
        api="legacy",
        parallel_uploads=16,
        allow_lower_version=True,
    )


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("dry_run", "yes", "true, false"),
        ("dry_run", "1", "true, false"),
        ("mode", "deploy", "auto, validate, plan, sync, publish"),
        ("publish", "maybe", "auto, true, false"),
        ("commit", "on", "auto, true, false"),
        ("api", "rest", "rdm, legacy"),
        ("parallel_uploads", "0", "from 1 to 16"),
        ("parallel_uploads", "17", "from 1 to 16"),
        ("parallel_uploads", "four", "from 1 to 16"),
        ("allow_lower_version", "yes", "true, false"),
    ],
)
def test_a_bad_value_is_an_error_naming_the_input_and_the_allowed_values(
    name: str, value: str, allowed: str
) -> None:
    with pytest.raises(UsageError) as caught:
        parse_inputs({f"INPUT_{name.upper()}": value})
    assert f"`{name}`" in caught.value.message
    assert repr(value) in caught.value.message
    assert allowed in caught.value.message
    assert caught.value.exit_code == 2


def test_whitespace_around_values_is_ignored() -> None:
    assert parse_inputs({"INPUT_DRY_RUN": " true\n"}).dry_run is True


def test_a_multi_line_path_is_refused() -> None:
    with pytest.raises(UsageError, match="working_directory"):
        parse_inputs({"INPUT_WORKING_DIRECTORY": "a\nb"})


def test_secrets_are_registered_when_read_even_if_another_input_is_bad() -> None:
    with pytest.raises(UsageError):
        parse_inputs(
            {
                "INPUT_ZENODO_TOKEN": "zenodo-secret-123",
                "INPUT_GITHUB_TOKEN": "github-secret-456",
                "INPUT_DRY_RUN": "perhaps",
            }
        )
    assert redact("a zenodo-secret-123 b github-secret-456") == "a *** b ***"


def test_repr_hides_the_tokens() -> None:
    parsed = parse_inputs({"INPUT_ZENODO_TOKEN": "zenodo-secret-123"})
    assert "zenodo-secret-123" not in repr(parsed)
    assert "<hidden>" in repr(parsed)
