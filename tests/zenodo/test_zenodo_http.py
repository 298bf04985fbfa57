"""The session's headers and the mapping of error answers to typed exceptions."""

from __future__ import annotations

import io
from typing import Any

import pytest
import responses

from zenodo_publish.errors import (
    AuthenticationError,
    FieldError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
    ValidationRejected,
    ZenodoAPIError,
)
from zenodo_publish.zenodo import api_base_url, make_backend, user_agent
from zenodo_publish.zenodo.http import ZenodoSession

BASE = "http://127.0.0.1:9/api"
TOKEN = "tok-SECRET-1234567890"


def test_headers_on_a_json_call(rsps: responses.RequestsMock, session: ZenodoSession) -> None:
    rsps.post(f"{BASE}/records", status=201, json={"ok": True})
    session.request_json("POST", "/records", idempotent=False, json={"a": 1})
    request = rsps.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Accept"] == "application/vnd.inveniordm.v1+json"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"].startswith("zenodo-publish/")
    assert "python-requests" not in request.headers["User-Agent"]
    assert TOKEN not in (request.url or "")
    assert request.body == b'{"a": 1}'


def test_headers_on_a_content_upload(rsps: responses.RequestsMock, session: ZenodoSession) -> None:
    rsps.put(f"{BASE}/records/1/draft/files/a.csv/content", status=200, json={})
    session.request(
        "PUT",
        "/records/1/draft/files/a.csv/content",
        idempotent=True,
        body=lambda: io.BytesIO(b"hello"),
    )
    request = rsps.calls[0].request
    assert request.headers["Content-Type"] == "application/octet-stream"
    assert request.headers["Content-Length"] == "5"
    assert request.body == b"hello"


def test_a_get_sends_no_content_type(rsps: responses.RequestsMock, session: ZenodoSession) -> None:
    rsps.get(f"{BASE}/deposit/depositions/1", json={})
    session.request("GET", "/deposit/depositions/1", idempotent=True, accept="application/json")
    request = rsps.calls[0].request
    assert "Content-Type" not in request.headers
    assert request.headers["Accept"] == "application/json"


def test_user_agent_names_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_REPOSITORY", "octo/data")
    assert user_agent().endswith("(+https://github.com/octo/data)")
    monkeypatch.delenv("GITHUB_REPOSITORY")
    assert user_agent().endswith("(+https://github.com)")


def test_endpoint_names_resolve() -> None:
    assert api_base_url("sandbox") == "https://sandbox.zenodo.org/api"
    assert api_base_url("production") == "https://zenodo.org/api"
    assert api_base_url("https://rdm.example.org/api/") == "https://rdm.example.org/api"


def test_make_backend_registers_the_token_before_any_request() -> None:
    from zenodo_publish.redact import redact

    backend = make_backend(BASE, "rdm", "another-secret-token")
    assert backend.name == "rdm"
    assert redact("x another-secret-token y") == "x *** y"
    with pytest.raises(ValueError, match="unknown api"):
        make_backend(BASE, "soap", None)


def test_links_to_other_hosts_are_refused(session: ZenodoSession) -> None:
    with pytest.raises(UnexpectedResponseError, match="outside"):
        session.url("https://evil.example.org/api/files/abc")
    assert session.url(f"{BASE}/files/abc") == f"{BASE}/files/abc"


# --- error mapping ------------------------------------------------------------------------------


def _fail(rsps: responses.RequestsMock, session: ZenodoSession, status: int, **kw: object):
    rsps.put(f"{BASE}/records/7/draft", status=status, **kw)  # type: ignore[arg-type]
    with pytest.raises(ZenodoAPIError) as info:
        session.request("PUT", "/records/7/draft", idempotent=False, json={})
    return info.value


def test_400_with_messages_lists(rsps: responses.RequestsMock, session: ZenodoSession) -> None:
    error = _fail(
        rsps,
        session,
        400,
        json={
            "status": 400,
            "message": "A validation error occurred.",
            "errors": [
                {
                    "field": "metadata.creators.0.person_or_org.family_name",
                    "messages": ["Family name cannot be blank."],
                }
            ],
        },
    )
    assert isinstance(error, ValidationRejected)
    assert error.status == 400
    assert error.server_message == "A validation error occurred."
    assert error.field_errors == (
        FieldError(
            "metadata.creators.0.person_or_org.family_name", ("Family name cannot be blank.",)
        ),
    )
    assert "metadata.creators.0.person_or_org.family_name: Family name cannot be blank." in str(
        error
    )
    assert "PUT http://127.0.0.1:9/api/records/7/draft" in str(error)


def test_400_with_old_message_strings(rsps: responses.RequestsMock, session: ZenodoSession) -> None:
    error = _fail(
        rsps,
        session,
        400,
        json={
            "status": 400,
            "message": "Validation error",
            "errors": [{"field": "metadata.license", "message": "Invalid license provided: x"}],
        },
    )
    assert error.field_errors == (FieldError("metadata.license", ("Invalid license provided: x",)),)


@pytest.mark.parametrize("status", [401, 403])
def test_auth_errors_say_what_to_check(
    rsps: responses.RequestsMock, session: ZenodoSession, status: int
) -> None:
    error = _fail(rsps, session, status, json={"status": status, "message": "Permission denied."})
    assert isinstance(error, AuthenticationError)
    assert error.hint is not None
    for needle in ("deposit:write", "deposit:actions", "sandbox and production"):
        assert needle in error.hint


