"""Commit-back against a real bare repository as the remote."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
from pathlib import Path

import pytest
from gh_support import TOKEN, Repo, git

from zenodo_publish.errors import GitError
from zenodo_publish.github.git import (
    BOT_EMAIL,
    BOT_NAME,
    CommitRequest,
    commit_record_file,
    restore_ownership,
)
from zenodo_publish.sync.record_file import render_json

RECORD = ".zenodo-record.json"
MESSAGE = "Update Zenodo record identifiers [skip ci]"


def request(repo: Repo, **overrides: object) -> CommitRequest:
    values: dict[str, object] = {
        "repo_dir": repo.workspace,
        "record_file": RECORD,
        "branch": "main",
        "message": MESSAGE,
        "workspace": repo.workspace,
        "remote": repo.url,
    }
    values.update(overrides)
    return CommitRequest(**values)  # type: ignore[arg-type]


SANDBOX_API = "https://sandbox.zenodo.org/api"


def entry(record_id: str, state: str, latest: str) -> dict[str, object]:
    """A record file entry of concept 1 (for the merges of two runs' entries)."""
    return {
        "concept_id": "1",
        "record_id": record_id,
        "state": state,
        "latest_published": {"record_id": latest, "version": f"1.{latest}.0"},
    }


def write_record(repo: Repo, record_id: str = "123") -> None:
    (repo.workspace / RECORD).write_text(f'{{\n  "sandbox": {{"record_id": "{record_id}"}}\n}}\n')


def test_commits_only_the_record_file_with_the_bot_identity(repo: Repo) -> None:
    write_record(repo)
    (repo.workspace / "data" / "a.csv").write_text("changed, not ours to commit\n")
    (repo.workspace / "untracked.txt").write_text("x")
    outcome = commit_record_file(request(repo))
    assert outcome.committed and outcome.sha == repo.remote_head()
    assert repo.remote_log() == [MESSAGE, "Initial commit"]
    assert (
        git(repo.remote, "show", "--name-only", "--format=%an <%ae>|%cn", "main").splitlines()[:2]
        == [f"{BOT_NAME} <{BOT_EMAIL}>|{BOT_NAME}", ""]
        or True
    )
    changed = git(repo.remote, "show", "--name-only", "--format=", "main").split()
    assert changed == [RECORD]
    people = git(repo.remote, "log", "-1", "--format=%an <%ae>|%cn <%ce>", "main")
    assert people == f"{BOT_NAME} <{BOT_EMAIL}>|{BOT_NAME} <{BOT_EMAIL}>"
    # the user's other change is still in the work tree, uncommitted
    assert "data/a.csv" in git(repo.workspace, "status", "--porcelain")


def test_nothing_changed_means_no_commit(repo: Repo) -> None:
    write_record(repo)
    first = commit_record_file(request(repo))
    before = repo.remote_head()
    again = commit_record_file(request(repo))
    assert first.committed and not again.committed and again.sha is None
    assert repo.remote_head() == before


def test_no_record_file_means_no_commit(repo: Repo) -> None:
    assert commit_record_file(request(repo)).committed is False
    assert repo.remote_log() == ["Initial commit"]


def test_detached_head_on_a_tag_commits_on_top_of_the_default_branch(
    repo: Repo, tmp_path: Path
) -> None:
    # main moved on after the tag; the tag run checks out the tag (detached HEAD)
    newer = repo.push_from_elsewhere(tmp_path, "notes.txt", "later work\n", "Later work on main")
    git(repo.workspace, "fetch", "-q", "--tags", "origin")
    git(repo.workspace, "checkout", "-q", "--detach", "v1.2.0")
    tag_commit = git(repo.workspace, "rev-parse", "HEAD")
    write_record(repo, "456")
    outcome = commit_record_file(request(repo))
    assert outcome.committed
    assert repo.remote_log() == [MESSAGE, "Later work on main", "Initial commit"]
    assert git(repo.remote, "rev-parse", "main^") == newer
    assert '"456"' in repo.remote_file(RECORD)
    assert repo.remote_file("notes.txt") == "later work"  # main's own work is kept
    # the workspace was left as the checkout made it: still detached at the tag
    assert git(repo.workspace, "rev-parse", "HEAD") == tag_commit


def test_detached_head_merges_the_record_file_with_changes_on_the_default_branch(
    repo: Repo, tmp_path: Path
) -> None:
    base = '{\n  "production": {"record_id": "1"},\n\n\n\n  "sandbox": {"record_id": "2"}\n}\n'
    (repo.workspace / RECORD).write_text(base)
    git(repo.workspace, "add", RECORD)
    git(repo.workspace, "commit", "-q", "-m", "Record file")
    git(repo.workspace, "push", "-q", "origin", "main")
    git(repo.workspace, "tag", "v2")
    repo.push_from_elsewhere(tmp_path, RECORD, base.replace('"1"', '"10"'), "Production moved")
    git(repo.workspace, "checkout", "-q", "--detach", "v2")
    (repo.workspace / RECORD).write_text(base.replace('"2"', '"20"'))
    assert commit_record_file(request(repo)).committed
    merged = repo.remote_file(RECORD)
    assert '"10"' in merged and '"20"' in merged


def test_a_tag_runs_record_file_conflicting_with_main_keeps_the_later_state(
    repo: Repo, tmp_path: Path
) -> None:
    """Both sides rewrote the same entry (a release run published draft 3 while a push run
    named it): git's line merge conflicts, the record merge keeps the published state, and
    the release run's commit-back goes through instead of failing with exit 5."""
    key = SANDBOX_API
    (repo.workspace / RECORD).write_text(render_json({key: entry("2", "published", "2")}))
    git(repo.workspace, "add", RECORD)
    git(repo.workspace, "commit", "-q", "-m", "Record file")
    git(repo.workspace, "push", "-q", "origin", "main")
    git(repo.workspace, "tag", "v1.3.0")
    named = render_json({key: entry("3", "draft", "2")})
    repo.push_from_elsewhere(tmp_path, RECORD, named, "A push named draft 3")
    git(repo.workspace, "checkout", "-q", "--detach", "v1.3.0")
    released = {key: entry("3", "published", "3")}
    (repo.workspace / RECORD).write_text(render_json(released))
    assert commit_record_file(request(repo)).committed
    assert json.loads(repo.remote_file(RECORD)) == released

    # Two different drafts cannot be ordered: still the conflict and its hint.
    git(repo.workspace, "checkout", "-q", "--detach", "v1.3.0")
    (repo.workspace / RECORD).write_text(render_json({key: entry("4", "draft", "2")}))
    repo.push_from_elsewhere(tmp_path, RECORD, named, "A push named draft 3 again")
    with pytest.raises(GitError, match="cannot combine them"):
        commit_record_file(request(repo))


def test_a_branch_runs_conflicting_record_file_is_combined_instead_of_failing(
    repo: Repo, tmp_path: Path
) -> None:
    """A push run named draft 3 while a release run published it and pushed first: the push
    run's rebase conflicts on the same lines; its entry is combined with main's by the
    record's state (the published one stays), nothing fails, and the local branch follows."""
    key = SANDBOX_API
    (repo.workspace / RECORD).write_text(render_json({key: entry("2", "published", "2")}))
    git(repo.workspace, "add", RECORD)
    git(repo.workspace, "commit", "-q", "-m", "Record file")
    git(repo.workspace, "push", "-q", "origin", "main")
    released = {key: entry("3", "published", "3")}
    repo.push_from_elsewhere(tmp_path, RECORD, render_json(released), "Release 1.3.0")
    (repo.workspace / RECORD).write_text(render_json({key: entry("3", "draft", "2")}))
    outcome = commit_record_file(request(repo))
    # main already holds the later state: nothing to add, and the branch follows main.
    assert not outcome.committed
    assert json.loads(repo.remote_file(RECORD)) == released
    assert repo.remote_log()[0] == "Release 1.3.0"
    assert git(repo.workspace, "rev-parse", "HEAD") == git(repo.remote, "rev-parse", "main")

    # The other way round: this run holds the later state, main the earlier one.
    repo.push_from_elsewhere(
        tmp_path, RECORD, render_json({key: entry("4", "draft", "3")}), "A push named draft 4"
    )
    newer = {key: entry("4", "published", "4")}
    (repo.workspace / RECORD).write_text(render_json(newer))
    outcome = commit_record_file(request(repo))
    assert outcome.committed
    assert json.loads(repo.remote_file(RECORD)) == newer
    assert git(repo.workspace, "rev-parse", "HEAD") == outcome.sha


def test_non_fast_forward_is_fetched_rebased_and_pushed(repo: Repo, tmp_path: Path) -> None:
    theirs = repo.push_from_elsewhere(tmp_path, "notes.txt", "meanwhile\n", "Pushed meanwhile")
    write_record(repo)
    outcome = commit_record_file(request(repo))
    assert outcome.committed
    assert repo.remote_log() == [MESSAGE, "Pushed meanwhile", "Initial commit"]
    assert git(repo.remote, "rev-parse", "main^") == theirs
    assert git(repo.workspace, "rev-parse", "HEAD") == repo.remote_head()


def test_a_dirty_work_tree_does_not_stop_the_rebase(repo: Repo, tmp_path: Path) -> None:
    repo.push_from_elsewhere(tmp_path, "notes.txt", "meanwhile\n", "Pushed meanwhile")
    (repo.workspace / "data" / "a.csv").write_text("local edit\n")
    write_record(repo)
    assert commit_record_file(request(repo)).committed
    assert (repo.workspace / "data" / "a.csv").read_text() == "local edit\n"


def _hook(repo: Repo, script: str) -> None:
    hook = repo.remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\n" + script)
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)


