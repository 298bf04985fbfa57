"""The emulator over https (``--tls``) and the client trusting a private CA through
``REQUESTS_CA_BUNDLE``, as a user of an internal InvenioRDM would."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from zenodo_publish.emulator.server import EmulatorServer
from zenodo_publish.emulator.testing import READY_PREFIX
from zenodo_publish.emulator.tls import (
    TLSFiles,
    certificate_names,
    make_tls_files,
    server_context,
)
from zenodo_publish.errors import TransportError, UsageError
from zenodo_publish.zenodo.http import RetryPolicy, ZenodoSession, ca_bundle_from_environment

pytest.importorskip("trustme")


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"), certificate_names("127.0.0.1"))


@pytest.fixture(scope="module")
def tls_server(tls_files: TLSFiles) -> Iterator[EmulatorServer]:
    server = EmulatorServer(ssl_context=server_context(tls_files)).start()
    yield server
    server.stop()


@pytest.fixture
def no_ca_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    # This machine (and many CI images) export a system bundle; each test sets its own.
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def session_for(server: EmulatorServer, sleeps: list[float]) -> ZenodoSession:
    return ZenodoSession(
        server.api_url,
        server.token,
        retry=RetryPolicy(max_retries=3, base=1.0, cap=2.0),
        sleep=sleeps.append,
    )


def test_names_cover_the_bound_address_and_loopback() -> None:
    assert certificate_names("172.17.0.1", ["emulator"]) == (
        "172.17.0.1",
        "127.0.0.1",
        "localhost",
        "emulator",
    )
    assert certificate_names("0.0.0.0") == ("127.0.0.1", "localhost")


def test_files_are_pem_and_the_key_is_private(tls_files: TLSFiles) -> None:
    assert tls_files.ca_cert.read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert "-----BEGIN CERTIFICATE-----" in tls_files.server_cert.read_text()
    assert stat.S_IMODE(tls_files.server_key.stat().st_mode) == 0o600


def test_client_with_the_ca_bundle_talks_https(
    tls_server: EmulatorServer, tls_files: TLSFiles, no_ca_env: pytest.MonkeyPatch
) -> None:
    assert tls_server.api_url.startswith("https://127.0.0.1:")
    no_ca_env.setenv("REQUESTS_CA_BUNDLE", str(tls_files.ca_cert))
    session = session_for(tls_server, [])
    try:
        response = session.request("GET", "/records", idempotent=True)
    finally:
        session.close()
    assert response.status_code == 200
    assert "hits" in response.json()


def test_without_the_ca_bundle_a_clear_error_and_no_retry(
    tls_server: EmulatorServer, no_ca_env: pytest.MonkeyPatch
) -> None:
    sleeps: list[float] = []
    session = session_for(tls_server, sleeps)
    try:
        with pytest.raises(TransportError) as caught:
            session.request("GET", "/records", idempotent=True)
    finally:
        session.close()
    error = caught.value
    assert "TLS certificate verification failed" in error.message
    assert "unable to get local issuer certificate" in error.message
    assert error.hint is not None and "REQUESTS_CA_BUNDLE" in error.hint
    assert sleeps == []  # a certificate that fails once fails every time


def test_a_ca_bundle_that_does_not_exist_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.pem"
    with pytest.raises(UsageError, match=r"REQUESTS_CA_BUNDLE names .*nope\.pem"):
        ca_bundle_from_environment({"REQUESTS_CA_BUNDLE": str(missing)})
    assert ca_bundle_from_environment({"CURL_CA_BUNDLE": str(tmp_path)}) == str(tmp_path)
    assert ca_bundle_from_environment({}) is None


def test_command_line_prints_the_paths_and_serves_https(
    tmp_path: Path, no_ca_env: pytest.MonkeyPatch
) -> None:
    tls_dir = tmp_path / "tls"
    command = [
        sys.executable, "-m", "zenodo_publish", "emulator", "--port", "0", "--token",
        "emulator-token-123", "--tls", "--tls-dir", str(tls_dir), "--tls-name", "emulator",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in ("REQUESTS_CA_BUNDLE",)}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(7)]
        api_url = lines[0].removeprefix(READY_PREFIX)
        no_ca_env.setenv("REQUESTS_CA_BUNDLE", str(tls_dir / "ca.pem"))
        session = ZenodoSession(api_url, "emulator-token-123")
        try:
            status = session.request("GET", "/records", idempotent=True).status_code
        finally:
            session.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()
    assert lines[0].startswith(READY_PREFIX + "https://127.0.0.1:")
    assert lines[1] == "token: emulator-token-123"
    ca = tls_dir / "ca.pem"
    assert f"tls CA certificate: {ca} (clients: REQUESTS_CA_BUNDLE={ca})" in lines
    assert (
        f"tls server certificate: {tls_dir / 'server.pem'} (for 127.0.0.1, localhost, emulator)"
        in lines
    )
    assert status == 200


def test_tls_options_need_tls() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "zenodo_publish", "emulator", "--tls-dir", "x"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--tls-dir and --tls-name need --tls" in done.stderr
