"""The client against server answers that are wrong in every way we could think of: each gives
a typed ZenodoError whose message names the call, and an upload whose result cannot be trusted
is deleted from the draft again (nothing half-done)."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote

import pytest
import responses
from leakcheck import SWEEP_TOKEN

from zenodo_publish.errors import (
    IntegrityError,
    ServerError,
    UnexpectedResponseError,
    ZenodoError,
)
from zenodo_publish.zenodo import LegacyBackend, RDMBackend
from zenodo_publish.zenodo.backend import UploadSpec
from zenodo_publish.zenodo.http import RetryPolicy, ZenodoSession

HOST = "http://127.0.0.1:9"
BASE = f"{HOST}/api"
DATA = b"a,b\n1,2\n"
MD5 = hashlib.md5(DATA).hexdigest()
HTML = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


def record(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "7",
        "is_published": False,
        "is_draft": True,
        "parent": {"id": "6", "pids": {}},
        "pids": {},
        "versions": {"index": 1, "is_latest": True},
        "metadata": {"title": "t"},
        "access": {"record": "public", "files": "public"},
        "links": {"self_html": f"{HOST}/uploads/7"},
        "files": {
            "enabled": True,
            "entries": {"a.csv": {"key": "a.csv", "size": len(DATA), "checksum": f"md5:{MD5}"}},
        },
    }
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        target = body
        for part in parents:
            target = target[part]
        if value is _DROP:
            del target[last]
        else:
            target[last] = value
    return body


_DROP = object()


@pytest.fixture
def session() -> Iterator[ZenodoSession]:
    s = ZenodoSession(
        BASE, SWEEP_TOKEN, retry=RetryPolicy(max_retries=2), sleep=lambda _: None, jitter=lambda: 0
    )
    yield s
    s.close()


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def calls(mock: responses.RequestsMock) -> list[str]:
    return [
        f"{c.request.method} {(c.request.url or '').split('?')[0].removeprefix(HOST)}"
        for c in mock.calls
    ]


def body_of(value: Any) -> dict[str, Any]:
    return {"body": value} if isinstance(value, str) else {"json": value}


ENTRY = record()["files"]["entries"]["a.csv"]
DRAFT_ANSWERS: list[tuple[str, int, Any, type[ZenodoError]]] = [
    ("truncated JSON", 200, json.dumps(record())[:57], UnexpectedResponseError),
    ("empty body", 200, "", UnexpectedResponseError),
    ("HTML page with 200", 200, HTML, UnexpectedResponseError),
    ("HTML page with 502", 502, HTML, ServerError),
    ("JSON array", 200, [record()], UnexpectedResponseError),
    ("no id", 200, record(id=_DROP), UnexpectedResponseError),
    ("id is an object", 200, record(id={"x": 1}), UnexpectedResponseError),
    ("no files", 200, record(files=_DROP), UnexpectedResponseError),
    ("no files.entries", 200, record(files__entries=_DROP), UnexpectedResponseError),
    ("entries is a string", 200, record(files__entries="a.csv"), UnexpectedResponseError),
    ("an entry is a list", 200, record(files__entries={"a.csv": [1]}), UnexpectedResponseError),
    ("is_draft is a string", 200, record(is_draft="false"), UnexpectedResponseError),
    ("parent is a string", 200, record(parent="6"), UnexpectedResponseError),
    ("metadata is a list", 200, record(metadata=[["title", "t"]]), UnexpectedResponseError),
    ("versions is a list", 200, record(versions=[1]), UnexpectedResponseError),
    ("links is a string", 200, record(links="x"), UnexpectedResponseError),
    ("pids.doi is a string", 200, record(pids={"doi": "10.1/x"}), UnexpectedResponseError),
    ("access is a string", 200, record(access="open"), UnexpectedResponseError),
    ("versions.index is text", 200, record(versions={"index": "1"}), UnexpectedResponseError),
    (
        "md5 of the wrong length",
        200,
        record(files__entries={"a.csv": {**ENTRY, "checksum": "md5:abc123"}}),
        UnexpectedResponseError,
    ),
    (
        "md5 that is not hex",
        200,
        record(files__entries={"a.csv": {**ENTRY, "checksum": "md5:" + "z" * 32}}),
        UnexpectedResponseError,
    ),
    (
        "sha256 checksum",
        200,
        record(files__entries={"a.csv": {**ENTRY, "checksum": "sha256:" + "0" * 64}}),
        UnexpectedResponseError,
    ),
    (
        "negative size",
        200,
        record(files__entries={"a.csv": {**ENTRY, "size": -8}}),
        UnexpectedResponseError,
    ),
    (
        "completed file without checksum",
        200,
        record(files__entries={"a.csv": {"key": "a.csv", "size": 8, "status": "completed"}}),
        UnexpectedResponseError,
    ),
]


@pytest.mark.parametrize(
    ("status", "answer", "error"),
    [pytest.param(s, a, e, id=name) for name, s, a, e in DRAFT_ANSWERS],
)
def test_a_malformed_record_is_a_typed_error_naming_the_call(
    session: ZenodoSession,
    rsps: responses.RequestsMock,
    status: int,
    answer: Any,
    error: type[ZenodoError],
) -> None:
    rsps.get(f"{BASE}/records/7/draft", status=status, **body_of(answer))
    with pytest.raises(error) as raised:
        RDMBackend(session).read_draft("7")
    assert type(raised.value) is error
    assert "GET" in raised.value.message
    assert "/records/7/draft" in raised.value.message
    # Reads only: nothing was written on the way to the error.
    assert {c.split()[0] for c in calls(rsps)} == {"GET"}


def test_a_well_formed_record_passes_the_same_checks(
    session: ZenodoSession, rsps: responses.RequestsMock
) -> None:
    rsps.get(f"{BASE}/records/7/draft", json=record())
    draft = RDMBackend(session).read_draft("7")
    assert draft is not None and draft.files["a.csv"].md5 == MD5 and draft.concept_id == "6"


@pytest.mark.parametrize(
    "location",
    [
        "https://evil.example/api/records/8",
        "//evil.example/api/records/8",
        "http://127.0.0.1:9@evil.example/api/records/8",
        "https://127.0.0.1:9/api/records/8",  # another scheme is another origin
        "http://127.0.0.1:10/api/records/8",
    ],
)
def test_a_redirect_to_another_host_is_refused_without_following_it(
    session: ZenodoSession, rsps: responses.RequestsMock, location: str
) -> None:
    rsps.get(f"{BASE}/records/7/versions/latest", status=302, headers={"Location": location})
    with pytest.raises(UnexpectedResponseError) as raised:
        RDMBackend(session).read_latest("7")
    assert "outside" in raised.value.message
    assert calls(rsps) == ["GET /api/records/7/versions/latest"]


def spec() -> UploadSpec:
    return UploadSpec("a.csv", len(DATA), MD5, lambda: io.BytesIO(DATA))


RDM_FILES = f"{BASE}/records/7/draft/files"


def _rdm_upload(rsps: responses.RequestsMock, commit_answer: Callable[[], dict[str, Any]]) -> None:
    rsps.post(RDM_FILES, json={"entries": [{"key": "a.csv", "status": "pending"}]})
    rsps.put(f"{RDM_FILES}/a.csv/content", json={"key": "a.csv", "status": "pending"})
    rsps.post(f"{RDM_FILES}/a.csv/commit", **commit_answer())
    rsps.delete(f"{RDM_FILES}/a.csv", status=204)


COMMIT_ANSWERS: list[tuple[str, dict[str, Any], type[ZenodoError]]] = [
    ("wrong md5", {"json": {**ENTRY, "checksum": "md5:" + "0" * 32}}, IntegrityError),
    ("wrong size", {"json": {**ENTRY, "size": 9}}, IntegrityError),
    ("still pending", {"json": {**ENTRY, "status": "pending"}}, IntegrityError),
    ("md5 of the wrong length", {"json": {**ENTRY, "checksum": "md5:0f"}}, UnexpectedResponseError),
    ("sha256", {"json": {**ENTRY, "checksum": "sha256:" + "a" * 64}}, UnexpectedResponseError),
    ("truncated JSON", {"body": json.dumps(ENTRY)[:20]}, UnexpectedResponseError),
    ("HTML with 200", {"body": HTML}, UnexpectedResponseError),
    ("no key", {"json": {"size": 8, "checksum": f"md5:{MD5}"}}, UnexpectedResponseError),
]


@pytest.mark.parametrize(
    ("answer", "error"), [pytest.param(a, e, id=n) for n, a, e in COMMIT_ANSWERS]
)
def test_rdm_an_untrustworthy_commit_answer_deletes_the_file_again(
    session: ZenodoSession,
    rsps: responses.RequestsMock,
    answer: dict[str, Any],
    error: type[ZenodoError],
) -> None:
    _rdm_upload(rsps, lambda: answer)
    with pytest.raises(error) as raised:
        RDMBackend(session).upload_files("7", [spec()])
    assert "a.csv" in raised.value.message
    assert "/records/7/draft/files/a.csv/commit" in raised.value.message
    assert calls(rsps)[-1] == "DELETE /api/records/7/draft/files/a.csv"


def test_rdm_a_commit_answering_html_with_503_is_not_left_pending_silently(
    session: ZenodoSession, rsps: responses.RequestsMock
) -> None:
    """A 5xx commit is re-read (the commit is not idempotent); the file still pending after
    the retries is reported as a server error naming the call."""
    _rdm_upload(rsps, lambda: {"status": 503, "body": HTML})
    rsps.get(f"{RDM_FILES}/a.csv", json={**ENTRY, "status": "pending", "checksum": None})
    with pytest.raises(ServerError) as raised:
        RDMBackend(session).upload_files("7", [spec()])
    assert "/records/7/draft/files/a.csv/commit" in raised.value.message
    assert "502 Bad Gateway" in raised.value.message


def _legacy(session: ZenodoSession, rsps: responses.RequestsMock, bucket: str) -> LegacyBackend:
    deposition = {
        "id": 7,
        "state": "unsubmitted",
        "submitted": False,
        "metadata": {"title": "t"},
        "files": [],
        "links": {"bucket": bucket},
    }
    rsps.get(f"{BASE}/deposit/depositions/7", json=deposition)
    return LegacyBackend(session)


LEGACY_ANSWERS: list[tuple[str, dict[str, Any], type[ZenodoError]]] = [
    (
        "wrong md5",
        {"json": {"key": "a.csv", "size": 8, "checksum": "md5:" + "1" * 32}},
        IntegrityError,
    ),
    (
        "md5 too short",
        {"json": {"key": "a.csv", "size": 8, "checksum": "md5:12"}},
        UnexpectedResponseError,
    ),
    ("no checksum", {"json": {"key": "a.csv", "size": 8}}, UnexpectedResponseError),
    (
        "size is text",
        {"json": {"key": "a.csv", "size": "8", "checksum": f"md5:{MD5}"}},
        UnexpectedResponseError,
    ),
    ("HTML with 200", {"body": HTML}, UnexpectedResponseError),
    ("truncated JSON", {"body": '{"key": "a.csv", "si'}, UnexpectedResponseError),
]


@pytest.mark.parametrize(
    ("answer", "error"), [pytest.param(a, e, id=n) for n, a, e in LEGACY_ANSWERS]
)
def test_legacy_an_untrustworthy_bucket_answer_deletes_the_file_again(
    session: ZenodoSession,
    rsps: responses.RequestsMock,
    answer: dict[str, Any],
    error: type[ZenodoError],
) -> None:
    bucket = f"{BASE}/files/b-1"
    backend = _legacy(session, rsps, bucket)
    rsps.put(f"{bucket}/a.csv", **answer)
    rsps.delete(f"{bucket}/a.csv", status=204)
    with pytest.raises(error) as raised:
        backend.upload_files("7", [spec()])
    assert "/api/files/b-1/a.csv" in raised.value.message
    assert calls(rsps)[-2:] == ["PUT /api/files/b-1/a.csv", "DELETE /api/files/b-1/a.csv"]


def test_legacy_a_bucket_on_another_host_gets_no_bytes_and_no_token(
    session: ZenodoSession, rsps: responses.RequestsMock
) -> None:
    backend = _legacy(session, rsps, "https://evil.example/api/files/b-1")
    with pytest.raises(UnexpectedResponseError) as raised:
        backend.upload_files("7", [spec()])
    assert "outside" in raised.value.message
    assert calls(rsps) == ["GET /api/deposit/depositions/7"]


@pytest.mark.parametrize(
    "key", ["with space.csv", "x%2Fy.csv", "q?#&.csv", "Cafe\u0301.csv", "a\nb.csv", "..%2F..%2Fx"]
)
def test_hostile_names_are_escaped_into_one_path_segment(
    session: ZenodoSession, rsps: responses.RequestsMock, key: str
) -> None:
    seen: list[str] = []

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        seen.append(request.path_url)
        return 204, {}, ""

    rsps.add_callback("DELETE", re.compile(rf"{BASE}/records/7/draft/files/.*"), callback=answer)
    RDMBackend(session).delete_file("7", key)
    (path,) = seen
    tail = path.removeprefix("/api/records/7/draft/files/")
    assert "/" not in tail and "?" not in tail and "#" not in tail and "\n" not in tail
    assert unquote(tail) == key
