"""The one HTTP session to a Zenodo (or any InvenioRDM) API: headers, timeouts, retries, pacing.

Rules (SPEC §5.6, zenodo-api.md §2, §3, §7.6):

* The token travels only in ``Authorization: Bearer``; it is registered with the redactor
  before the first request, and URLs are printed without their query strings.
* Every call declares whether it is idempotent. Idempotent calls (GET, PUT draft, DELETE,
  content PUT before commit) are retried on 5xx and on connection errors, with exponential
  backoff and full jitter, a cap, and a bounded number of retries. Non-idempotent calls (POST
  create, file init, commit, new version, edit, publish) are never retried on 5xx or on a
  timeout: the error goes up and the caller re-reads the state first.
* A 429 means the request was not processed, so it is retried for any call after
  ``Retry-After`` (or ``X-RateLimit-Reset`` - now). The :class:`RatePacer` holds requests back
  before the budget runs out, counting the ones in flight.
* A streamed body is given as a callable that opens it, so a retry can send it again.
"""

from __future__ import annotations

import json as jsonlib
import logging
import os
import random
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
import requests.auth
from urllib3.exceptions import MaxRetryError, NewConnectionError

from zenodo_publish import __version__
from zenodo_publish.errors import TransportError, UnexpectedResponseError, UsageError
from zenodo_publish.netaddr import is_loopback_host
from zenodo_publish.redact import redact, register_secret
from zenodo_publish.zenodo.errormap import error_for_response, safe_url
from zenodo_publish.zenodo.ratelimit import RatePacer

log = logging.getLogger("zenodo_publish.http")

RDM_JSON = "application/vnd.inveniordm.v1+json"
PLAIN_JSON = "application/json"
OCTET_STREAM = "application/octet-stream"

ENDPOINTS: Mapping[str, str] = {
    "sandbox": "https://sandbox.zenodo.org/api",
    "production": "https://zenodo.org/api",
}

_RETRYABLE_STATUS = frozenset({500, 502, 503, 504})
#: Where a private CA's certificate is named, in requests' order of precedence.
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
_CA_HINT = (
    "if the server's certificate comes from a private certificate authority (an internal "
    "InvenioRDM, the emulator's --tls), set REQUESTS_CA_BUNDLE to that CA's certificate "
    "(a PEM file)"
)


def ca_bundle_from_environment(environ: Mapping[str, str] | None = None) -> str | None:
    """The CA bundle named by ``REQUESTS_CA_BUNDLE`` (or ``CURL_CA_BUNDLE``), checked to exist.

    Read here, not left to requests: requests only looks at the environment when it may also
    take proxies from it, which the session does not allow for loopback endpoints."""
    environ = os.environ if environ is None else environ
    for name in CA_BUNDLE_VARIABLES:
        value = environ.get(name, "").strip()
        if value:
            if not Path(value).exists():
                raise UsageError(
                    f"{name} names {value}, which does not exist",
                    hint="point it at the PEM file of the certificate authority to trust, or "
                    "unset it to use the default trust store",
                )
            return value
    return None


class Body(Protocol):
    """A request body read in chunks (a file, or a counting wrapper around one)."""

    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


BodyOpener = Callable[[], Body]


def api_base_url(endpoint: str) -> str:
    """The API base URL for ``sandbox``, ``production`` or an explicit ``https://.../api``."""
    return ENDPOINTS.get(endpoint, endpoint).rstrip("/")


def user_agent() -> str:
    """``zenodo-publish/<version> (+https://github.com/<repo>)``: Zenodo asks for a descriptive
    User-Agent and throttles the default python-requests one (zenodo-api.md §1.2)."""
    repository = os.environ.get("GITHUB_REPOSITORY", "").strip()
    url = f"https://github.com/{repository}" if repository else "https://github.com"
    return f"zenodo-publish/{__version__} (+{url})"


@dataclass(frozen=True)
class Timeouts:
    """Seconds. ``read`` bounds the wait between bytes, never the whole transfer, so a long
    upload is not cut off; ``upload_read`` covers the server's pause after the last byte."""

    connect: float = 10.0
    read: float = 60.0
    upload_read: float = 600.0


