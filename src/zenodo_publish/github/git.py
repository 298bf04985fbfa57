"""Commit-back (SPEC §6 Git): commit the record file and push it, from inside the container.

- ``safe.directory`` names the workspace only, on each command line: the workspace belongs to
  the runner user while the container runs as root, and git refuses such repositories
  (CVE-2022-24765) unless told; ``*`` would trust every repository in the container.
- The bot identity is given per command (``-c user.name``/``-c user.email``), never configured.
- Only the record file is staged and committed (``commit -- <file>``); nothing changed, no commit.
- Branch runs commit on HEAD and push ``HEAD:refs/heads/<branch>``; a non-fast-forward is
  fetched, rebased and retried. Runs whose HEAD is not the target branch (tag and release runs
  check out a detached tag) build the commit on the fetched tip of the target branch with git
  plumbing (three-way merge of each changed record file, temporary index), so the workspace and
  its HEAD stay exactly as the checkout left them. A branch run whose rebase conflicts falls
  back to that plumbing too, with the files it also wrote (CITATION.cff, the README badge)
  merged line by line. A collection's record folder goes the same way as the single record
  file: every changed ``<key>.json`` in one commit.
- A ``github_token`` travels only as ``http.<server>/.extraheader`` in ``GIT_CONFIG_COUNT`` /
  ``GIT_CONFIG_KEY_n`` / ``GIT_CONFIG_VALUE_n`` variables of the one git process that talks to
  the remote: never in argv (which every process on a self-hosted runner can read), never in
  ``.git/config``, never in a URL; every line git prints is redacted. Every git process gets
  :func:`~zenodo_publish.childenv.child_environment`: no ``INPUT_*`` secret, no token.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from zenodo_publish.childenv import child_environment
from zenodo_publish.errors import GitError
from zenodo_publish.github.outputs import CommitOutcome
from zenodo_publish.redact import redact, register_secret
from zenodo_publish.sync.record_merge import merge_record_files

BOT_NAME: Final = "github-actions[bot]"
BOT_EMAIL: Final = "41898282+github-actions[bot]@users.noreply.github.com"
RETRIES: Final = 3

_Say = Callable[[str], None]
#: A full commit id (SHA-1, or SHA-256 repositories): anything else is never handed to git.
_COMMIT_ID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")

_PROTECTED = re.compile(r"GH006|protected branch|refusing to allow", re.IGNORECASE)
#: The branch moved under the push: rejected as non-fast-forward, or (two pushes at the same
#: instant) the remote could not lock the ref it was updating. Both are retried after a fetch.
_NON_FAST_FORWARD = re.compile(
    r"non-fast-forward|fetch first|\(stale info\)|cannot lock ref|failed to update ref",
    re.IGNORECASE,
)
_FORBIDDEN = re.compile(
    r"Permission to .* denied|The requested URL returned error: 403|HTTP 403|"
    r"Write access to repository not granted",
    re.IGNORECASE,
)


def auth_header(token: str) -> str:
    """The header ``actions/checkout`` itself uses for HTTPS git with a token."""
    encoded = base64.b64encode(f"x-access-token:{token}".encode()).decode("ascii")
    return f"AUTHORIZATION: basic {encoded}"


def derived_secrets(token: str) -> list[str]:
    """Secrets derived from ``token`` that could appear in output: its base64 header form."""
    return [base64.b64encode(f"x-access-token:{token}".encode()).decode("ascii")]


def remote_url(server_url: str, repository: str) -> str:
    """``https://github.com/owner/repo.git`` (no credentials: they go in a header)."""
    return f"{server_url.rstrip('/')}/{repository}.git"


@dataclass(frozen=True)
class CommitRequest:
    """What to commit where. ``record_file`` is relative to ``repo_dir``."""

    repo_dir: Path
    record_file: str
    branch: str
    message: str
    workspace: Path
    remote: str = "origin"  # a remote name (persisted checkout credentials) or a URL
    token: str | None = None
    server_url: str = "https://github.com"
    required: bool = False  # `commit: true` was given: an ignored record file is an error
    #: Other files the run wrote (CITATION.cff, the README badge), committed with the record
    #: file on a branch; relative to ``repo_dir``.
    also_files: tuple[str, ...] = ()
    retries: int = RETRIES


@dataclass
class GitResult:
    returncode: int
    stdout: str  # redacted
    stderr: str  # redacted
    raw_stdout: str = field(repr=False, default="")