def test_403_bucket_locked_is_not_blamed_on_the_token(
    rsps: responses.RequestsMock, session: ZenodoSession
) -> None:
    error = _fail(
        rsps, session, 403, json={"status": 403, "message": "Bucket is locked for modifications."}
    )
    assert not isinstance(error, AuthenticationError)
    assert error.hint is not None and "new version" in error.hint


@pytest.mark.parametrize("status", [404, 410])
def test_not_found_and_gone(
    rsps: responses.RequestsMock, session: ZenodoSession, status: int
) -> None:
    error = _fail(rsps, session, status, json={"status": status, "message": "not here"})
    assert isinstance(error, NotFoundError)
    assert error.status == status


def test_html_gateway_page(rsps: responses.RequestsMock, session: ZenodoSession) -> None:
    page = (
        "<html><head><title>504 Gateway Time-out</title><style>b{}</style></head>"
        "<body><center><h1>504 Gateway Time-out</h1></center><hr>nginx</body></html>"
    )
    error = _fail(rsps, session, 504, body=page, content_type="text/html")
    assert isinstance(error, ServerError)
    assert error.status == 504
    assert error.server_message == "504 Gateway Time-out"
    assert "<" not in str(error)


def test_html_413_without_title(rsps: responses.RequestsMock, session: ZenodoSession) -> None:
    error = _fail(
        rsps,
        session,
        413,
        body="<html><body><h1>413 Request Entity Too Large</h1></body></html>",
        content_type="text/html",
    )
    assert type(error) is ZenodoAPIError
    assert error.server_message == "413 Request Entity Too Large"
    assert error.hint is not None and "50 GB" in error.hint


def test_broken_json_error_body(rsps: responses.RequestsMock, session: ZenodoSession) -> None:
    error = _fail(rsps, session, 500, body='{"status": 500, "mess', content_type="application/json")
    assert isinstance(error, ServerError)
    assert error.server_message == '{"status": 500, "mess'


def test_error_id_is_kept(rsps: responses.RequestsMock, session: ZenodoSession) -> None:
    error = _fail(
        rsps, session, 500, json={"status": 500, "message": "Internal error", "error_id": "abc123"}
    )
    assert error.request_id == "abc123"
    assert "abc123" in str(error)


def test_429_after_retries_is_rate_limited(
    rsps: responses.RequestsMock, session: ZenodoSession
) -> None:
    rsps.get(
        f"{BASE}/records/7",
        status=429,
        headers={"Retry-After": "5000"},
        json={"status": 429, "message": "100 per 1 minute"},
    )
    with pytest.raises(RateLimitedError) as info:
        session.request("GET", "/records/7", idempotent=True)
    assert "wait 5000 s" in str(info.value)
    assert len(rsps.calls) == 1  # more than max_rate_limit_wait: not waited for


def test_2xx_with_a_non_json_body(rsps: responses.RequestsMock, session: ZenodoSession) -> None:
    rsps.get(f"{BASE}/records/7/draft", body="<html>maintenance</html>", status=200)
    with pytest.raises(UnexpectedResponseError, match="not JSON"):
        session.request_json("GET", "/records/7/draft", idempotent=True)
    rsps.get(f"{BASE}/records/8/draft", json=[1, 2], status=200)
    with pytest.raises(UnexpectedResponseError, match="not an object"):
        session.request_json("GET", "/records/8/draft", idempotent=True)


def test_secrets_never_reach_exception_text(
    rsps: responses.RequestsMock, session: ZenodoSession
) -> None:
    # A server that echoes what it got, and a URL that (wrongly) carries the token.
    rsps.get(
        f"{BASE}/records/7",
        status=403,
        json={
            "status": 403,
            "message": f"bad token {TOKEN}",
            "errors": [{"field": "t", "messages": [TOKEN]}],
        },
    )
    with pytest.raises(AuthenticationError) as info:
        session.request("GET", f"/records/7?access_token={TOKEN}", idempotent=True)
    error = info.value
    assert TOKEN not in str(error)
    assert TOKEN not in error.url
    assert TOKEN not in (error.server_message or "")
    assert "access_token" not in str(error)


def test_transport_errors_have_no_url_query(
    rsps: responses.RequestsMock, session: ZenodoSession
) -> None:
    import requests

    rsps.post(f"{BASE}/records", body=requests.ReadTimeout(f"read timeout ?x={TOKEN}"))
    with pytest.raises(TransportError) as info:
        session.request("POST", f"/records?access_token={TOKEN}", idempotent=False, json={})
    assert TOKEN not in str(info.value)
    assert "timed out" in str(info.value)


def test_environment_proxies_apply_except_to_loopback() -> None:
    remote = ZenodoSession("https://sandbox.zenodo.org/api", None)
    local = ZenodoSession(BASE, None)
    assert remote.http.trust_env and not local.http.trust_env


def test_netrc_never_replaces_the_bearer_token(
    rsps: responses.RequestsMock, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine zenodo.test login someone password other\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    s = ZenodoSession("https://zenodo.test/api", TOKEN)
    assert s.http.trust_env
    rsps.get("https://zenodo.test/api/records/1", json={})
    s.request("GET", "/records/1", idempotent=True)
    assert rsps.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"
