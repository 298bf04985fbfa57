"""The upload body stream and the bounded parallel runner."""

from __future__ import annotations

import io
from typing import Any

import pytest
import responses

from zenodo_publish.errors import IntegrityError, ZenodoError
from zenodo_publish.zenodo import LegacyBackend, RDMBackend, UploadSpec
from zenodo_publish.zenodo.http import ZenodoSession
from zenodo_publish.zenodo.uploads import PROGRESS_STEP, UploadStream, run_bounded


def test_stream_reports_progress_in_steps_and_at_the_end(make_spec: Any) -> None:
    data = b"x" * (2 * PROGRESS_STEP + 10)
    seen: list[int] = []
    stream = UploadStream(make_spec("big.bin", data), lambda k, n, t: seen.append(n))
    assert len(stream) == len(data)
    while stream.read(1024 * 1024):
        pass
    stream.check_sent()
    # 0 first: the start of the attempt, the reporter's baseline for rate and time left.
    assert seen == [0, PROGRESS_STEP, 2 * PROGRESS_STEP, len(data)]


def test_stream_notices_a_file_that_shrank(make_spec: Any) -> None:
    spec = make_spec("a", b"12345")
    shrunk = UploadSpec(spec.key, spec.size, spec.md5, lambda: io.BytesIO(b"123"))
    stream = UploadStream(shrunk, None)
    stream.read(10)
    with pytest.raises(IntegrityError, match="shrank"):
        stream.read(10)


def test_stream_notices_a_file_that_grew(make_spec: Any) -> None:
    spec = make_spec("a", b"12")
    grown = UploadSpec(spec.key, spec.size, spec.md5, lambda: io.BytesIO(b"12345"))
    with pytest.raises(IntegrityError, match="grew"):
        UploadStream(grown, None).read(10)


def test_run_bounded_keeps_order_and_raises_the_first_failure(make_spec: Any) -> None:
    specs = [make_spec(f"f{i}", b"x") for i in range(6)]
    assert run_bounded(specs, lambda s: s.key, 3) == [s.key for s in specs]

    def work(s: UploadSpec) -> str:
        if s.key == "f2":
            raise ZenodoError("boom")
        return s.key

    with pytest.raises(ZenodoError, match="boom"):
        run_bounded(specs, work, 2)


def test_legacy_has_no_separate_import(session: ZenodoSession) -> None:
    legacy = LegacyBackend(session)
    with pytest.raises(ZenodoError, match="newversion imports"):
        legacy.import_files("1")


def test_legacy_reserves_the_doi_through_the_records_api(
    rsps: responses.RequestsMock, session: ZenodoSession
) -> None:
    """prereserve_doi is only a prediction: the reservation goes to the records API endpoint
    of the same record, and the deposition is read back with its reserved DOI."""
    rsps.post("http://127.0.0.1:9/api/records/7/draft/pids/doi", status=201, json={"id": "7"})
    deposition = {
        "id": 7,
        "state": "unsubmitted",
        "submitted": False,
        "doi": "10.5072/zenodo.7",
        "metadata": {"prereserve_doi": {"doi": "10.5281/zenodo.7", "recid": 7}},
        "files": [],
        "links": {"bucket": "http://127.0.0.1:9/api/files/b"},
    }
    rsps.get("http://127.0.0.1:9/api/deposit/depositions/7", json=deposition)
    assert LegacyBackend(session).reserve_doi("7").doi == "10.5072/zenodo.7"


def test_rdm_reserve_doi(rsps: responses.RequestsMock, session: ZenodoSession) -> None:
    body = {
        "id": "7",
        "is_published": False,
        "is_draft": True,
        "pids": {"doi": {"identifier": "10.5072/zenodo.7", "provider": "datacite"}},
        "files": {"enabled": True, "entries": {}},
    }
    rsps.post("http://127.0.0.1:9/api/records/7/draft/pids/doi", status=201, json=body)
    assert RDMBackend(session).reserve_doi("7").doi == "10.5072/zenodo.7"


def test_the_upload_stream_does_not_hash_again(
    make_spec: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """md5 once per file per run: the scan's digest is checked against Zenodo's after the
    upload, so sending a body must not compute another one."""
    import hashlib

    def no_md5(*args: object, **kwargs: object) -> None:
        raise AssertionError("the upload stream computed an md5")

    data = b"y" * (3 * 1024 * 1024 + 7)
    spec = make_spec("a.bin", data)
    monkeypatch.setattr(hashlib, "md5", no_md5)
    stream = UploadStream(spec, None)
    while stream.read(1024 * 1024):
        pass
    stream.check_sent()
    assert stream.sent == len(data)


def test_an_upload_without_an_md5_hashes_what_it_sends_and_hands_it_over() -> None:
    import hashlib

    from zenodo_publish.zenodo.uploads import StreamOpener

    data = b"0123456789" * 1000
    learned: list[str] = []
    spec = UploadSpec("a.bin", len(data), None, lambda: io.BytesIO(data), learned.append)
    opener = StreamOpener(spec, None)
    first = opener()
    first.read(3000)  # an attempt that broke off: its bytes do not count
    stream = opener()
    while stream.read(4096):
        pass
    md5 = opener.check_sent()
    assert md5 == hashlib.md5(data).hexdigest()
    assert learned == []  # only once Zenodo's checksum matched
    opener.confirmed(md5)
    assert learned == [md5]


def test_an_upload_with_an_md5_does_not_hash_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from zenodo_publish import checksum
    from zenodo_publish.zenodo.uploads import StreamOpener

    def no_md5() -> object:
        raise AssertionError("hashed twice")

    monkeypatch.setattr(checksum, "new_md5", no_md5)
    learned: list[str] = []
    spec = UploadSpec("a.bin", 3, "A" * 32, lambda: io.BytesIO(b"abc"), learned.append)
    opener = StreamOpener(spec, None)
    stream = opener()
    while stream.read(2):
        pass
    assert opener.check_sent() == "a" * 32  # the given md5, compared in lower case
    opener.confirmed("a" * 32)
    assert learned == []
