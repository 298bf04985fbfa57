"""The one exception hierarchy of zenodo-publish.

Every error the tool raises on purpose derives from :class:`ZenodoPublishError`. Each carries a
message that says what went wrong and, where we know it, a ``hint`` that says what to do next.
The top-level handlers (``cli.main`` and the GitHub Action entrypoint) turn these into output;
nothing else prints errors. Each class fixes the process exit code, documented in the README.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class ZenodoPublishError(Exception):
    """Base class. ``exit_code`` is what the CLI and the action exit with."""

    exit_code = 1
    #: Short title for the one-line ``::error title=...::`` annotation.
    title = "zenodo-publish failed"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(ZenodoPublishError):
    """A command-line option, action input or environment setting is wrong or missing."""

    exit_code = 2
    title = "Invalid input"


# --- the manifest and the files it selects ---------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the manifest or the files it selects, with its place."""

    message: str
    file: str = ""
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    json_path: str = "$"
    hint: str | None = None

    def format(self) -> str:
        """``file:line:col: json.path: message (hint)``, the shape editors and CI understand."""
        place = self.file or "<manifest>"
        if self.line is not None:
            place += f":{self.line}"
            if self.column is not None:
                place += f":{self.column}"
        text = f"{place}: {self.json_path}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class ManifestError(ZenodoPublishError):
    """The manifest (or a metadata source, or the file selection) is invalid.

    Holds every problem found in one run, not only the first.
    """

    exit_code = 1
    title = "Invalid manifest"

    def __init__(self, problems: Iterable[Problem], *, hint: str | None = None) -> None:
        self.problems: list[Problem] = list(problems)
        count = len(self.problems)
        lines = [p.format() for p in self.problems]
        message = f"{count} problem{'s' if count != 1 else ''} in the manifest:\n" + "\n".join(
            lines
        )
        ZenodoPublishError.__init__(
            self,
            message,
            hint=hint or "fix the places listed above and run `zenodo-publish validate` again",
        )

    def __str__(self) -> str:
        return self.message


# --- talking to Zenodo -----------------------------------------------------------------------


class ZenodoError(ZenodoPublishError):
    """Zenodo (or the network to it) did not do what we asked."""

    exit_code = 3
    title = "Zenodo request failed"


@dataclass(frozen=True)
class FieldError:
    """One field error from a Zenodo error body (``errors[].field`` / ``messages``)."""

    field: str
    messages: tuple[str, ...]


class ZenodoAPIError(ZenodoError):
    """Zenodo answered with an error status. Carries status, Zenodo's message, field errors."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        method: str = "",
        url: str = "",
        server_message: str | None = None,
        field_errors: Sequence[FieldError] = (),
        request_id: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.method = method
        self.url = url
        self.server_message = server_message
        self.field_errors = tuple(field_errors)
        self.request_id = request_id


class AuthenticationError(ZenodoAPIError):
    """401/403: a missing, wrong or expired token, or not the owner of the record."""

    title = "Zenodo refused the token"


class NotFoundError(ZenodoAPIError):
    """404: the record, draft or file does not exist (or no draft is open)."""


class ValidationRejected(ZenodoAPIError):
    """400 with Zenodo's validation errors (metadata, files, limits)."""

    title = "Zenodo rejected the request"


class RateLimitedError(ZenodoAPIError):
    """429 after the retries allowed were used up."""

    title = "Zenodo rate limit"


class ServerError(ZenodoAPIError):
    """5xx after the retries allowed were used up, or on a call that must not be retried."""


class TransportError(ZenodoError):
    """The connection failed or timed out (no HTTP answer)."""


class UnexpectedResponseError(ZenodoError):
    """Zenodo answered 2xx but the body is not what the API promises (bad JSON, missing field)."""


class IntegrityError(ZenodoError):
    """What Zenodo stored differs from what we sent (size or md5 after an upload or publish)."""

    title = "Upload verification failed"


class PublishOutcomeUnknown(ZenodoError):
    """A publish timed out or answered 5xx: it may or may not have happened. Never repeated
    blindly; the caller re-reads the record and reconciles (SPEC §5.5)."""

    title = "Publish outcome unknown"

    def __init__(
        self, message: str, *, record_id: str, status: int | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.record_id = record_id
        self.status = status


# --- decisions the tool refuses to take ------------------------------------------------------


class PolicyError(ZenodoPublishError):
    """The action is refused by policy (publishing not allowed, production without both keys,
    versions that disagree). Nothing was changed."""

    exit_code = 4
    title = "Refused by policy"


class StateError(ZenodoPublishError):
    """Zenodo's state does not match what the repository expects (record file pointing at a
    record that is not ours or not the latest, an ambiguous draft). Nothing was changed."""

    exit_code = 4
    title = "Record state conflict"


class RecordsFailed(ZenodoPublishError):
    """Some records of a collection failed; the others went through (SPEC §9)."""

    exit_code = 6
    title = "Some records failed"

    def __init__(self, failed: Sequence[tuple[str, str]], *, total: int) -> None:
        self.failed = tuple(failed)
        lines = "\n".join(f"  {key}: {reason}" for key, reason in self.failed)
        super().__init__(
            f"{len(self.failed)} of {total} records failed:\n{lines}",
            hint="the other records are done; run again to retry only what is left",
        )


# --- git -------------------------------------------------------------------------------------


class GitError(ZenodoPublishError):
    """Committing or pushing the record file failed."""

    exit_code = 5
    title = "Commit-back failed"


# --- mirrors ---------------------------------------------------------------------------------


class MirrorError(ZenodoPublishError):
    """A mirror (an S3-compatible bucket, SPEC §10) refused or could not be reached. The message
    names the mirror's manifest line; Zenodo's result of the same run stands."""

    exit_code = 7
    title = "Mirror failed"