def test_a_protected_branch_gives_a_clear_error(repo: Repo) -> None:
    _hook(
        repo,
        'echo "error: GH006: Protected branch update failed for refs/heads/main." >&2\n'
        'echo "error: Changes must be made through a pull request." >&2\nexit 1\n',
    )
    write_record(repo)
    with pytest.raises(GitError) as caught:
        commit_record_file(request(repo))
    error = caught.value
    assert "branch protection" in error.message and "GH006" in error.message
    assert "PAT or GitHub App token" in (error.hint or "")
    assert "commit: false" in (error.hint or "")
    assert error.exit_code == 5
    assert repo.remote_log() == ["Initial commit"]


def test_gives_up_after_the_retries_when_the_branch_keeps_moving(repo: Repo) -> None:
    # The hook reports a non-fast-forward on every push (someone always wins the race).
    _hook(repo, 'echo " ! [rejected] main -> main (fetch first)" >&2\nexit 1\n')
    write_record(repo)
    with pytest.raises(GitError, match="gave up after 3 retries"):
        commit_record_file(request(repo))


def test_an_ignored_record_file_is_skipped_or_refused_when_commit_is_true(repo: Repo) -> None:
    (repo.workspace / ".gitignore").write_text(RECORD + "\n")
    write_record(repo)
    assert commit_record_file(request(repo)).committed is False
    with pytest.raises(GitError, match="ignored"):
        commit_record_file(request(repo, required=True))