@dataclass(frozen=True)
class RetryPolicy:
    """``max_retries`` retries after the first attempt; backoff ``base * 2**(n-1)`` capped at
    ``cap`` with full jitter; a server asking for a wait longer than ``max_rate_limit_wait``
    is not waited for (the run fails with a clear message instead of sleeping for an hour)."""

    max_retries: int = 5
    base: float = 1.0
    cap: float = 30.0
    max_rate_limit_wait: float = 900.0


class ZenodoSession:
    """One ``requests.Session`` with Zenodo's headers, retry rules and pacing.

    ``sleep``, ``clock`` (epoch seconds) and ``jitter`` (uniform in [0, 1)) are injectable so
    tests never depend on wall time or randomness.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
        session: requests.Session | None = None,
    ) -> None:
        register_secret(token)
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.timeouts = timeouts or Timeouts()
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter
        self.pacer = RatePacer(clock)
        self.http = session or requests.Session()
        # Room for parallel upload threads without "connection pool is full" churn.
        adapter = _UploadAdapter(pool_connections=4, pool_maxsize=32)
        self.http.mount("https://", adapter)
        self.http.mount("http://", adapter)
        # Proxy and CA settings from the environment are honoured (self-hosted runners behind
        # a proxy), except for a loopback endpoint such as the emulator. The pass-through auth
        # keeps requests from consulting ~/.netrc, whose entry would replace the bearer token.
        self.http.trust_env = not is_loopback_host(urlsplit(self.base_url).hostname or "")
        ca_bundle = ca_bundle_from_environment()
        if ca_bundle is not None:
            self.http.verify = ca_bundle
        self.http.auth = _HeaderAuthOnly()
        self.http.headers["User-Agent"] = user_agent()
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        self.http.close()

    def url(self, path: str) -> str:
        """Absolute URL for an API path (``/records/1``) or an absolute link Zenodo gave us.
        A link to another host is refused: the token must never travel anywhere else."""
        if path.startswith(("http://", "https://")):
            if _origin(path) != _origin(self.base_url):
                raise UnexpectedResponseError(
                    f"Zenodo gave a link to {safe_url(path)}, outside {safe_url(self.base_url)}",
                    hint="the endpoint URL may be wrong (e.g. http instead of https, or a "
                    "different host name than the server uses for itself)",
                )
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    # -- the one request loop -----------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        accept: str = RDM_JSON,
        json: Any = None,
        body: BodyOpener | None = None,
        params: Mapping[str, str | int] | None = None,
        ok: Collection[int] = (200, 201, 202, 204),
        ok_after_retry: Collection[int] = (),
        allow_redirects: bool = False,
    ) -> requests.Response:
        """Send one call, retrying as the rules above allow, and return the final response.

        ``ok`` are the statuses returned as success (404 on reads is usually among them, so
        that the caller can say "absent"); any other status raises the typed error.
        ``ok_after_retry`` are statuses that count as success only on a retry (a DELETE that
        went through but whose answer was lost finds the thing gone the second time).
        """
        url = self.url(path)
        where = f"{method} {urlsplit(url).path}"
        headers = {"Accept": accept}
        data: Any = None
        if json is not None:
            headers["Content-Type"] = PLAIN_JSON
            data = jsonlib.dumps(json).encode("utf-8")
        if body is not None:
            headers["Content-Type"] = OCTET_STREAM
        timeout = (
            self.timeouts.connect,
            self.timeouts.upload_read if body is not None else self.timeouts.read,
        )
        retries = 0
        # Set once a retry follows an attempt the server may have processed.
        maybe_processed = False
        while True:
            self._wait_for_budget(where)
            stream: Body | None = None
            answered: requests.Response | None = None
            try:
                if body is not None:
                    # A stream with __len__ (or a real file) is sent with Content-Length.
                    stream = body()
                    data = stream
                response = answered = self.http.request(
                    method,
                    url,
                    headers=headers,
                    data=data,
                    params=params,
                    timeout=timeout,
                    allow_redirects=allow_redirects,
                    stream=True,
                )
                # Inside the try: a connection lost while the body arrives is a transport error.
                read_capped_body(response, f"{method} {safe_url(url)}")
            except requests.exceptions.SSLError as exc:
                # A certificate that fails verification will fail again: no retry.
                raise TransportError(
                    redact(f"{method} {safe_url(url)} failed: {_describe_tls(exc)}"),
                    hint=_CA_HINT,
                ) from None
            except requests.RequestException as exc:
                reason = _describe_transport(exc)
                safe = idempotent or _never_sent(exc)
                if safe and retries < self.retry.max_retries:
                    retries += 1
                    maybe_processed = maybe_processed or not _never_sent(exc)
                    delay = self._backoff(retries)
                    self._log_retry(retries, delay, reason, where)
                    self._sleep(delay)
                    continue
                tried = (
                    f" (after {retries} retr{'y' if retries == 1 else 'ies'})" if retries else ""
                )
                # `from None`: requests' exception text carries the full URL, query included.
                raise TransportError(
                    redact(f"{method} {safe_url(url)} failed: {reason}{tried}"),
                    hint=None
                    if idempotent
                    else "this call is not repeated automatically; run again to resume",
                ) from None
            finally:
                if stream is not None:
                    stream.close()
                self.pacer.release(answered.headers if answered is not None else None)

            status = response.status_code
            if status in ok or (maybe_processed and status in ok_after_retry):
                return response
            if status == 429:
                delay = self._rate_limit_delay(response)
                if retries < self.retry.max_retries and delay <= self.retry.max_rate_limit_wait:
                    retries += 1
                    self.pacer.penalise(self._clock() + delay)
                    self._log_retry(retries, delay, "429", where)
                    # The pacer makes this request (and every other thread) wait until then.
                    continue
                note = f"Zenodo asked to wait {delay:.0f} s" if delay > 0 else None
                raise error_for_response(response, method, url, note=note, retries=retries)
            if status in _RETRYABLE_STATUS and idempotent and retries < self.retry.max_retries:
                retries += 1
                maybe_processed = True
                delay = self._backoff(retries)
                advised = _retry_after_seconds(response, self._clock())
                if advised is not None and status == 503:
                    delay = min(max(delay, advised), self.retry.max_rate_limit_wait)
                self._log_retry(retries, delay, str(status), where)
                self._sleep(delay)
                continue
            raise error_for_response(response, method, url, retries=retries)

    def request_json(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        accept: str = RDM_JSON,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        """:meth:`request`, then the body as a JSON object (None for 204 and for 404/410 when
        those are allowed). A 2xx body that is not a JSON object raises
        :class:`UnexpectedResponseError`."""
        response = self.request(method, path, idempotent=idempotent, accept=accept, **kwargs)
        status = response.status_code
        if status == 204 or status >= 300:
            return None
        return parse_json_object(response, f"{method} {safe_url(response.url or '')}")

    # -- helpers --------------------------------------------------------------------------------

    def pause(self, seconds: float) -> None:
        """Wait ``seconds`` with the session's (injectable) sleep: waits for the server's search
        index to catch up (sync.concepts)."""
        self._sleep(seconds)

    def _wait_for_budget(self, where: str) -> None:
        """Sleep until the pacer lets this request start (it then counts as in flight)."""
        waited = 0.0
        while (wait := self.pacer.acquire()) > 0:
            if waited == 0.0:
                level = logging.INFO if wait >= 1 else logging.DEBUG
                log.log(level, "pacing: waiting %.1f s before %s (rate budget spent)", wait, where)
            waited += wait
            self._sleep(wait)

    def backoff_sleep(self, attempt: int) -> None:
        """Sleep the backoff for retry ``attempt`` (for callers that re-read state before
        repeating a non-idempotent call)."""
        self._sleep(self._backoff(attempt))

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.retry.cap, self.retry.base * 2.0 ** (attempt - 1))
        return ceiling * self._jitter()

    def _rate_limit_delay(self, response: requests.Response) -> float:
        now = self._clock()
        advised = _retry_after_seconds(response, now)
        if advised is not None:
            return advised
        reset = response.headers.get("X-RateLimit-Reset")
        if reset is not None:
            try:
                return max(0.0, float(reset) - now)
            except ValueError:
                pass
        # No hint at all: wait one full minute window, the unit of Zenodo's limits.
        return 60.0

    def _log_retry(self, attempt: int, delay: float, reason: str, where: str) -> None:
        log.warning(
            "retry %d of %d after %.1f s: %s from %s",
            attempt,
            self.retry.max_retries,
            delay,
            reason,
            where,
        )


#: The largest answer body read from the server (JSON or an error page). Zenodo's biggest real
#: answers (a search page of 100 records with their files) are a few MiB; a body past this is
#: refused while it streams in, before it can exhaust memory.
MAX_BODY_BYTES = 32 * 1024 * 1024


def read_capped_body(response: requests.Response, call: str) -> None:
    """Read the streamed body of ``response`` into it (``.content``, ``.json()`` work as usual),
    refusing more than :data:`MAX_BODY_BYTES` with :class:`UnexpectedResponseError`."""
    declared = response.headers.get("Content-Length", "")
    too_big = UnexpectedResponseError(
        f"{call} answered {response.status_code} with a body over "
        f"{MAX_BODY_BYTES // (1024 * 1024)} MiB; it was not read",
        hint="the endpoint is probably not a Zenodo or InvenioRDM API; check the endpoint URL",
    )
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        response.close()
        raise too_big
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_content(chunk_size=64 * 1024):
        total += len(chunk)
        if total > MAX_BODY_BYTES:
            response.close()
            raise too_big
        chunks.append(chunk)
    response._content = b"".join(chunks)  # what requests itself stores for a non-streamed body


def decode_json(response: requests.Response, call: str) -> Any:
    """The body as JSON; not JSON, or nested too deeply for the parser (RecursionError), is
    :class:`UnexpectedResponseError`."""
    try:
        return jsonlib.loads(response.content)
    except (ValueError, RecursionError):
        raise UnexpectedResponseError(
            f"{call} answered {response.status_code} with a body that is not JSON (or is "
            "nested too deeply to read)",
            hint="Zenodo or a proxy in between sent an unexpected page; run again later",
        ) from None


def parse_json_object(response: requests.Response, call: str) -> dict[str, Any]:
    """The body of a 2xx answer as a JSON object, or :class:`UnexpectedResponseError`."""
    parsed = decode_json(response, call)
    if not isinstance(parsed, dict):
        raise UnexpectedResponseError(
            f"{call} answered {response.status_code} with JSON that is not an object"
        )
    return parsed


#: Bytes read from an upload body per socket send. urllib3's default (16 KiB) costs a Python
#: read, an md5 update and a send call per 16 KiB: at 1 MiB the client spends about half the
#: system time per GiB (``make bench``, row 3). Memory: one block per upload thread.
UPLOAD_BLOCK_SIZE = 1024 * 1024


class _UploadAdapter(requests.adapters.HTTPAdapter):
    """The pooled adapter, sending streamed bodies in :data:`UPLOAD_BLOCK_SIZE` blocks."""

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        pool_kwargs.setdefault("blocksize", UPLOAD_BLOCK_SIZE)
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        proxy_kwargs.setdefault("blocksize", UPLOAD_BLOCK_SIZE)
        return super().proxy_manager_for(proxy, **proxy_kwargs)


class _HeaderAuthOnly(requests.auth.AuthBase):
    """The Authorization header set on the session is the only credential sent."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower().rsplit("@", 1)[-1]


def _retry_after_seconds(response: requests.Response, now: float) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def _describe_tls(exc: requests.exceptions.SSLError) -> str:
    """The TLS failure in a few words; requests' own text repeats the whole URL."""
    text = str(exc)
    for marker in ("certificate verify failed: ", "SSL: "):
        if marker in text:
            detail = text.split(marker, 1)[1].split("(_ssl", 1)[0].split("')", 1)[0]
            detail = detail.rstrip(" ()'\"")
            if marker.startswith("certificate"):
                return f"TLS certificate verification failed: {detail}"
            return f"TLS handshake failed: {detail}"
    return "TLS handshake failed"


def _describe_transport(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):
        return f"timed out ({type(exc).__name__})"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed or was reset"
    return type(exc).__name__


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request certainly never reached the server, so even a non-idempotent
    call may be sent again: the connection was refused or could not be set up in time."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        return isinstance(reason, NewConnectionError)
    return False
