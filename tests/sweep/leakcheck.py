"""Token leak guard: a recognisable token, everything the tool writes captured, and a scan for
the token in clear, percent-encoded and base64 forms (at every byte alignment, so a token inside
a longer base64 blob such as an ``Authorization: Basic`` header is found too).

Used autouse by tests/sweep (see conftest.py). Other test folders can use it too::

    from leakcheck import LeakGuard, leak_guard_fixture   # tests/sweep on sys.path
    leak_guard = leak_guard_fixture()

A test registers what it produced: ``guard.watch_file(path)``, ``guard.watch_repo(path)`` (its
``git log -p --all`` and ``.git/config``), ``guard.watch_emulator(handle)`` (the request log's
fields; the Authorization header is not logged), ``guard.add_text(label, text)``. stdout and
stderr (file-descriptor level) and every log record at DEBUG level are scanned always. The only
place a secret may appear in clear is a ``::add-mask::`` line, which the runner consumes.
"""

from __future__ import annotations

import base64
import json
import logging
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import pytest

#: Recognisable values: long enough for the redactor, unlike anything else in a log.
SWEEP_TOKEN = "zpSweepZenodoTok-9f1c4a7e2b6d4c83a5e0QX"
SWEEP_GITHUB_TOKEN = "ghs_SweepGithubTok0123456789abcdefXYZ"


def _b64_fragments(secret: bytes) -> set[str]:
    """Substrings that any base64 encoding containing ``secret`` must contain, for each of the
    three byte alignments, standard and URL-safe alphabets."""
    found: set[str] = set()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + secret + b"\0\0").decode("ascii")
        # Characters touched by the padding bytes differ with the surroundings: drop them.
        start = (shift * 8 + 5) // 6
        end = ((shift + len(secret)) * 8) // 6
        core = encoded[start:end]
        found.add(core)
        found.add(core.replace("+", "-").replace("/", "_"))
    return {f for f in found if len(f) >= 12}


def secret_forms(secret: str) -> dict[str, str]:
    """``{description: text to look for}``."""
    forms = {"the token": secret, "the token percent-encoded": quote(secret, safe="")}
    for fragment in sorted(_b64_fragments(secret.encode())):
        forms[f"the token in base64 ({fragment[:6]}...)"] = fragment
    return forms


class _Emulator(Protocol):
    @property
    def control(self) -> Any: ...


def _without_masks(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("::add-mask::"))


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad log call must not hide a leak elsewhere
            text = str(record.msg)
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


@dataclass
class LeakGuard:
    secrets: list[str] = field(default_factory=lambda: [SWEEP_TOKEN, SWEEP_GITHUB_TOKEN])
    files: list[Path] = field(default_factory=list)
    repos: list[Path] = field(default_factory=list)
    emulators: list[_Emulator] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)
    #: What the test itself read from capfd (through :meth:`readouterr`).
    consumed: list[str] = field(default_factory=list)
    scanned: list[str] = field(default_factory=list)  # labels, for the guard's own test
    _capfd: pytest.CaptureFixture[str] | None = None
    _logs: _Collect = field(default_factory=_Collect)

    def add_secret(self, value: str) -> None:
        self.secrets.append(value)

    def watch_file(self, path: Path) -> None:
        self.files.append(Path(path))

    def watch_repo(self, path: Path) -> None:
        self.repos.append(Path(path))

    def watch_emulator(self, handle: _Emulator) -> None:
        self.emulators.append(handle)

    def add_text(self, label: str, text: str) -> None:
        self.texts.append((label, text))

    def readouterr(self) -> tuple[str, str]:
        """capfd.readouterr() for tests that read their output; what they read is still
        scanned at the end."""
        assert self._capfd is not None
        out, err = self._capfd.readouterr()
        self.consumed.extend((out, err))
        return out, err

    def collect(self) -> list[tuple[str, str]]:
        """``(where, text)`` of everything to scan."""
        out: list[tuple[str, str]] = []
        if self._capfd is not None:
            rest_out, rest_err = self._capfd.readouterr()
            out.append(("stdout/stderr", _without_masks("\n".join([*self.consumed, rest_out]))))
            out.append(("stderr", _without_masks(rest_err)))
        out.append(("log records", "\n".join(self._logs.lines)))
        for path in self.files:
            if path.is_file():
                out.append((str(path), path.read_text(encoding="utf-8", errors="replace")))
        for repo in self.repos:
            if not repo.exists():
                continue
            history = subprocess.run(
                ["git", "log", "-p", "--all", "--format=%H %an <%ae>%n%B"],
                cwd=repo,
                capture_output=True,
                text=True,
                errors="replace",
                check=True,
            ).stdout
            out.append((f"git history of {repo}", history))
            for config in (repo / ".git" / "config", repo / "config"):
                if config.is_file():
                    out.append((str(config), config.read_text(encoding="utf-8")))
            reflogs = repo / ".git" / "logs"
            for reflog in sorted(reflogs.rglob("*")) if reflogs.is_dir() else []:
                if reflog.is_file():
                    out.append((str(reflog), reflog.read_text(errors="replace")))
        for handle in self.emulators:
            entries = handle.control.log()
            out.append(("emulator request log", json.dumps(entries, ensure_ascii=False)))
        out.extend(self.texts)
        return out

    def findings(self) -> list[str]:
        found: list[str] = []
        collected = self.collect()
        self.scanned = [where for where, _ in collected]
        for where, text in collected:
            for secret in self.secrets:
                for what, needle in secret_forms(secret).items():
                    if needle in text:
                        found.append(f"{what} ({secret[:6]}...) in {where}")
        return found


def guard_context(capfd: pytest.CaptureFixture[str]) -> Iterator[LeakGuard]:
    guard = LeakGuard(_capfd=capfd)
    root = logging.getLogger()
    # Everything our code and the HTTP stack log, at DEBUG (other libraries at their level).
    watched = [logging.getLogger(name) for name in ("zenodo_publish", "urllib3", "requests")]
    old_levels = [logger.level for logger in watched]
    root.addHandler(guard._logs)
    for logger in watched:
        logger.setLevel(logging.DEBUG)
    try:
        yield guard
    finally:
        root.removeHandler(guard._logs)
        for logger, level in zip(watched, old_levels, strict=True):
            logger.setLevel(level)
    found = guard.findings()
    assert not found, "secret leaked:\n" + "\n".join(found)


def leak_guard_fixture(*, autouse: bool = False) -> Callable[..., Iterator[LeakGuard]]:
    """A ``leak_guard`` fixture for another test folder's conftest."""

    @pytest.fixture(autouse=autouse)
    def leak_guard(capfd: pytest.CaptureFixture[str]) -> Iterator[LeakGuard]:
        yield from guard_context(capfd)

    return leak_guard