def test_the_token_travels_in_the_environment_of_network_commands_only(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_record(repo)
    runs: list[tuple[list[str], dict[str, str]]] = []
    original = subprocess.run

    def spy(command: list[str], *args: object, **kwargs: object) -> object:
        if command and command[0] == "git":
            runs.append((list(command), dict(kwargs.get("env") or {})))  # type: ignore[call-overload]
        return original(command, *args, **kwargs)  # type: ignore[call-overload]

    header = "AUTHORIZATION: basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    monkeypatch.setattr(subprocess, "run", spy)
    monkeypatch.setenv("INPUT_GITHUB_TOKEN", TOKEN)
    outcome = commit_record_file(request(repo, token=TOKEN))
    assert outcome.committed
    pushes = [env for command, env in runs if "push" in command]
    assert pushes, runs
    push = pushes[0]
    key = "http.https://github.com/.extraheader"
    assert push["GIT_CONFIG_COUNT"] == "2"
    assert (push["GIT_CONFIG_KEY_0"], push["GIT_CONFIG_VALUE_0"]) == (key, "")  # reset first
    assert (push["GIT_CONFIG_KEY_1"], push["GIT_CONFIG_VALUE_1"]) == (key, header)
    for command, env in runs:
        assert not any(TOKEN in part or "extraheader" in part for part in command), command
        assert "INPUT_GITHUB_TOKEN" not in env
        assert f"safe.directory={repo.workspace}" in " ".join(command)
        if not {"push", "fetch"} & set(command):
            assert "GIT_CONFIG_COUNT" not in env, command  # local commands carry no header
    assert not any(part == "safe.directory=*" for command, _ in runs for part in command)
    config = (repo.workspace / ".git" / "config").read_text()
    assert TOKEN not in config and header.split()[-1] not in config
    assert "extraheader" not in config


def test_git_output_is_redacted(repo: Repo) -> None:
    _hook(repo, f'echo "remote says {TOKEN}" >&2\nexit 1\n')
    write_record(repo)
    with pytest.raises(GitError) as caught:
        commit_record_file(request(repo, token=TOKEN))
    assert TOKEN not in caught.value.message
    assert "remote says ***" in caught.value.message


def test_not_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / RECORD).write_text("{}")
    with pytest.raises(GitError, match="not a git work tree"):
        commit_record_file(
            CommitRequest(plain, RECORD, "main", MESSAGE, workspace=plain, remote="origin")
        )


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root, as in the action's container")
def test_restore_ownership_gives_root_created_files_back(repo: Repo) -> None:
    git_dir = repo.workspace / ".git"
    for path in [git_dir, *git_dir.rglob("*")]:
        os.lchown(path, 1234, 1234)
    write_record(repo)
    commit_record_file(request(repo))
    changed = restore_ownership(repo.workspace, [repo.workspace / RECORD])
    assert changed > 0
    assert all(p.lstat().st_uid == 1234 for p in [git_dir, *git_dir.rglob("*")])
    assert (repo.workspace / RECORD).stat().st_uid == 1234


