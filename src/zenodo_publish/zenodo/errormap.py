"""Turn a Zenodo error response into a typed exception with a message a person can act on.

Error bodies come in three shapes (zenodo-api.md §2.1): InvenioRDM JSON with ``errors[].messages``
lists, the old legacy JSON with ``errors[].message`` strings, and HTML pages from the gateway
(502/504, some 413s). None of them is trusted to be JSON.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from zenodo_publish.errors import (
    AuthenticationError,
    FieldError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    ValidationRejected,
    ZenodoAPIError,
)
from zenodo_publish.redact import redact

_MAX_SERVER_TEXT = 300
_TAG = re.compile(r"<[^>]+>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_DROP_BLOCKS = re.compile(r"<(script|style|head)\b.*?</\1>", re.IGNORECASE | re.DOTALL)

_AUTH_HINT = (
    "check the token: it must be valid for this endpoint (sandbox and production tokens "
    "differ), carry the scopes deposit:write and deposit:actions, and belong to the owner "
    "of the record"
)


def safe_url(url: str) -> str:
    """``url`` without query string, fragment or user info: safe to print in any message."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def parse_field_errors(items: Any) -> tuple[FieldError, ...]:
    """``errors`` from a Zenodo body, in either the ``messages`` (list) or ``message`` (string)
    form. Entries of another shape are kept as text rather than dropped."""
    if not isinstance(items, list):
        return ()
    found: list[FieldError] = []
    for item in items:
        if not isinstance(item, dict):
            found.append(FieldError(field="", messages=(str(item),)))
            continue
        field = item.get("field")
        field_name = field if isinstance(field, str) else ""
        raw = item.get("messages", item.get("message"))
        if isinstance(raw, str):
            messages: tuple[str, ...] = (raw,)
        elif isinstance(raw, list):
            messages = tuple(str(m) for m in raw)
        elif isinstance(raw, dict):
            # Marshmallow sometimes nests by sub-field; flatten so nothing is lost.
            messages = tuple(f"{k}: {v}" for k, v in raw.items())
        else:
            messages = ()
        found.append(FieldError(field=field_name, messages=messages))
    return tuple(found)


def _readable_text(body: str) -> str:
    """A short one-line rendering of a non-JSON body (usually a gateway HTML page)."""
    title = _TITLE.search(body)
    text = title.group(1) if title else _TAG.sub(" ", _DROP_BLOCKS.sub(" ", body))
    text = " ".join(html.unescape(text).split())
    if len(text) > _MAX_SERVER_TEXT:
        text = text[: _MAX_SERVER_TEXT - 1] + "…"
    return text


def _decode_body(
    response: requests.Response,
) -> tuple[str | None, tuple[FieldError, ...], str | None]:
    """(server message, field errors, error id) from whatever the body holds."""
    text = response.text if response.content else ""
    parsed: Any = None
    if text.lstrip().startswith(("{", "[")):
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):
            parsed = None
    if isinstance(parsed, dict):
        message = parsed.get("message")
        server_message = str(message) if message is not None else None
        error_id = parsed.get("error_id")
        return (
            server_message,
            parse_field_errors(parsed.get("errors")),
            str(error_id) if error_id is not None else None,
        )
    readable = _readable_text(text) if text else ""
    return (readable or None), (), None


def _hint(status: int, server_message: str | None) -> str | None:
    lowered = (server_message or "").lower()
    if status in (401, 403):
        if "locked" in lowered:
            return (
                "the files of a published record cannot change; changed files need a new "
                "version (zenodo-publish opens one when the files differ)"
            )
        if "not enabled" in lowered:
            return "the draft has files disabled; send files.enabled: true in its metadata"
        return _AUTH_HINT
    if status == 404:
        return (
            "the record, draft or file does not exist at this endpoint, or no draft is open; "
            "check the record id in the record file and the endpoint (sandbox or production)"
        )
    if status == 410:
        return "the record was deleted on Zenodo; remove its entry from the record file"
    if status == 400:
        if "already exists" in lowered:
            return "a file with this name is already in the draft; delete it before uploading"
        return "fix the fields listed and run again"
    if status == 412:
        return "the draft was changed by someone else meanwhile; run again to re-read it"
    if status == 413:
        return "the request body is too large for Zenodo's gateway; Zenodo caps files at 50 GB"
    if status == 415:
        return "zenodo-publish sent a wrong Content-Type; please report this as a bug"
    if status == 429:
        return (
            "Zenodo's rate limit was hit (about 100 requests per minute per user agent and IP); "
            "wait a few minutes and run again"
        )
    if status >= 500:
        return (
            "Zenodo had a problem answering; run again later (a re-run resumes where this one "
            "stopped) and check https://status.zenodo.org if it persists"
        )
    return None


def _class_for(status: int, server_message: str | None) -> type[ZenodoAPIError]:
    lowered = (server_message or "").lower()
    if status == 403 and ("locked" in lowered or "not enabled" in lowered):
        # A 403 about the record's state, not about the token.
        return ZenodoAPIError
    if status in (401, 403):
        return AuthenticationError
    if status in (404, 410):
        return NotFoundError
    if status == 400:
        return ValidationRejected
    if status == 429:
        return RateLimitedError
    if status >= 500:
        return ServerError
    return ZenodoAPIError


def says_remove_all_files_first(error: ValidationRejected) -> bool:
    """InvenioRDM's refusal to import files into a draft that holds some already (400
    "Please remove all files first.", in the message or a field error): another run opened
    the same new version and imported first (zenodo-api.md §5.5)."""
    texts = [error.server_message or "", *(m for f in error.field_errors for m in f.messages)]
    return any("remove all files first" in text.lower() for text in texts)


def format_field_errors(field_errors: Sequence[FieldError]) -> str:
    lines = []
    for item in field_errors:
        text = "; ".join(item.messages) or "(no message)"
        lines.append(f"  - {item.field or '(record)'}: {text}")
    return "\n".join(lines)


def error_for_response(
    response: requests.Response,
    method: str,
    url: str,
    *,
    note: str | None = None,
    retries: int = 0,
) -> ZenodoAPIError:
    """The typed error for an error ``response`` to ``method url``. The message names the call
    (URL without query string), the status, Zenodo's message and each field error; every piece
    passes through :func:`redact` so that no credential can reach a log."""
    status = response.status_code
    server_message, field_errors, error_id = _decode_body(response)
    request_id = error_id or response.headers.get("X-Request-ID")
    reason = response.reason or ""
    where = f"{method} {safe_url(url)}"
    message = f"Zenodo answered {status} {reason}".rstrip() + f" to {where}"
    if server_message:
        message += f": {server_message}"
    if field_errors:
        message += "\n" + format_field_errors(field_errors)
    if note:
        message += f"\n{note}"
    if retries:
        message += f"\n(after {retries} retr{'y' if retries == 1 else 'ies'})"
    if request_id:
        message += f"\n(Zenodo error id {request_id})"
    cls = _class_for(status, server_message)
    return cls(
        redact(message),
        status=status,
        method=method,
        url=safe_url(url),
        server_message=redact(server_message) if server_message else None,
        field_errors=field_errors,
        request_id=request_id,
        hint=_hint(status, server_message),
    )
