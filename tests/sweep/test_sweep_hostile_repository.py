"""A repository written by an attacker (issue 11): NUL bytes in paths, record files through
symlinks out of the repository, manifests and record files that are FIFOs or links to /dev/zero,
and token files named by the manifest. Everything is refused with a manifest or usage error
before anything is sent, and nothing outside the repository is read or written."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses
from leakcheck import SWEEP_TOKEN

from zenodo_publish import tokens
from zenodo_publish.cli import main as cli
from zenodo_publish.emulator.testing import EmulatorHandle
from zenodo_publish.errors import ManifestError
from zenodo_publish.manifest import inspect_manifest, parse_endpoint
from zenodo_publish.sync.record_file import RecordEntry, read_entry, write_entry

HEAD = """\
endpoint: {endpoint}
metadata:
  title: Hostile
  resource_type: dataset
  license: cc-by-4.0
  creators: [{{family_name: Lovelace, given_name: Ada}}]
"""
SECRET = "the neighbour's secret 0123456789"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "data").mkdir(parents=True)
    (repo / "data" / "a.csv").write_text("x\n1\n")
    return repo


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text(SECRET + "\n")
    return folder


@pytest.fixture
def no_hang() -> Iterator[None]:
    """A safety net, not an assertion: code that blocks on a FIFO fails the test instead of
    hanging the suite."""

    def expired(_signum: int, _frame: object) -> None:
        raise TimeoutError("blocked (a FIFO was opened for reading)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def write(root: Path, body: str, *, endpoint: str = "sandbox") -> Path:
    path = root / "zenodo.yaml"
    path.write_text(HEAD.format(endpoint=endpoint) + body, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    manifest, found = inspect_manifest(path, check_files=True)
    assert manifest is None, "expected a refusal"
    return [p.format() for p in found]


# --- NUL and control characters -----------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ('files: [data/a.csv]\nrecord_file: "rec\\0.json"\n', "record_file"),
        ('files: [data/a.csv]\npath_record_id: "id\\0.txt"\n', "path_record_id"),
        ('files: ["data/a\\0.csv"]\n', "files[0]"),
        ('files: ["data/*\\0"]\n', "files[0]"),
        ('files: [{path: "data\\0/", archive: d.zip}]\n', "files[0]"),
        ('files: [{catalog: "cat\\0.yaml"}]\n', "files[0]"),
        ('files: [data/a.csv]\npath_token: "tok\\0en"\n', "path_token"),
    ],
)
def test_a_nul_byte_in_any_path_is_a_manifest_problem_not_a_traceback(
    root: Path, body: str, where: str
) -> None:
    found = problems(write(root, body))
    assert any(where in p and "control character" in p for p in found), found


def test_a_nul_byte_in_the_description_file_is_a_manifest_problem(root: Path) -> None:
    path = write(root, "files: [data/a.csv]\n")
    path.write_text(
        path.read_text().replace(
            "  title: Hostile\n", '  title: H\n  description_file: "R\\0.md"\n'
        )
    )
    found = problems(path)
    assert any("description_file" in p and "control character" in p for p in found), found


def test_a_nul_byte_in_a_catalog_entry_is_a_problem_of_the_catalog(root: Path) -> None:
    (root / "cat.yaml").write_text('- "data/a\\0.csv"\n')
    found = problems(write(root, "files: [{catalog: cat.yaml}]\n"))
    assert any(p.startswith("cat.yaml") and "control character" in p for p in found), found


def test_a_nul_byte_in_the_record_file_stops_the_cli_before_any_request(
    root: Path, emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZENODO_TOKEN", emulator.token)
    path = write(root, 'files: [data/a.csv]\nrecord_file: "r\\0.json"\n', endpoint=emulator.api_url)
    assert cli(["sync", "--manifest", str(path)]) == 1
    assert emulator.control.log() == []


# --- record files: written and read only inside the repository ----------------------------


def test_a_record_file_in_a_folder_linked_outside_is_refused_before_any_draft(
    root: Path, outside: Path, emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    (root / "out").symlink_to(outside, target_is_directory=True)
    body = "files: [data/a.csv]\nrecord_file: out/rec.json\n"
    assert any("record_file" in p and "outside" in p for p in problems(write(root, body)))
    monkeypatch.setenv("ZENODO_TOKEN", emulator.token)
    path = write(root, body, endpoint=emulator.api_url)
    assert cli(["sync", "--manifest", str(path)]) == 1
    assert [e for e in emulator.control.log() if e["method"] != "GET"] == []
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]


def test_the_record_file_writer_never_writes_through_a_linked_folder(
    root: Path, outside: Path
) -> None:
    (root / "out").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ManifestError):
        write_entry(root / "out" / "rec.json", "https://x/api", RecordEntry("1"), root=root)
    (root / "deep").mkdir()
    (root / "deep" / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ManifestError):
        write_entry(root / "deep/link/new/rec.json", "https://x/api", RecordEntry("1"), root=root)
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]


def test_a_record_file_that_is_a_symlink_is_replaced_not_written_through(
    root: Path, outside: Path
) -> None:
    (root / "rec.json").symlink_to(root / "data" / "a.csv")
    with pytest.raises(ManifestError):  # a CSV is not a record file: refused, not overwritten
        write_entry(root / "rec.json", "https://x/api", RecordEntry("1"), root=root)
    assert (root / "data" / "a.csv").read_text() == "x\n1\n"


def test_a_txt_record_file_linked_outside_is_refused_without_quoting_the_target(
    root: Path, outside: Path, emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    (root / "id.txt").symlink_to(outside / "secret.txt")
    with pytest.raises(ManifestError) as raised:
        read_entry(root / "id.txt", "https://x/api", root=root)
    assert "neighbour" not in str(raised.value.problems)
    (root / "id.txt").unlink()
    (root / "id.txt").write_text(SECRET)
    with pytest.raises(ManifestError) as raised:
        read_entry(root / "id.txt", "https://x/api", root=root)
    assert "neighbour" not in str(raised.value.problems)


def test_a_txt_record_file_linked_outside_through_the_cli_quotes_nothing(
    root: Path,
    outside: Path,
    emulator: EmulatorHandle,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    (root / "id.txt").symlink_to(outside / "secret.txt")
    monkeypatch.setenv("ZENODO_TOKEN", emulator.token)
    path = write(root, "files: [data/a.csv]\nrecord_file: id.txt\n", endpoint=emulator.api_url)
    assert cli(["plan", "--manifest", str(path)]) != 0
    captured = capfd.readouterr()
    assert "neighbour" not in captured.out + captured.err


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/urandom"])
def test_a_record_file_linked_to_a_device_is_refused_without_reading_it(
    root: Path, target: str
) -> None:
    (root / ".zenodo-record.json").symlink_to(target)
    with pytest.raises(ManifestError):
        read_entry(root / ".zenodo-record.json", "https://x/api", root=root)
    (root / ".zenodo-record.json").unlink()
    os.mkfifo(root / ".zenodo-record.json")
    with pytest.raises(ManifestError):
        read_entry(root / ".zenodo-record.json", "https://x/api", root=root)


def test_a_huge_record_file_is_refused_by_its_size(root: Path) -> None:
    big = root / ".zenodo-record.json"
    with big.open("wb") as handle:
        handle.truncate(64 * 1024 * 1024)  # sparse: no disk used
    with pytest.raises(ManifestError) as raised:
        read_entry(big, "https://x/api", root=root)
    assert "larger than" in str(raised.value.problems)


# --- manifests, sources and catalogs that are not regular files ------------------------------


@pytest.mark.parametrize("target", ["/dev/zero", "FIFO", "BIG"])
@pytest.mark.parametrize("name", ["zenodo.yaml", "CITATION.cff", "cat.yaml", "README.md"])
def test_devices_fifos_and_huge_files_are_refused_not_read(
    root: Path, no_hang: None, target: str, name: str
) -> None:
    body = "files: [data/a.csv]\n"
    if name == "CITATION.cff":
        body += "metadata_from: [CITATION.cff]\n"
    if name == "cat.yaml":
        body = "files: [{catalog: cat.yaml}]\n"
    manifest = write(root, body)
    if name == "README.md":
        manifest.write_text(
            manifest.read_text().replace(
                "  title: Hostile\n", "  title: H\n  description_file: README.md\n"
            )
        )
    path = root / name
    path.unlink(missing_ok=True)
    if target == "FIFO":
        os.mkfifo(path)
    elif target == "BIG":
        with path.open("wb") as handle:
            handle.truncate(64 * 1024 * 1024)
    else:
        path.symlink_to(target)
    found = problems(manifest)
    assert any(
        ("regular file" in p or "larger than" in p or "outside the repository" in p) for p in found
    ), found


# --- token files ------------------------------------------------------------------------------


def _opened_names(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = os.open

    def spy(path: object, *args: object, **kwargs: object) -> int:
        seen.append(os.fsdecode(path))  # type: ignore[arg-type]
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", spy)
    return seen


@pytest.mark.parametrize("token_path", ["~/.git-credentials", "../outside/secret.txt", "ABSOLUTE"])
def test_path_token_outside_the_repository_and_config_folder_is_never_sent(
    root: Path,
    outside: Path,
    token_path: str,
    emulator: EmulatorHandle,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    home = Path(os.environ["HOME"])
    (home / ".git-credentials").write_text(f"https://user:{SWEEP_TOKEN}@github.com\n")
    monkeypatch.delenv("ZENODO_TOKEN", raising=False)
    if token_path == "ABSOLUTE":
        token_path = str(home / ".git-credentials")
    emulator.control.new_user(token=SECRET.split()[-1])
    path = write(
        root, f"files: [data/a.csv]\npath_token: {token_path}\n", endpoint=emulator.api_url
    )
    assert cli(["plan", "--manifest", str(path)]) == 2
    err = capfd.readouterr().err
    assert "path_token" in err and "outside" in err
    assert emulator.control.log() == []


def test_path_token_in_the_config_folder_or_the_repository_is_used(
    root: Path, emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ZENODO_TOKEN", raising=False)
    config = Path(os.environ["HOME"]) / ".config" / "zenodo"
    config.mkdir(parents=True)
    (config / "sandbox_token.txt").write_text(emulator.token + "\n")
    path = write(
        root,
        "files: [data/a.csv]\npath_token: ~/.config/zenodo/sandbox_token.txt\n",
        endpoint=emulator.api_url,
    )
    assert cli(["plan", "--manifest", str(path), "--json"]) == 0
    (root / ".token").write_text(emulator.token)
    path = write(root, "files: [data/a.csv]\npath_token: .token\n", endpoint=emulator.api_url)
    assert cli(["plan", "--manifest", str(path), "--json"]) == 0


def test_path_token_is_refused_on_pull_request_runs(
    root: Path, emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ZENODO_TOKEN", raising=False)
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    (root / ".token").write_text(emulator.token)
    path = write(root, "files: [data/a.csv]\npath_token: .token\n", endpoint=emulator.api_url)
    assert cli(["plan", "--manifest", str(path)]) == 2
    assert emulator.control.log() == []


@pytest.mark.parametrize("command", [["validate"], ["plan", "--offline"]])
def test_validate_and_offline_plan_never_touch_the_token_file(
    root: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    (root / ".token").write_text("not-read")
    path = write(root, "files: [data/a.csv]\npath_token: .token\n")
    seen = _opened_names(monkeypatch)
    assert cli([*command, "--manifest", str(path)]) == 0
    assert not [name for name in seen if name.endswith(".token")]


def test_a_token_file_that_is_a_device_or_fifo_is_refused(
    root: Path, no_hang: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ZENODO_TOKEN", raising=False)
    os.mkfifo(root / ".token")
    path = write(root, "files: [data/a.csv]\npath_token: .token\n")
    assert cli(["plan", "--manifest", str(path)]) == 2
    (tmp_path / "zero").symlink_to("/dev/zero")
    assert cli(["plan", "--manifest", str(path), "--token-file", str(tmp_path / "zero")]) == 2


def test_the_record_file_json_stays_byte_stable(root: Path) -> None:
    record = root / ".zenodo-record.json"
    assert write_entry(record, "https://x/api", RecordEntry("1"), root=root)
    assert not write_entry(record, "https://x/api", RecordEntry("1"), root=root)
    assert record.read_bytes() == record.read_bytes().rstrip(b"\n") + b"\n"
    assert json.loads(record.read_text())["https://x/api"]["record_id"] == "1"


# --- pull requests: zenodo_token goes only where the base branch says -----------------------

ATTACKER = "https://attacker.example/api"


@pytest.mark.parametrize(
    ("pr_endpoint", "base_endpoint", "mode"),
    [
        (ATTACKER, "sandbox", "validate"),  # the pull request redirects the token: refused
        (ATTACKER, None, "validate"),  # the base branch's manifest cannot be read: refused
        (ATTACKER, ATTACKER, "plan"),  # the base branch already names it: allowed
        ("production", "sandbox", "plan"),  # Zenodo itself: allowed
    ],
)
def test_a_pull_request_cannot_send_zenodo_token_to_its_own_endpoint(
    tmp_path: Path, pr_endpoint: str, base_endpoint: str | None, mode: str
) -> None:
    from gh_support import MANIFEST, git, make_repo

    repo = make_repo(tmp_path)
    workspace = repo.workspace
    if base_endpoint is not None:
        (workspace / "zenodo.yaml").write_text(
            MANIFEST.replace("endpoint: sandbox", f"endpoint: {base_endpoint}")
        )
        git(workspace, "commit", "-q", "--allow-empty", "-am", "base")
        base_sha = git(workspace, "rev-parse", "HEAD")
    else:
        base_sha = "0" * 40
    # The pull request's change, as the merge commit's checkout shows it.
    (workspace / "zenodo.yaml").write_text(
        MANIFEST.replace("endpoint: sandbox", f"endpoint: {pr_endpoint}")
    )
    chosen, log = _pull_request_run(tmp_path, workspace, repo.remote, base_sha)
    assert chosen == mode
    if mode == "validate":
        assert "zenodo_token` is not sent there" in log or "is sent only to the base branch" in log


def _pull_request_run(
    tmp_path: Path, workspace: Path, remote: Path, base_sha: str
) -> tuple[str, str]:
    """The mode the action chooses for a pull request whose merge commit ``workspace`` holds,
    and its log (the engine is a stand-in: nothing is sent)."""
    import io

    from gh_support import REPOSITORY_PAYLOAD, Repo, make_runner

    from zenodo_publish.github.engine import EngineRequest
    from zenodo_publish.github.entrypoint import main
    from zenodo_publish.sync.result import RecordIds, RunResult

    runner = make_runner(tmp_path, Repo(remote=remote, workspace=workspace))
    runner.inputs(zenodo_token=SWEEP_TOKEN)
    pull = {
        "base": {"sha": base_sha, "repo": REPOSITORY_PAYLOAD},
        "head": {"sha": "1" * 40, "repo": REPOSITORY_PAYLOAD},
    }
    runner.event(
        "pull_request",
        {"pull_request": pull, "repository": REPOSITORY_PAYLOAD},
        ref="refs/pull/7/merge",
    )
    seen: list[EngineRequest] = []

    def engine(request: EngineRequest) -> RunResult:
        seen.append(request)
        return RunResult(mode=request.mode, endpoint=ELSEWHERE, ids=RecordIds())

    stream = io.StringIO()
    assert main(runner.environ, engine=engine, stream=stream, git_remote=remote.as_uri()) == 0
    (request,) = seen
    return request.mode, stream.getvalue()


def test_a_shallow_pull_request_checkout_fetches_the_base_commit_to_read_its_endpoint(
    tmp_path: Path,
) -> None:
    """actions/checkout's default depth 1 has the merge commit only: the base branch's manifest
    (which names the InvenioRDM site the token may go to) is read from the base commit, fetched
    alone; the checkout stays shallow."""
    from gh_support import MANIFEST, git, make_repo

    repo = make_repo(tmp_path)
    manifest = MANIFEST.replace("endpoint: sandbox", f"endpoint: {ELSEWHERE}")
    (repo.workspace / "zenodo.yaml").write_text(manifest)
    git(repo.workspace, "commit", "-qam", "base")
    git(repo.workspace, "push", "-q", "origin", "HEAD:main")
    base_sha = git(repo.workspace, "rev-parse", "HEAD")
    (repo.workspace / "data" / "b.csv").write_text("1\n")
    git(repo.workspace, "add", ".")
    git(repo.workspace, "commit", "-qm", "pull request")
    git(repo.workspace, "push", "-q", "origin", "HEAD:refs/heads/pr-merge")
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth=1", "--branch=pr-merge", repo.url, str(shallow)],
        check=True,
    )
    missing = subprocess.run(["git", "cat-file", "-e", base_sha], cwd=shallow, check=False)
    assert missing.returncode != 0  # the base commit is not in the checkout

    assert _pull_request_run(tmp_path, shallow, repo.remote, base_sha)[0] == "plan"
    assert git(shallow, "rev-parse", "--is-shallow-repository") == "true"


@pytest.mark.parametrize("base_sha", ["--upload-pack=touch pwned", "HEAD", "main", "0" * 39])
def test_a_base_sha_that_is_not_a_commit_id_is_never_given_to_git(
    tmp_path: Path, base_sha: str
) -> None:
    from gh_support import MANIFEST, git, make_repo

    repo = make_repo(tmp_path)
    manifest = MANIFEST.replace("endpoint: sandbox", f"endpoint: {ELSEWHERE}")
    (repo.workspace / "zenodo.yaml").write_text(manifest)
    git(repo.workspace, "commit", "-qam", "base")
    # HEAD and main would name the pull request's own manifest: only a commit id is the base.
    assert _pull_request_run(tmp_path, repo.workspace, repo.remote, base_sha)[0] == "validate"
    assert not (repo.workspace / "pwned").exists()


# --- the manifest alone never sends the user's token to another site (CLI) ------------------

ELSEWHERE = "https://inveniordm.example.org/api"


@pytest.fixture
def elsewhere() -> Iterator[list[tuple[str, str]]]:
    """Every request to ``ELSEWHERE`` (mocked: nothing leaves the machine), as (method, whether
    it carried the token)."""
    seen: list[tuple[str, str]] = []

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        carried = SWEEP_TOKEN in str(request.headers.get("Authorization", ""))
        seen.append((request.method, "token" if carried else "no token"))
        return 401, {"Content-Type": "application/json"}, '{"status": 401, "message": "no"}'

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for method in (responses.GET, responses.POST, responses.PUT, responses.DELETE):
            mock.add_callback(method, re.compile(re.escape(ELSEWHERE) + ".*"), callback=answer)
        yield seen


@pytest.mark.parametrize("command", [["plan"], ["sync"], ["publish"]])
@pytest.mark.parametrize("source", ["ZENODO_TOKEN", "--token-file", "path_token"])
def test_a_manifest_cannot_send_the_users_token_to_another_site(
    root: Path,
    elsewhere: list[tuple[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    command: list[str],
    source: str,
) -> None:
    monkeypatch.delenv("ZENODO_TOKEN", raising=False)
    config = Path(os.environ["HOME"]) / ".config" / "zenodo"
    config.mkdir(parents=True)
    (config / "token").write_text(SWEEP_TOKEN + "\n")
    extra: list[str] = []
    body = "files: [data/a.csv]\n"
    if source == "ZENODO_TOKEN":
        monkeypatch.setenv("ZENODO_TOKEN", SWEEP_TOKEN)
    elif source == "--token-file":
        extra = ["--token-file", str(config / "token")]
    else:
        body += "path_token: ~/.config/zenodo/token\n"
    path = write(root, body, endpoint=ELSEWHERE)

    assert cli([*command, "--manifest", str(path), *extra]) == 2
    err = capfd.readouterr().err
    assert f"names the endpoint {ELSEWHERE}, which is not Zenodo" in err
    assert f"--endpoint {ELSEWHERE}" in err  # the way to say "I trust it"
    assert elsewhere == []  # not one request, with or without the token
    assert not (root / ".zenodo-record.json").exists()


def test_an_endpoint_the_user_names_gets_the_token(
    root: Path, elsewhere: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZENODO_TOKEN", SWEEP_TOKEN)
    path = write(root, "files: [data/a.csv]\n", endpoint=ELSEWHERE)
    assert cli(["sync", "--manifest", str(path), "--endpoint", ELSEWHERE]) != 0  # answers 401
    assert elsewhere and all(carried == "token" for _, carried in elsewhere)


@pytest.mark.parametrize(
    ("endpoint", "named", "refused"),
    [
        ("sandbox", False, False),
        ("production", False, False),
        ("https://zenodo.org/api", False, False),
        ("https://SANDBOX.zenodo.org./api", False, False),
        ("http://127.0.0.1:5000/api", False, False),
        ("http://localhost:5000/api", False, False),
        ("http://[::1]:5000/api", False, False),
        (ELSEWHERE, False, True),
        ("https://127.0.0.1.example.org/api", False, True),
        ("https://zenodo.org.example.org/api", False, True),
        (ELSEWHERE, True, False),
    ],
)
def test_which_endpoints_a_manifest_alone_may_send_the_token_to(
    endpoint: str, named: bool, refused: bool
) -> None:
    refusal = tokens.manifest_endpoint_refusal(parse_endpoint(endpoint), named_by_user=named)
    assert (refusal is not None) == refused