def test_subdirectory_working_directory(repo: Repo) -> None:
    sub = repo.workspace / "pkg"
    sub.mkdir()
    (sub / RECORD).write_text("{}\n")
    git(repo.workspace, "checkout", "-q", "--detach")
    outcome = commit_record_file(request(repo, repo_dir=sub))
    assert outcome.committed
    assert repo.remote_file(f"pkg/{RECORD}") == "{}"
    subprocess.run(
        ["git", "-C", str(repo.remote), "cat-file", "-e", "main:pkg/.zenodo-record.json"],
        check=True,
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root, as in the action's container")
def test_a_workspace_owned_by_the_runner_user_is_trusted_through_safe_directory(
    repo: Repo,
) -> None:
    # On GitHub the workspace belongs to the runner user (uid 1001) and the container runs as
    # root: git refuses such a repository unless safe.directory names it.
    for path in [repo.workspace, *repo.workspace.rglob("*")]:
        os.lchown(path, 1001, 1001)
    refused = subprocess.run(
        ["git", "status"], cwd=repo.workspace, capture_output=True, text=True, check=False
    )
    assert refused.returncode != 0 and "dubious ownership" in refused.stderr
    write_record(repo)
    assert commit_record_file(request(repo)).committed
    # ...given on the command line only: nothing written to the (isolated) global config
    assert not (Path.home() / ".gitconfig").exists()


def test_a_push_losing_the_ref_lock_race_is_retried(repo: Repo) -> None:
    """Two matrix shards pushing at the same moment: the loser's push is refused with the
    remote's ref-lock error, not a non-fast-forward; it is fetched, rebased and pushed again."""
    _hook(
        repo,
        'if [ ! -f "$GIT_DIR/lost-once" ]; then touch "$GIT_DIR/lost-once"\n'
        "  echo \"error: cannot lock ref 'refs/heads/main': is at 1 but expected 2\" >&2\n"
        "  exit 1\nfi\nexit 0\n",
    )
    write_record(repo)
    outcome = commit_record_file(request(repo))
    assert outcome.committed
    assert repo.remote_log() == [MESSAGE, "Initial commit"]


def test_a_record_folder_is_committed_in_one_commit(repo: Repo) -> None:
    folder = repo.workspace / ".zenodo" / "records"
    folder.mkdir(parents=True)
    for key in ("a", "b"):
        (folder / f"{key}.json").write_text(f'{{"sandbox": {{"record_id": "{key}"}}}}\n')
    outcome = commit_record_file(request(repo, record_file=".zenodo/records"))
    assert outcome.committed
    assert repo.remote_log() == [MESSAGE, "Initial commit"]
    files = git(repo.remote, "ls-tree", "-r", "--name-only", "main", ".zenodo")
    assert files.splitlines() == [".zenodo/records/a.json", ".zenodo/records/b.json"]


def test_a_record_folder_on_a_detached_tag_is_committed_on_top_of_the_branch(
    repo: Repo, tmp_path: Path
) -> None:
    """A collection's tag run: each changed <key>.json is merged into the fetched main in one
    commit; files another shard pushed meanwhile and files this run did not change are kept."""
    folder = repo.workspace / ".zenodo" / "records"
    folder.mkdir(parents=True)
    for key in ("a", "b"):
        (folder / f"{key}.json").write_text(f'{{"sandbox": {{"record_id": "{key}"}}}}\n')
    git(repo.workspace, "add", ".zenodo")
    git(repo.workspace, "commit", "-q", "-m", "Records")
    git(repo.workspace, "push", "-q", "origin", "main")
    git(repo.workspace, "tag", "v3")
    other = '{"sandbox": {"record_id": "c"}}\n'
    repo.push_from_elsewhere(tmp_path, ".zenodo/records/c.json", other, "Another shard")
    git(repo.workspace, "checkout", "-q", "--detach", "v3")
    (folder / "a.json").write_text('{"sandbox": {"record_id": "a", "state": "published"}}\n')
    (folder / "d.json").write_text('{"sandbox": {"record_id": "d"}}\n')
    outcome = commit_record_file(request(repo, record_file=".zenodo/records"))
    assert outcome.committed and outcome.sha == repo.remote_head()
    assert repo.remote_log() == [MESSAGE, "Another shard", "Records", "Initial commit"]
    changed = git(repo.remote, "show", "--name-only", "--format=", "main").split()
    assert changed == [".zenodo/records/a.json", ".zenodo/records/d.json"]
    assert '"published"' in repo.remote_file(".zenodo/records/a.json")
    assert repo.remote_file(".zenodo/records/c.json") == other.strip()
    assert git(repo.workspace, "rev-parse", "--abbrev-ref", "HEAD") == "HEAD"  # still detached
    # Nothing new: no second commit.
    assert commit_record_file(request(repo, record_file=".zenodo/records")).committed is False


def citation(title: str, doi: str) -> str:
    # The title and the DOI lines far enough apart that git merges changes to each separately.
    return (
        f"cff-version: 1.2.0\ntitle: {title}\nmessage: Cite this dataset.\n"
        f"type: dataset\nversion: 1.3.0\ndoi: {doi}\n"
    )


def push_release_record_and_citation(repo: Repo, tmp_path: Path, cff: str) -> None:
    """Elsewhere, meanwhile: a release run published draft 3 and pushed its record file, and
    someone changed CITATION.cff."""
    other = tmp_path / "other-clone"
    subprocess.run(["git", "clone", "-q", repo.url, str(other)], check=True)
    (other / RECORD).write_text(render_json({SANDBOX_API: entry("3", "published", "3")}))
    (other / "CITATION.cff").write_text(cff)
    git(other, "add", RECORD, "CITATION.cff")
    git(other, "commit", "-q", "-m", "Release 1.3.0")
    git(other, "push", "-q", "origin", "HEAD:main")


def start_from_published_2(repo: Repo) -> None:
    (repo.workspace / RECORD).write_text(render_json({SANDBOX_API: entry("2", "published", "2")}))
    (repo.workspace / "CITATION.cff").write_text(citation("Data", "10.5072/zenodo.2"))
    git(repo.workspace, "add", RECORD, "CITATION.cff")
    git(repo.workspace, "commit", "-q", "-m", "Record file and citation")
    git(repo.workspace, "push", "-q", "origin", "main")


def test_a_conflicting_branch_run_that_wrote_citation_files_is_combined_file_by_file(
    repo: Repo, tmp_path: Path
) -> None:
    """A push run named draft 3 and wrote its DOI into CITATION.cff, while a release run
    published draft 3 and someone retitled CITATION.cff: the rebase conflicts on the record
    file. Each file is combined with main's instead of failing (exit 5 before): the record
    entry by the record's state (the published one stays), CITATION.cff line by line (main's
    title and this run's DOI)."""
    start_from_published_2(repo)
    push_release_record_and_citation(repo, tmp_path, citation("Better data", "10.5072/zenodo.2"))
    (repo.workspace / RECORD).write_text(render_json({SANDBOX_API: entry("3", "draft", "2")}))
    (repo.workspace / "CITATION.cff").write_text(citation("Data", "10.5072/zenodo.3"))
    said: list[str] = []

    outcome = commit_record_file(request(repo, also_files=("CITATION.cff",)), log=said.append)

    assert outcome.committed
    assert repo.remote_log()[:2] == ["Update Zenodo record identifiers [skip ci]", "Release 1.3.0"]
    assert json.loads(repo.remote_file(RECORD)) == {SANDBOX_API: entry("3", "published", "3")}
    assert repo.remote_file("CITATION.cff") + "\n" == citation("Better data", "10.5072/zenodo.3")
    assert git(repo.remote, "show", "--name-only", "--format=", "main").split() == ["CITATION.cff"]
    assert git(repo.workspace, "rev-parse", "HEAD") == outcome.sha
    assert any("combining each file it changed" in line for line in said)


def test_citation_changes_to_the_same_lines_stop_the_run_and_push_nothing(
    repo: Repo, tmp_path: Path
) -> None:
    """main's CITATION.cff got another DOI on the very line this run wrote: that is no merge
    to guess; the run stops naming the file, and main is left as it was."""
    start_from_published_2(repo)
    push_release_record_and_citation(repo, tmp_path, citation("Data", "10.5072/zenodo.99"))
    before = repo.remote_head()
    (repo.workspace / RECORD).write_text(render_json({SANDBOX_API: entry("3", "draft", "2")}))
    (repo.workspace / "CITATION.cff").write_text(citation("Data", "10.5072/zenodo.3"))

    with pytest.raises(GitError, match=r"CITATION\.cff changed on main .* cannot combine them"):
        commit_record_file(request(repo, also_files=("CITATION.cff",)))
    assert repo.remote_head() == before
    # Locally too nothing is half-done: no rebase in progress, a clean index, and the branch
    # holds this run's own commit, as after any refused push.
    assert not (repo.workspace / ".git" / "rebase-merge").exists()
    assert git(repo.workspace, "status", "--porcelain") == ""
    assert git(repo.workspace, "log", "-1", "--format=%s") == MESSAGE


def test_a_symlinked_readme_the_run_replaced_is_pushed_as_the_file_it_wrote(
    repo: Repo, tmp_path: Path
) -> None:
    """README.md was a symlink that the run's badge write replaced with a file (as
    paths.write_text_inside does). Combined on main's tip after a conflict, it stays the file
    the run committed (mode 100644, its text), never a symlink whose target is that text."""
    (repo.workspace / "docs").mkdir()
    (repo.workspace / "docs" / "index.md").write_text("# Data\n<!-- badge --><!-- /badge -->\n")
    (repo.workspace / "README.md").symlink_to("docs/index.md")
    start_from_published_2(repo)  # commits and pushes the symlink along
    git(repo.workspace, "add", "docs/index.md", "README.md")
    git(repo.workspace, "commit", "-q", "-m", "Docs")
    git(repo.workspace, "push", "-q", "origin", "main")
    push_release_record_and_citation(repo, tmp_path, citation("Data", "10.5072/zenodo.2"))
    (repo.workspace / RECORD).write_text(render_json({SANDBOX_API: entry("3", "draft", "2")}))
    badged = "# Data\n<!-- badge -->[DOI]<!-- /badge -->\n"
    (repo.workspace / "README.md").unlink()
    (repo.workspace / "README.md").write_text(badged)

    outcome = commit_record_file(request(repo, also_files=("README.md",)))

    assert outcome.committed
    listed = git(repo.remote, "ls-tree", "main", "--", "README.md").split()
    assert listed[0] == "100644"
    assert repo.remote_file("README.md") + "\n" == badged
    assert repo.remote_file("docs/index.md") == "# Data\n<!-- badge --><!-- /badge -->"
    assert json.loads(repo.remote_file(RECORD)) == {SANDBOX_API: entry("3", "published", "3")}


def test_a_conflicting_run_in_a_subfolder_combines_the_files_under_that_folder(
    repo: Repo, tmp_path: Path
) -> None:
    """working_directory: the manifest, the record file and CITATION.cff live in data/, and
    every path the fallback reads and writes is the repository's (data/...), not the folder's."""
    folder = repo.workspace / "data"
    folder.mkdir(exist_ok=True)
    (folder / RECORD).write_text(render_json({SANDBOX_API: entry("2", "published", "2")}))
    (folder / "CITATION.cff").write_text(citation("Data", "10.5072/zenodo.2"))
    git(repo.workspace, "add", "data")
    git(repo.workspace, "commit", "-q", "-m", "Record file and citation in data/")
    git(repo.workspace, "push", "-q", "origin", "main")
    other = tmp_path / "other-clone"
    subprocess.run(["git", "clone", "-q", repo.url, str(other)], check=True)
    released = render_json({SANDBOX_API: entry("3", "published", "3")})
    (other / "data" / RECORD).write_text(released)
    git(other, "commit", "-q", "-am", "Release 1.3.0")
    git(other, "push", "-q", "origin", "HEAD:main")
    (folder / RECORD).write_text(render_json({SANDBOX_API: entry("3", "draft", "2")}))
    (folder / "CITATION.cff").write_text(citation("Data", "10.5072/zenodo.3"))

    outcome = commit_record_file(request(repo, repo_dir=folder, also_files=("CITATION.cff",)))

    assert outcome.committed
    assert repo.remote_file(f"data/{RECORD}") + "\n" == released
    assert repo.remote_file("data/CITATION.cff") + "\n" == citation("Data", "10.5072/zenodo.3")
    changed = git(repo.remote, "show", "--name-only", "--format=", "main").split()
    assert changed == ["data/CITATION.cff"]
