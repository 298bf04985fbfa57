"""``make demo``: the example repository through validate -> plan -> sync -> change -> sync ->
publish -> change -> sync (a new version), against a local emulator of Zenodo.

Every step is the real command a user would type; its output is shown as it comes. Nothing
leaves this machine: the emulator listens on 127.0.0.1 and is stopped at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from zenodo_publish.emulator.testing import spawned_emulator

EXAMPLE = Path(__file__).resolve().parent / "dataset"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="zenodo-publish-demo-") as scratch:
        repo = Path(scratch) / "lake-geneva"
        shutil.copytree(EXAMPLE, repo)
        _git(repo, "init", "-q", "--initial-branch=main")
        _git(repo, "remote", "add", "origin", "https://github.com/example/lake-geneva.git")
        _git(repo, "add", ".")
        _git(repo, "commit", "-q", "-m", "Example dataset")
        with spawned_emulator() as zenodo:
            print(f"Local Zenodo emulator (sandbox flavour) at {zenodo.api_url}\n")
            env = {**os.environ, "ZENODO_TOKEN": zenodo.token}
            demo = Demo(repo, zenodo.api_url, env)
            demo.step("1. Validate the manifest (offline)", "validate")
            demo.step("2. Plan against Zenodo: nothing exists yet", "plan")
            demo.step("3. Sync: create the draft, upload three files", "sync")
            demo.step("4. Sync again: nothing changed, no write request", "sync")
            demo.edit("data/temperatures-2021.csv", "2021-07-01,B1,21.4\n")
            demo.step("5. One file changed: only that file is uploaded", "sync")
            demo.step("6. Publish version 1.0.0 (as a v1.0.0 release tag would)",
                      "publish", "--set-version", "v1.0.0")  # fmt: skip
            demo.edit("data/temperatures-2022.csv", "date,buoy,celsius\n2022-01-01,B1,6.2\n")
            demo.step(
                "7. Plan after adding a file: a new version", "plan", "--set-version", "1.1.0"
            )
            demo.step("8. Sync: new version draft, unchanged files imported server-side",
                      "sync", "--set-version", "1.1.0")  # fmt: skip
            demo.step("9. Publish version 1.1.0", "publish", "--set-version", "v1.1.0")
            demo.finish()
    return 0


class Demo:
    def __init__(self, repo: Path, api_url: str, env: dict[str, str]) -> None:
        self.repo = repo
        self.api_url = api_url
        self.env = env

    def step(self, title: str, command: str, *args: str) -> None:
        shown = ["zenodo-publish", command]
        full = [sys.executable, "-m", "zenodo_publish", command]
        if command != "validate":
            shown += ["--endpoint", "$EMULATOR", *args]
            full += ["--endpoint", self.api_url, *args]
        print(f"--- {title}\n$ {' '.join(shown)}", flush=True)
        completed = subprocess.run(
            full, cwd=self.repo, env=self.env, capture_output=True, text=True, check=False
        )
        # The plan command prints the plan itself; its progress lines would say it twice.
        progress = (
            []
            if command == "plan"
            else [line for line in completed.stderr.splitlines() if not line.startswith("==")]
        )
        for line in progress + completed.stdout.splitlines():
            print(f"  {line}")
        print(flush=True)
        if completed.returncode != 0:
            raise SystemExit(f"demo step failed with exit code {completed.returncode}")

    def edit(self, path: str, text: str) -> None:
        target = self.repo / path
        with target.open("a", encoding="utf-8") as handle:
            handle.write(text)
        print(f"--- (edit {path})\n")

    def finish(self) -> None:
        entry = json.loads((self.repo / ".zenodo-record.json").read_text())[self.api_url]
        print("--- The record file the action commits back (.zenodo-record.json):")
        for key in ("record_id", "concept_id", "version", "state", "doi", "concept_doi"):
            print(f"  {key:<12} {entry.get(key)}")
        print(f"\nVersion DOI:  https://doi.org/{entry['doi']}")
        print(f"Concept DOI:  https://doi.org/{entry['concept_doi']}  (always the latest version)")
        print(f"Record page:  {entry['record_url']}")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Demo", "-c", "user.email=demo@example.org", *args],
        cwd=repo,
        check=True,
    )


if __name__ == "__main__":
    sys.exit(main())
