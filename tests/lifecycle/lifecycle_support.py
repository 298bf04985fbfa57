"""A repository's life as GitHub and a researcher live it, against the emulator.

:class:`World` holds a bare ``remote`` (GitHub's copy), a developer clone ``dev`` where edits are
made and pushed, and the emulator. Every action run starts from a fresh checkout of its ref (as
``actions/checkout`` does), with the runner's variables and event JSON, and calls the real
entrypoint; a record file written by a run that crashed is therefore lost with its checkout, as
on GitHub. The engine's HTTP session is routed to the emulator whatever the endpoint, with a
response hook that can kill the run (:class:`Killed`, a ``BaseException`` like a dying process)
or start a second run in the middle of the first (two runs at once, deterministically).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from zenodo_publish.cli import main as cli_main
from zenodo_publish.emulator.testing import EmulatorHandle
from zenodo_publish.github.engine import sync_engine
from zenodo_publish.github.entrypoint import main as action_main
from zenodo_publish.github.outputs import parse_output_file
from zenodo_publish.github.workflow import Workflow
from zenodo_publish.manifest import Endpoint
from zenodo_publish.zenodo import Backend, backend_for
from zenodo_publish.zenodo.http import ZenodoSession

OWNER_REPO = "octo/data"
REPOSITORY_URL = f"https://github.com/{OWNER_REPO}"
GITHUB_TOKEN = "ghs_FAKElifecycleTOKEN0123456789abcdefAB"
CREATORS = "  creators:\n    - {family_name: Lovelace, given_name: Ada}\n"

Hook = Callable[[requests.Response], None]


class Killed(BaseException):
    """The runner died (cancelled job, lost machine) right after a response arrived."""


def manifest_text(
    title: str,
    *,
    license: str = "cc-by-4.0",
    resource_type: str | None = "dataset",
    version: str | None = None,
    publish_on: str = "tags",
    prereleases: bool | None = None,
    endpoint: str = "sandbox",
    api: str = "rdm",
    metadata_from: tuple[str, ...] = (),
    files: tuple[str, ...] = ("data/",),
) -> str:
    lines = [f"endpoint: {endpoint}", *([f"api: {api}"] if api != "rdm" else []), "metadata:"]
    lines.append(f"  title: {title}")
    if api == "legacy":  # the deposit API refuses a deposition without a description
        lines.append("  description: Survey data.")
    if resource_type is not None:
        lines.append(f"  resource_type: {resource_type}")
    lines.append(f"  license: {license}")
    if version is not None:
        lines.append(f'  version: "{version}"')
    text = "\n".join(lines) + "\n" + CREATORS
    if metadata_from:
        text += f"metadata_from: [{', '.join(metadata_from)}]\n"
    text += "files:\n" + "".join(f"  - {f}\n" for f in files)
    text += f'publish:\n  on: {publish_on}\n  tags: "v*"\n'
    if prereleases is not None:
        text += f"  prereleases: {'true' if prereleases else 'false'}\n"
    return text


def citation_text(version: str | None, *, kind: str | None = None) -> str:
    text = (
        "cff-version: 1.2.0\nmessage: Please cite this.\ntitle: Citation title\n"
        "authors:\n  - family-names: Lovelace\n    given-names: Ada\n"
    )
    if kind is not None:
        text += f"type: {kind}\n"
    if version is not None:
        text += f'version: "{version}"\n'
    return text


def git(cwd: Path, *args: str, check: bool = True) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=Dev", "-c", "user.email=dev@example.org", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
    return result.stdout.strip()


@dataclass
class ActionRun:
    """What one action run left: exit code, log, summary, outputs (``None``: killed)."""

    code: int | None
    log: str
    summary: str
    outputs: dict[str, str]
    folder: str

    @property
    def killed(self) -> bool:
        return self.code is None


@dataclass
class World:
    root: Path
    emu: EmulatorHandle
    hooks: list[Hook] = field(default_factory=list)
    runs: int = 0
    #: The API URL every record file entry is keyed by (the action's endpoint input).
    api_url: str = ""

    def __post_init__(self) -> None:
        self.api_url = self.emu.api_url
        self.remote = self.root / "remote.git"
        subprocess.run(
            ["git", "init", "-q", "--bare", "--initial-branch=main", str(self.remote)], check=True
        )
        self.dev = self.root / "dev"
        subprocess.run(["git", "init", "-q", "--initial-branch=main", str(self.dev)], check=True)
        git(self.dev, "remote", "add", "origin", self.remote.as_uri())
        (self.dev / "README.md").write_text("# Data\n")
        self.commit_push("Initial commit")

    # --- the developer ------------------------------------------------------------------------

    def write(self, path: str, content: str | bytes) -> None:
        target = self.dev / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")

    def remove(self, path: str) -> None:
        (self.dev / path).unlink()

    def commit_push(self, message: str) -> str:
        """Commit everything and push to main (pulling the bot's record-file commits first)."""
        git(self.dev, "add", "-A")
        git(self.dev, "commit", "-q", "--allow-empty", "-m", message)
        if git(self.remote, "rev-parse", "--verify", "-q", "refs/heads/main", check=False):
            git(self.dev, "pull", "-q", "--rebase", "origin", "main")
        git(self.dev, "push", "-q", "origin", "HEAD:main")
        return git(self.dev, "rev-parse", "HEAD")

    def tag(self, name: str) -> None:
        git(self.dev, "pull", "-q", "--rebase", "origin", "main")
        git(self.dev, "tag", "-f", name)
        git(self.dev, "push", "-q", "-f", "origin", f"refs/tags/{name}")

    # --- GitHub ------------------------------------------------------------------------------

    def push_run(self, folder: str = ".", **inputs: str) -> ActionRun:
        return self.action("push", "refs/heads/main", {}, folder=folder, **inputs)

    def tag_run(self, tag: str, folder: str = ".", **inputs: str) -> ActionRun:
        return self.action("push", f"refs/tags/{tag}", {}, folder=folder, **inputs)

    def release_run(
        self, tag: str, folder: str = ".", *, prerelease: bool = False, **inputs: str
    ) -> ActionRun:
        payload = {
            "action": "published",
            "release": {"tag_name": tag, "prerelease": prerelease, "draft": False},
        }
        return self.action("release", f"refs/tags/{tag}", payload, folder=folder, **inputs)

    def dispatch_run(self, mode: str, folder: str = ".", **inputs: str) -> ActionRun:
        payload = {"inputs": {"mode": mode}, "ref": "refs/heads/main"}
        return self.action("workflow_dispatch", "refs/heads/main", payload, folder=folder, **inputs)

    def pull_request_run(self, folder: str = ".", **inputs: str) -> ActionRun:
        payload = {
            "pull_request": {
                "head": {"repo": {"full_name": OWNER_REPO, "fork": False}},
                "base": {"repo": {"full_name": OWNER_REPO}},
            }
        }
        return self.action("pull_request", "refs/pull/1/merge", payload, folder=folder, **inputs)

    def action(
        self,
        event: str,
        ref: str,
        payload: Mapping[str, Any],
        *,
        folder: str = ".",
        **inputs: str,
    ) -> ActionRun:
        self.runs += 1
        run_dir = self.root / f"run-{self.runs}"
        workspace = run_dir / "workspace"
        (run_dir / "files").mkdir(parents=True)
        git(run_dir, "clone", "-q", self.remote.as_uri(), str(workspace))
        if ref.startswith("refs/tags/"):
            git(workspace, "checkout", "-q", ref.removeprefix("refs/tags/"))
        event_path = run_dir / "files" / "event.json"
        event_path.write_text(
            json.dumps(
                {
                    **payload,
                    "repository": {
                        "full_name": OWNER_REPO,
                        "default_branch": "main",
                        "fork": False,
                    },
                }
            )
        )
        output_file = run_dir / "files" / "output"
        summary_file = run_dir / "files" / "summary"
        output_file.touch()
        summary_file.touch()
        ref_type = "tag" if ref.startswith("refs/tags/") else "branch"
        environ = {
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary_file),
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": OWNER_REPO,
            "GITHUB_EVENT_NAME": event,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_REF": ref,
            "GITHUB_REF_TYPE": ref_type if not ref.startswith("refs/pull/") else "",
            "GITHUB_REF_NAME": ref.split("/", 2)[-1],
            "INPUT_ZENODO_TOKEN": self.emu.token,
            "INPUT_MANIFEST": "zenodo.yaml",
            "INPUT_ENDPOINT": self.api_url,
            "INPUT_MODE": "auto",
            "INPUT_PUBLISH": "auto",
            "INPUT_DRY_RUN": "false",
            "INPUT_COMMIT": "auto",
            "INPUT_GITHUB_TOKEN": GITHUB_TOKEN,
            "INPUT_COMMIT_MESSAGE": "Update Zenodo record identifiers [skip ci]",
            "INPUT_WORKING_DIRECTORY": folder,
            "INPUT_API": "",
            "INPUT_PARALLEL_UPLOADS": "1",
        }
        for name, value in inputs.items():
            environ[f"INPUT_{name.upper()}"] = value
        stream = io.StringIO()
        engine = sync_engine(Workflow(stream), backend_factory=self.backend_factory)
        code: int | None
        try:
            code = action_main(
                environ, engine=engine, git_remote=self.remote.as_uri(), stream=stream
            )
        except Killed:
            code = None
        return ActionRun(
            code,
            stream.getvalue(),
            summary_file.read_text(encoding="utf-8"),
            parse_output_file(output_file.read_text(encoding="utf-8")),
            folder,
        )

    def cli(self, *args: str, folder: str = ".") -> tuple[int, str]:
        """``zenodo-publish ARGS --manifest FOLDER/zenodo.yaml`` in a fresh clone of main."""
        self.runs += 1
        clone = self.root / f"run-{self.runs}" / "clone"
        git(self.root, "clone", "-q", self.remote.as_uri(), str(clone))
        out = io.StringIO()
        argv = [args[0], "--manifest", str(clone / folder / "zenodo.yaml"), *args[1:]]
        with (
            _token_env(self.emu.token),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(out),
        ):
            code = cli_main(argv)
        return code, out.getvalue()

    def cli_sync_and_commit(self, folder: str = ".") -> tuple[int, str]:
        """A researcher's ``zenodo-publish sync`` in a clone whose origin is the GitHub URL,
        then a commit and push of the record file (as they would)."""
        self.runs += 1
        clone = self.root / f"run-{self.runs}" / "clone"
        git(self.root, "clone", "-q", self.remote.as_uri(), str(clone))
        git(clone, "remote", "set-url", "origin", f"{REPOSITORY_URL}.git")
        git(clone, "remote", "set-url", "--push", "origin", self.remote.as_uri())
        out = io.StringIO()
        argv = ["sync", "--manifest", str(clone / folder / "zenodo.yaml")]
        argv += ["--endpoint", self.api_url, "--parallel", "1"]
        with (
            _token_env(self.emu.token),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(out),
        ):
            code = cli_main(argv)
        if git(clone, "status", "--porcelain"):
            git(clone, "add", "-A")
            git(clone, "commit", "-q", "-m", "Record file from my laptop")
            git(clone, "pull", "-q", "--rebase", self.remote.as_uri(), "main")
            git(clone, "push", "-q", self.remote.as_uri(), "HEAD:main")
        return code, out.getvalue()

    # --- the engine's connection --------------------------------------------------------------

    def backend_factory(self, endpoint: Endpoint, api: str, token: str) -> Backend:
        session = ZenodoSession(
            self.emu.api_url, token, sleep=lambda seconds: None, jitter=lambda: 0.5
        )
        session.http.hooks["response"].append(self._on_response)
        return backend_for(api, session)

    def _on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        for hook in list(self.hooks):
            hook(response)

    def kill_after(self, n: int) -> None:
        """The next run dies right after its n-th response (1-based)."""
        seen = [0]

        def hook(response: requests.Response) -> None:
            seen[0] += 1
            if seen[0] == n:
                self.hooks.remove(hook)
                response.close()
                raise Killed(f"after response {n}")

        self.hooks.append(hook)

    def meanwhile(self, n: int, other: Callable[[], object]) -> None:
        """At the n-th response of the next run, run ``other`` to its end, then go on."""
        seen = [0]

        def hook(response: requests.Response) -> None:
            seen[0] += 1
            if seen[0] == n:
                self.hooks.remove(hook)
                other()

        self.hooks.append(hook)

    # --- what is where -----------------------------------------------------------------------

    def record_file(self, folder: str = ".", ref: str = "main") -> dict[str, Any] | None:
        """This endpoint's entry in FOLDER/.zenodo-record.json on the remote's ``ref``."""
        path = f"{folder}/.zenodo-record.json".removeprefix("./")
        text = git(self.remote, "show", f"{ref}:{path}", check=False)
        if not text:
            return None
        entry = json.loads(text).get(self.api_url)
        return entry if isinstance(entry, dict) else None

    def tree_files(self, ref: str, folder: str) -> dict[str, str]:
        """Files under FOLDER/data at ``ref`` in the remote, by base name -> md5."""
        import hashlib

        prefix = f"{folder}/data/".removeprefix("./")
        names = git(self.remote, "ls-tree", "-r", "--name-only", ref, "--", prefix).splitlines()
        out: dict[str, str] = {}
        for name in names:
            blob = subprocess.run(
                ["git", "show", f"{ref}:{name}"], cwd=self.remote, capture_output=True, check=True
            ).stdout
            out[name.rsplit("/", 1)[-1]] = hashlib.md5(blob).hexdigest()
        return out

    def concepts(self) -> list[Concept]:
        """Every concept on the emulator: published versions (oldest first) and open drafts."""
        state = self.emu.control.state()
        records = {r["id"]: r for r in state["records"]}
        found = []
        for parent in state["parents"]:
            published, drafts = [], []
            for rid in parent["record_ids"]:
                record = records.get(rid)
                if record is None:
                    continue
                if record["published"] is not None:
                    published.append(_version(rid, record["published"], False))
                if record["draft"] is not None:
                    drafts.append(_version(rid, record["draft"], record["published"] is None))
            found.append(Concept(str(parent["id"]), published, drafts))
        return found


