"""Both backends end to end against the local emulator (loopback only): create a draft, upload two
files, publish, open a new version, change a file, publish again."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from typing import Any

import pytest

from zenodo_publish.emulator.testing import EmulatorHandle
from zenodo_publish.errors import PublishOutcomeUnknown
from zenodo_publish.zenodo import LegacyBackend, RDMBackend, UploadSpec
from zenodo_publish.zenodo.http import ZenodoSession

A, B, B2 = b"col\n1\n2\n", b"\x00\x01binary", b"\x00\x01binary, changed"

RDM_BODY: dict[str, Any] = {
    "metadata": {
        "resource_type": {"id": "dataset"},
        "title": "Numbers",
        "publication_date": "2026-05-01",
        "creators": [
            {"person_or_org": {"type": "personal", "given_name": "Ada", "family_name": "Lovelace"}}
        ],
        "publisher": "Zenodo",
        "version": "1.0",
        "rights": [{"id": "cc-by-4.0"}],
    },
    "files": {"enabled": True},
    "access": {"record": "public", "files": "public"},
}

LEGACY_METADATA: dict[str, Any] = {
    "upload_type": "dataset",
    "title": "Numbers",
    "creators": [{"name": "Lovelace, Ada"}],
    "description": "Some numbers.",
    "publication_date": "2026-05-01",
    "license": "cc-by-4.0",
    "version": "1.0",
}


def spec(key: str, data: bytes) -> UploadSpec:
    return UploadSpec(key, len(data), hashlib.md5(data).hexdigest(), lambda: io.BytesIO(data))


@pytest.fixture
def session(emulator: EmulatorHandle) -> Iterator[ZenodoSession]:
    sleeps: list[float] = []
    s = ZenodoSession(emulator.api_url, emulator.token, sleep=sleeps.append)
    yield s
    s.close()


def _requests_since(emulator: EmulatorHandle, start: int) -> list[str]:
    entries, _ = emulator.control.log_page(since=start)
    return [f"{e['method']} {e['path']}" for e in entries]


def test_rdm_backend_against_the_emulator(emulator: EmulatorHandle, session: ZenodoSession) -> None:
    rdm = RDMBackend(session)
    draft = rdm.create_draft(RDM_BODY)
    assert draft.is_draft and not draft.is_published and draft.field_errors == ()
    stored = rdm.upload_files(draft.id, [spec("a.csv", A), spec("b.bin", B)], parallel=2)
    assert [f.status for f in stored] == ["completed", "completed"]

    _, mark = emulator.control.log_page()
    again = rdm.read(draft.id)
    assert again is not None and set(again.files) == {"a.csv", "b.bin"}
    assert len(_requests_since(emulator, mark)) == 1  # a draft read carries its files

    first = rdm.publish(draft.id)
    assert first.is_published and first.doi and first.concept_doi and first.is_latest

    new = rdm.new_version(first.id)
    assert new.id != first.id and new.concept_id == first.concept_id
    assert {k: f.md5 for k, f in new.files.items()} == {
        "a.csv": hashlib.md5(A).hexdigest(),
        "b.bin": hashlib.md5(B).hexdigest(),
    }
    assert rdm.new_version(first.id).id == new.id  # the existing draft comes back

    rdm.delete_file(new.id, "b.bin")
    rdm.upload_files(new.id, [spec("b.bin", B2)])
    body = {**RDM_BODY, "metadata": {**RDM_BODY["metadata"], "version": "2.0"}}
    assert rdm.update_draft(new.id, body).field_errors == ()
    second = rdm.publish(new.id)
    assert second.version == "2.0" and second.is_latest
    assert second.files["b.bin"].md5 == hashlib.md5(B2).hexdigest()
    assert rdm.read_latest(first.id).id == second.id
    assert [v.id for v in rdm.list_versions(first.id)] == [second.id, first.id]


def test_legacy_backend_against_the_emulator(
    emulator: EmulatorHandle, session: ZenodoSession
) -> None:
    legacy = LegacyBackend(session)
    draft = legacy.create_draft({"metadata": LEGACY_METADATA})
    legacy.upload_files(draft.id, [spec("a.csv", A), spec("b.bin", B)])
    first = legacy.publish(draft.id)
    assert first.is_published and not first.is_draft and first.doi

    new = legacy.new_version(first.id)
    assert new.id != first.id and set(new.files) == {"a.csv", "b.bin"}
    # A second newversion answers 400 "Please remove all files first."; the draft is found.
    assert legacy.new_version(first.id).id == new.id

    stored = legacy.upload_files(new.id, [spec("b.bin", B2)])  # the bucket PUT overwrites
    assert stored[0].md5 == hashlib.md5(B2).hexdigest()
    legacy.update_draft(new.id, {"metadata": {**LEGACY_METADATA, "version": "2.0"}})
    second = legacy.publish(new.id)
    assert second.version == "2.0"
    assert second.files["b.bin"].md5 == hashlib.md5(B2).hexdigest()
    assert legacy.read_latest(first.id).id == second.id


def test_a_publish_that_went_through_but_answered_504(
    emulator: EmulatorHandle, session: ZenodoSession
) -> None:
    rdm = RDMBackend(session)
    draft = rdm.create_draft(RDM_BODY)
    rdm.upload_files(draft.id, [spec("a.csv", A)])
    emulator.control.inject("/actions/publish$", status=504, when="after", format="html")
    _, mark = emulator.control.log_page()
    with pytest.raises(PublishOutcomeUnknown):
        rdm.publish(draft.id)
    assert len(_requests_since(emulator, mark)) == 1  # never repeated
    record = rdm.read_record(draft.id)
    assert record is not None and record.is_published


def test_rdm_content_answered_200_with_errors_is_a_failed_upload_and_is_resent(
    emulator: EmulatorHandle, session: ZenodoSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """inveniordm-real.md §3.2: InvenioRDM answers a failed transfer with 200, ``errors`` in the
    body, and deletes the entry. Taking that 200 for success made the commit 404 ("content 200,
    then commit 404"); the client now initialises the key again and resends the content."""
    from zenodo_publish.emulator import file_service

    real = file_service.FileService.set_content
    failures = {"left": 1}

    def failing_once(self: Any, *args: Any, **kwargs: Any) -> Any:
        if failures["left"]:
            failures["left"] -= 1
            raise file_service.TransferFailed("the body broke off")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(file_service.FileService, "set_content", failing_once)
    backend = RDMBackend(session)
    draft = backend.create_draft(RDM_BODY)
    start = emulator.control.log_page(0)[1]
    (stored,) = backend.upload_files(draft.id, [spec("a.csv", A)])
    assert stored.status == "completed" and stored.md5 == hashlib.md5(A).hexdigest()
    calls = _requests_since(emulator, start)
    assert [c.split(" ", 1)[0] for c in calls] == ["POST", "PUT", "POST", "PUT", "POST"], calls
    again = backend.read_draft(draft.id)
    assert again is not None and again.files["a.csv"].status == "completed"
