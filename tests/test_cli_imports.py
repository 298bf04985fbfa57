"""Start-up cost as behaviour: each command imports only what it uses.

Every command pays for the modules it imports before it does any work (issue 15: 0.35 s when
every command loaded the emulator's web server, jsonschema and markdown-it). Which modules a
command loads is checked here, in a fresh interpreter, instead of timing it (timings belong in
``make bench``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from zenodo_publish.emulator.testing import EmulatorHandle, running_emulator

#: What the CLI may load of the emulator for its option list: the package (lazy) and the
#: constants of its configuration. Anything else there is the web server.
EMULATOR_ALLOWED = {"zenodo_publish.emulator", "zenodo_publish.emulator.config"}

MANIFEST = """\
endpoint: {endpoint}
record_file: .zenodo-record.json
code_repository: https://github.com/example/imports
metadata:
  title: Import test dataset
  description: {description}
  resource_type: dataset
  license: cc-by-4.0
  publisher: Zenodo
  creators:
    - name: Import Lab
files:
  - data/*.bin
"""

PROBE = """\
import json, sys
from zenodo_publish.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def loaded_by(repo: Path, *argv: str, token: str | None = None) -> set[str]:
    """Run ``zenodo-publish ARGV`` in a fresh interpreter; the modules it had loaded at exit."""
    env = {k: v for k, v in os.environ.items() if k != "ZENODO_TOKEN"}
    if token is not None:
        env["ZENODO_TOKEN"] = token
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    assert last.startswith("{"), done.stderr
    result = json.loads(last)
    assert result["code"] == 0, done.stderr
    return set(result["modules"])


def make_repo(root: Path, *, endpoint: str, description: str) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "data" / "a.bin").write_bytes(b"a" * 1000)
    (root / "zenodo.yaml").write_text(
        MANIFEST.format(endpoint=endpoint, description=description), encoding="utf-8"
    )
    return root


def web_server_modules(modules: set[str]) -> set[str]:
    emulator = {m for m in modules if m.startswith("zenodo_publish.emulator")} - EMULATOR_ALLOWED
    return emulator | {m for m in modules if m.split(".")[0] in ("werkzeug", "flask")}


def test_validate_loads_no_web_server_and_no_http_stack(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", endpoint="sandbox", description="Plain sentences only.")
    modules = loaded_by(repo, "validate")
    assert web_server_modules(modules) == set()
    # validate is offline: neither the HTTP client nor the sync engine is needed.
    assert {m for m in modules if m.split(".")[0] in ("requests", "urllib3")} == set()
    assert "zenodo_publish.zenodo.http" not in modules
    assert "zenodo_publish.sync.engine" not in modules
    # The manifest is validated against its schema, so jsonschema is loaded; a description
    # of plain sentences needs no Markdown renderer.
    assert "jsonschema" in modules
    assert "markdown_it" not in modules
    # Nor the S3 SDK, the sync engine, the Zenodo client or any other command's module: the
    # CLI loads the one command it runs (issue 15: every command's imports made validate slow).
    roots = {m.split(".")[0] for m in modules}
    assert roots & {"boto3", "botocore", "s3transfer", "requests", "urllib3"} == set()
    ours = {m for m in modules if m.startswith("zenodo_publish.")}
    assert {m.split(".")[1] for m in ours} & {"sync", "zenodo", "mirror", "github"} == set()
    assert {m for m in ours if m.startswith("zenodo_publish.commands.")} == {
        "zenodo_publish.commands.validate",
        "zenodo_publish.commands._manifest_options",
    }
    # validate reads no file contents: nothing is hashed, so hashlib (OpenSSL) is not loaded.
    assert "hashlib" not in modules


def test_help_still_lists_every_command(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "zenodo_publish", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    from zenodo_publish.cli import COMMANDS

    for name in COMMANDS:
        assert f"    {name} " in done.stdout, name


def test_the_command_is_known_before_parsing_only_when_certain() -> None:
    from zenodo_publish.cli import chosen_command

    assert chosen_command(["validate", "--json"]) == "validate"
    assert chosen_command(["--debug", "sync", "--dry-run"]) == "sync"
    # A top-level option first (--help, --version, an abbreviation) or no command: build all.
    for argv in (["--help", "validate"], ["--he", "sync"], ["--version"], [], ["bogus"]):
        assert chosen_command(argv) is None


def test_schema_loads_neither_jsonschema_nor_markdown(tmp_path: Path) -> None:
    modules = loaded_by(tmp_path, "schema")
    assert {m.split(".")[0] for m in modules} & {"jsonschema", "markdown_it", "requests"} == set()
    assert web_server_modules(modules) == set()


def test_sync_loads_the_http_stack_but_not_the_emulator(tmp_path: Path) -> None:
    with running_emulator() as emu:
        handle: EmulatorHandle = emu
        repo = make_repo(
            tmp_path / "repo", endpoint=handle.api_url, description="<p>Already HTML.</p>"
        )
        modules = loaded_by(repo, "sync", token=handle.token)
    assert "zenodo_publish.zenodo.http" in modules
    assert web_server_modules(modules) == set()
    assert "markdown_it" not in modules