@dataclass(frozen=True)
class Version:
    record_id: str
    is_new: bool  # a draft never published (new record or new version), not an edit draft
    files: dict[str, str]  # key -> md5 of completed files
    metadata: dict[str, Any]
    doi: str | None

    @property
    def version(self) -> str | None:
        value = self.metadata.get("version")
        return str(value) if value else None

    @property
    def markers(self) -> list[str]:
        return [str(r.get("identifier")) for r in self.metadata.get("related_identifiers", [])]


@dataclass(frozen=True)
class Concept:
    id: str
    published: list[Version]  # oldest first
    drafts: list[Version]  # open drafts: new, new-version and edit drafts

    @property
    def latest(self) -> Version | None:
        return self.published[-1] if self.published else None


def _version(record_id: Any, dump: Mapping[str, Any], is_new: bool) -> Version:
    files = {
        f["key"]: str(f["checksum"]).removeprefix("md5:")
        for f in dump["files"]
        if f["status"] == "completed"
    }
    pids = dump.get("pids") or {}
    doi = pids.get("doi", {}).get("identifier") if isinstance(pids, dict) else None
    return Version(str(record_id), is_new, files, dict(dump["metadata"]), doi)


@contextlib.contextmanager
def _token_env(token: str) -> Iterator[None]:
    old = os.environ.get("ZENODO_TOKEN")
    os.environ["ZENODO_TOKEN"] = token
    try:
        yield
    finally:
        if old is None:
            del os.environ["ZENODO_TOKEN"]
        else:
            os.environ["ZENODO_TOKEN"] = old
