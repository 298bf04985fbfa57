"""The leak guard itself: it must find the token in every form a careless line could print."""

from __future__ import annotations

import base64
import logging
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from leakcheck import SWEEP_TOKEN, LeakGuard, secret_forms


@pytest.mark.parametrize(
    "text",
    [
        f"token={SWEEP_TOKEN}",
        quote(f"?access_token={SWEEP_TOKEN}&x=1", safe="?=&"),
        "Authorization: Basic "
        + base64.b64encode(f"x-access-token:{SWEEP_TOKEN}".encode()).decode(),
        base64.b64encode(f"a{SWEEP_TOKEN}".encode()).decode(),
        base64.b64encode(f"ab{SWEEP_TOKEN}".encode()).decode(),
        base64.urlsafe_b64encode(f"Bearer {SWEEP_TOKEN}".encode()).decode(),
    ],
)
def test_every_form_of_the_token_is_recognised(text: str) -> None:
    assert any(needle in text for needle in secret_forms(SWEEP_TOKEN).values())


def test_ordinary_text_is_not_taken_for_the_token() -> None:
    text = base64.b64encode(b"an ordinary line of log output, nothing secret").decode()
    assert not any(needle in text for needle in secret_forms(SWEEP_TOKEN).values())


def test_the_guard_scans_output_logs_files_and_git_history(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    guard = LeakGuard(_capfd=capfd)
    outputs = tmp_path / "outputs"
    outputs.write_text("record_id=1\n")
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "f").write_text(base64.b64encode(SWEEP_TOKEN.encode()).decode())
    subprocess.run(["git", "-C", str(repo), "add", "f"], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "x"],
        check=True,
    )
    (repo / "f").unlink()  # gone from the work tree, still in history
    guard.watch_file(outputs)
    print(f"::add-mask::{SWEEP_TOKEN}")  # the one allowed place
    print("nothing here")
    assert guard.findings() == [], guard.findings()
    assert set(guard.scanned) >= {"stdout/stderr", "log records", str(outputs)}
    guard.watch_repo(repo)
    guard.add_text("summary", f"see {SWEEP_TOKEN}")
    # A logger of its own, so that the suite's own guard does not see this deliberate leak.
    logger = logging.getLogger("sweep.selftest")
    logger.propagate = False
    logger.addHandler(guard._logs)
    try:
        logger.warning("header Bearer %s", SWEEP_TOKEN)
    finally:
        logger.removeHandler(guard._logs)
    print(SWEEP_TOKEN)
    found = guard.findings()
    assert any("git history" in f for f in found)
    assert any("summary" in f for f in found)
    assert any("log records" in f for f in found)
    assert any("stdout" in f for f in found)