class Git:
    """Runs git in one repository with the safe-directory, identity and auth options."""

    def __init__(
        self,
        repo_dir: Path,
        *,
        workspace: Path,
        token: str | None = None,
        server_url: str = "https://github.com",
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.repo_dir = repo_dir
        self.workspace = workspace
        self.token = token
        self.server_url = server_url.rstrip("/")
        if token:
            register_secret(token)
            for secret in derived_secrets(token):
                register_secret(secret)
        env = child_environment(environ)
        # English messages (we classify push rejections by text) and never an interactive
        # credential prompt, which would hang the job until its timeout.
        env.update({"LC_ALL": "C", "LANGUAGE": "C", "GIT_TERMINAL_PROMPT": "0"})
        self.env = env
        #: Every command line run, unredacted (tests assert on it; never printed).
        self.history: list[list[str]] = []

    def _base(self, *, network: bool) -> list[str]:
        args = ["git", "-c", f"safe.directory={self.workspace}"]
        if self.repo_dir.resolve() != self.workspace.resolve():
            args += ["-c", f"safe.directory={self.repo_dir}"]
        args += ["-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}"]
        return args

    def _auth_env(self) -> dict[str, str]:
        """The credential as configuration in the environment of one git process."""
        if not self.token:
            return {}
        count = self.env.get("GIT_CONFIG_COUNT", "0")
        first = int(count) if count.isdigit() else 0
        key = f"http.{self.server_url}/.extraheader"
        # The empty value first resets the header actions/checkout may have persisted for the
        # same URL: two Authorization headers make GitHub answer 400.
        return {
            "GIT_CONFIG_COUNT": str(first + 2),
            f"GIT_CONFIG_KEY_{first}": key,
            f"GIT_CONFIG_VALUE_{first}": "",
            f"GIT_CONFIG_KEY_{first + 1}": key,
            f"GIT_CONFIG_VALUE_{first + 1}": auth_header(self.token),
        }

    def run(
        self,
        *args: str,
        network: bool = False,
        check: bool = True,
        input_text: str | None = None,
        extra_env: Mapping[str, str] | None = None,
    ) -> GitResult:
        command = [*self._base(network=network), *args]
        self.history.append(command)
        env = {**self.env, **(extra_env or {}), **(self._auth_env() if network else {})}
        try:
            completed = subprocess.run(
                command,
                cwd=self.repo_dir,
                env=env,
                input=input_text,
                capture_output=True,
                text=True,
                check=False,
            )
        except OSError as error:
            raise GitError(
                f"cannot run git: {error}", hint="the action's image must have git installed"
            ) from error
        result = GitResult(
            completed.returncode,
            redact(completed.stdout),
            redact(completed.stderr),
            raw_stdout=completed.stdout,
        )
        if check and result.returncode != 0:
            raise GitError(
                f"`git {args[0]}` failed (exit {result.returncode}): "
                f"{result.stderr.strip() or result.stdout.strip()}"
            )
        return result

    def out(self, *args: str, network: bool = False) -> str:
        return self.run(*args, network=network).raw_stdout.strip()


def commit_record_file(
    request: CommitRequest, *, environ: Mapping[str, str] | None = None, log: _Say | None = None
) -> CommitOutcome:
    """Commit and push the record file. Returns whether a commit reached the remote, and its
    sha. Raises :class:`GitError` with what to change when the push is refused."""
    say = log or (lambda _line: None)
    git = Git(
        request.repo_dir,
        workspace=request.workspace,
        token=request.token,
        server_url=request.server_url,
        environ=environ,
    )
    _check_repository(git)
    path = request.repo_dir / request.record_file
    if not path.exists():
        say(f"no record file at {request.record_file}: nothing to commit")
        return CommitOutcome(False, None, request.branch)
    if git.run("check-ignore", "-q", "--", request.record_file, check=False).returncode == 0:
        message = f"the record file {request.record_file} is ignored by .gitignore"
        hint = "un-ignore it so the record identifiers are kept, or set `commit: false`"
        if request.required:
            raise GitError(message, hint=hint)
        say(f"{message}: not committed ({hint})")
        return CommitOutcome(False, None, request.branch)
    prefix = git.out("rev-parse", "--show-prefix")
    current = git.run("symbolic-ref", "-q", "--short", "HEAD", check=False).raw_stdout.strip()
    if current == request.branch:
        return _commit_on_branch(git, request, prefix, say)
    say(
        f"HEAD is {'on ' + current if current else 'detached'}: committing on top of "
        f"`{request.branch}` fetched from the remote"
    )
    if request.also_files:
        say(
            f"{', '.join(request.also_files)} changed, but only the record file is committed "
            "from a tag or another branch: write DOIs from a branch run (push, then tag)"
        )
    return _commit_on_fetched_tip(git, request, prefix, say)


def _in_repository(prefix: str, name: str) -> str:
    """``name`` (relative to the work tree folder git was run in) as a path from the
    repository's top (``prefix``: ``git rev-parse --show-prefix`` there)."""
    return (Path(prefix) / name).as_posix() if prefix else name


def _check_repository(git: Git) -> None:
    result = git.run("rev-parse", "--is-inside-work-tree", check=False)
    if result.returncode != 0 or result.stdout.strip() != "true":
        raise GitError(
            f"{git.repo_dir} is not a git work tree: {result.stderr.strip()}",
            hint="check out the repository with actions/checkout before this step, or set "
            "`commit: false`",
        )


def _commit_on_branch(git: Git, request: CommitRequest, prefix: str, say: _Say) -> CommitOutcome:
    paths = [request.record_file, *request.also_files]
    git.run("add", "--", *paths)
    if git.run("diff", "--cached", "--quiet", "--", *paths, check=False).returncode == 0:
        say(f"{request.record_file} unchanged: no commit")
        return CommitOutcome(False, None, request.branch)
    # --no-verify: the repository's own hooks are for its developers, not for the bot's
    # commit of the files it wrote, and may not even run in this image.
    git.run("commit", "--quiet", "--no-verify", "-m", request.message, "--", *paths)
    for attempt in range(request.retries + 1):
        rejection = _push(git, request, "HEAD")
        if rejection is None:
            sha = git.out("rev-parse", "HEAD")
            say(f"pushed {sha[:12]} to {request.branch}")
            return CommitOutcome(True, sha, request.branch)
        if attempt == request.retries:
            break
        say(f"{request.branch} moved on the remote: fetching and rebasing (retry {attempt + 1})")
        _fetch(git, request)
        rebased = git.run("rebase", "--autostash", "--quiet", "FETCH_HEAD", check=False)
        if rebased.returncode != 0:
            git.run("rebase", "--abort", check=False)
            # Another run rewrote the same record entry (a release run publishing the draft
            # this run named), or changed a file this run also wrote (CITATION.cff, README):
            # combine file by file instead, the record file by the record's state as a tag run
            # does, the others line by line; only changes to the same lines of those stop it.
            say(
                f"this run's commit conflicts with the new {request.branch}: combining each "
                "file it changed with the branch's instead"
            )
            return _commit_on_fetched_tip(
                git, request, prefix, say, base_rev="HEAD~1", move_branch=True
            )
    raise _gave_up(request)


def _commit_on_fetched_tip(
    git: Git,
    request: CommitRequest,
    prefix: str,
    say: _Say,
    *,
    base_rev: str = "HEAD",
    move_branch: bool = False,
) -> CommitOutcome:
    """Commit this run's record files on the fetched branch tip, each merged with the tip's
    version against ``base_rev`` (what this run started from). ``move_branch``: the checked
    out branch holds this run's own commit (HEAD), which the pushed one replaces: every file
    that commit changed (the record files and the request's ``also_files``) is taken from it,
    content and mode, as the rebase would have applied it."""
    repo_path = _in_repository(prefix, request.record_file)

    def is_record(path: str) -> bool:
        return path == repo_path or path.startswith(f"{repo_path}/")

    if move_branch:
        allowed = {_in_repository(prefix, name) for name in request.also_files}
        written = [
            (path, content, mode)
            for path, content, mode in _files_changed_by(git, "HEAD")
            if is_record(path) or path in allowed
        ]
    else:
        written = [
            (path, local.read_bytes(), _mode_of(local))
            for path, local in _record_files(request.repo_dir / request.record_file, repo_path)
        ]
    # (repository path, this run's content and mode, the content it started from) of each
    # change.
    changes = [
        (path, ours, mode, base)
        for path, ours, mode in written
        if (base := _blob(git, base_rev, path)) != ours
    ]
    if not changes:
        say(f"{request.record_file} unchanged: no commit")
        return CommitOutcome(False, None, request.branch)
    for attempt in range(request.retries + 1):
        tip = _fetch(git, request)
        merged: dict[str, tuple[bytes, str]] = {}
        for path, ours, mode, base in changes:
            theirs = _blob(git, tip, path)
            content = _merge_file(
                git, request, path, ours=ours, base=base, theirs=theirs, is_record=is_record(path)
            )
            if content != theirs:
                merged[path] = (content, mode)
        if not merged:
            say(f"{request.branch} already has this record file: no commit")
            if move_branch:
                git.run("reset", "--keep", tip, check=False)
            return CommitOutcome(False, None, request.branch)
        sha = _commit_tree(git, request, tip, merged)
        rejection = _push(git, request, sha)
        if rejection is None:
            say(f"pushed {sha[:12]} to {request.branch}")
            if move_branch and git.run("reset", "--keep", sha, check=False).returncode != 0:
                say(
                    f"warning: the checked-out {request.branch} still points at this run's own "
                    f"commit, not at the pushed {sha[:12]} (local changes to files that "
                    f"{request.branch} also changed stand in the way): later git steps of this "
                    "job should fetch and reset first"
                )
            return CommitOutcome(True, sha, request.branch)
        if attempt < request.retries:
            say(f"{request.branch} moved on the remote: rebuilding (retry {attempt + 1})")
    raise _gave_up(request)


def _fetch(git: Git, request: CommitRequest) -> str:
    result = git.run(
        "fetch", "--no-tags", "--quiet", request.remote, f"refs/heads/{request.branch}",
        network=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise GitError(
            f"cannot fetch {request.branch}: {result.stderr.strip()}",
            hint="check that the branch exists and the token can read the repository",
        )
    return git.out("rev-parse", "FETCH_HEAD")


def _push(git: Git, request: CommitRequest, source: str) -> str | None:
    """Push; ``None`` on success, the rejection text on a non-fast-forward. Other failures
    raise a :class:`GitError` that says what to change."""
    result = git.run(
        "push", "--porcelain", request.remote, f"{source}:refs/heads/{request.branch}",
        network=True, check=False,
    )  # fmt: skip
    if result.returncode == 0:
        return None
    text = f"{result.stdout}\n{result.stderr}".strip()
    if _PROTECTED.search(text):
        raise GitError(
            f"the push to {request.branch} was refused by branch protection: {text}",
            hint=(
                f"allow github-actions[bot] to push to {request.branch} in the branch protection "
                "or ruleset settings, or pass a PAT or GitHub App token that may bypass them as "
                "`github_token` (and to actions/checkout), or set `commit: false` and keep the "
                "record file out of git"
            ),
        )
    if _FORBIDDEN.search(text):
        raise GitError(
            f"the token may not push to {request.branch}: {text}",
            hint="give the job `permissions: contents: write`, or set `commit: false`",
        )
    if _NON_FAST_FORWARD.search(text):
        return text
    raise GitError(f"pushing to {request.branch} failed: {text}")


def _gave_up(request: CommitRequest) -> GitError:
    return GitError(
        f"{request.branch} kept moving on the remote: gave up after {request.retries} retries",
        hint="re-run the job; if other jobs push to the branch at the same time, give them a "
        "shared `concurrency:` group",
    )


def file_at_commit(git: Git, commit: str, path: str, *, remote: str) -> bytes | None:
    """``path`` (relative to ``git.repo_dir``) as commit ``commit`` holds it; None when it has
    no such file or the commit cannot be had. A shallow checkout (actions/checkout's default
    ``fetch-depth: 1``) lacks a pull request's base commit: that one commit is fetched from
    ``remote`` first (depth 1, so a full clone is never made shallow: it is not fetched there)."""
    if not _COMMIT_ID.fullmatch(commit):
        return None
    found = _blob(git, commit, path)
    if found is not None:
        return found
    if git.run("rev-parse", "--is-shallow-repository", check=False).stdout.strip() != "true":
        return None
    fetched = git.run(
        "fetch", "--no-tags", "--quiet", "--depth=1", remote, commit, network=True, check=False
    )
    return _blob(git, commit, path) if fetched.returncode == 0 else None


def _blob(git: Git, rev: str, repo_path: str) -> bytes | None:
    """The file at ``rev`` (bytes), or ``None`` when it does not exist there."""
    result = subprocess.run(
        [*git._base(network=False), "cat-file", "blob", f"{rev}:{repo_path}"],
        cwd=git.repo_dir,
        env=git.env,
        capture_output=True,
        check=False,
    )
    return result.stdout if result.returncode == 0 else None


def _record_files(local: Path, repo_path: str) -> list[tuple[str, Path]]:
    """(repository path, local path) of the record file, or of every file in the record
    folder."""
    if not local.is_dir():
        return [(repo_path, local)]
    return [
        (f"{repo_path}/{path.relative_to(local).as_posix()}", path)
        for path in sorted(local.rglob("*"))
        if path.is_file()
    ]


def _mode_of(local: Path) -> str:
    """The git file mode of a file this run wrote (a regular file: it never writes through a
    symlink)."""
    return "100755" if local.stat().st_mode & 0o111 else "100644"


def _files_changed_by(git: Git, commit: str) -> list[tuple[str, bytes, str]]:
    """(repository path, content, git mode) of every file ``commit`` added, modified or turned
    from a symlink into a file (T) against its parent. diff-tree's raw output gives each
    path (from the repository's top) with its new mode; the content is read by that path."""
    fields = git.run(
        "diff-tree", "--no-commit-id", "-r", "-z", "--diff-filter=AMT", commit
    ).raw_stdout.split("\0")
    # -z: ":<old mode> <new mode> <old blob> <new blob> <status>" NUL "<path>" NUL, per file.
    changed = []
    for header, path in zip(fields[0::2], fields[1::2], strict=False):
        if not header.startswith(":"):
            continue
        mode = header[1:].split()[1]
        content = _blob(git, commit, path)
        if content is None:  # never: the commit just listed it
            raise GitError(f"{path} is listed in {commit} but cannot be read")
        changed.append((path, content, mode))
    return changed


def _merge_file(
    git: Git,
    request: CommitRequest,
    repo_path: str,
    *,
    ours: bytes,
    base: bytes | None,
    theirs: bytes | None,
    is_record: bool = True,
) -> bytes:
    """Three-way merge of our change to a file (a record file unless ``is_record`` is false)
    into the target branch's version."""
    if theirs is None or theirs == base:
        return ours
    if theirs == ours:
        return theirs
    with tempfile.TemporaryDirectory(prefix="zenodo-publish-merge-") as tmp:
        files = []
        for name, content in (("ours", ours), ("base", base or b""), ("theirs", theirs)):
            target = Path(tmp) / name
            target.write_bytes(content)
            files.append(str(target))
        result = subprocess.run(
            [*git._base(network=False), "merge-file", "-p", "--quiet", *files],
            cwd=git.repo_dir,
            env=git.env,
            capture_output=True,
            check=False,
        )
    if result.returncode != 0 and is_record:
        # Both runs rewrote the same entry: the later state of the concept wins, when the
        # two can be ordered (sync.record_merge); never a guess.
        combined = merge_record_files(base, ours, theirs)
        if combined is not None:
            return combined
    if result.returncode != 0:
        raise GitError(
            f"{repo_path} changed on {request.branch} since this run's commit, in the "
            "same place as this run's change: cannot combine them",
            hint=f"merge {repo_path} on {request.branch} by hand, or re-run the job "
            f"from the current {request.branch}",
        )
    return result.stdout


def _commit_tree(
    git: Git, request: CommitRequest, tip: str, files: dict[str, tuple[bytes, str]]
) -> str:
    """A commit on ``tip`` whose tree is tip's with ``files`` (repository path: content and
    git mode, this run's: a symlink on the tip is replaced as the run replaced it)."""
    with tempfile.TemporaryDirectory(prefix="zenodo-publish-index-") as tmp:
        index = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        git.run("read-tree", tip, extra_env=index)
        for repo_path, (content, mode) in files.items():
            blob = (
                subprocess.run(
                    [*git._base(network=False), "hash-object", "-w", "--stdin",
                     f"--path={repo_path}"],
                    cwd=git.repo_dir,
                    env=git.env,
                    input=content,
                    capture_output=True,
                    check=True,
                )
                .stdout.decode()
                .strip()
            )  # fmt: skip
            git.run(
                "update-index", "--add", "--cacheinfo", f"{mode},{blob},{repo_path}",
                extra_env=index,
            )  # fmt: skip
        tree = git.run("write-tree", extra_env=index).raw_stdout.strip()
    return git.out("commit-tree", tree, "-p", tip, "-m", request.message)


def restore_ownership(repo_dir: Path, paths: Sequence[Path] = ()) -> int:
    """Give what this root container created in ``.git`` (and ``paths``) back to the owner of
    ``.git``: later steps run as the runner user on the host and could not write there
    otherwise. Returns how many entries changed owner."""
    git_dir = repo_dir / ".git"
    if os.geteuid() != 0 or not git_dir.exists():
        return 0
    owner = git_dir.stat()
    if owner.st_uid == 0:
        return 0
    changed = 0
    candidates: list[Path] = [git_dir, *paths]
    for root, dirs, files in os.walk(git_dir):
        candidates += [Path(root) / name for name in (*dirs, *files)]
    for entry in candidates:
        try:
            info = entry.lstat()
        except FileNotFoundError:
            continue
        if info.st_uid == 0:
            os.lchown(entry, owner.st_uid, owner.st_gid)
            changed += 1
    return changed
