"""The WSGI application: routing, authentication, rate limiting, faults and the request log.

Order for an API request: latency -> authenticate -> rate limit -> a "before" fault -> the
handler -> an "after" fault -> rate-limit headers -> log. Control calls skip all of it.
"""

from __future__ import annotations

import contextlib
import copy
import secrets
import shutil
import socket
import struct
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response

from zenodo_publish.emulator import communities, control, legacy, rdm
from zenodo_publish.emulator.config import EmulatorConfig, parse_limits
from zenodo_publish.emulator.faults import JSON_MESSAGES, Fault, Faults, error_id, gateway_html
from zenodo_publish.emulator.file_service import FileService
from zenodo_publish.emulator.files import BlobStore
from zenodo_publish.emulator.ratelimit import Decision, RateLimiter
from zenodo_publish.emulator.requestlog import RequestLog
from zenodo_publish.emulator.serializers import Ctx
from zenodo_publish.emulator.service import Service
from zenodo_publish.emulator.state import ApiError, Store, User
from zenodo_publish.emulator.web import (
    Call,
    CountingInput,
    DroppedConnection,
    error_response,
    json_response,
)

#: Handlers that read a request body of any size: they must not run under the state lock.
STREAMING = frozenset({rdm.put_content, legacy.upload_multipart, legacy.put_object})

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


class EmulatorApp:
    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        default_token: str | None = None,
        base_url: str = "",
    ) -> None:
        self.config = config or EmulatorConfig()
        self._initial_config = copy.deepcopy(self.config.public())
        self._initial_sleep = self.config.sleep
        self.base_url = base_url
        if self.config.data_dir:
            self.data_dir = Path(self.config.data_dir)
            self._owns_data_dir = False
        else:
            self.data_dir = Path(tempfile.mkdtemp(prefix="zenodo-emulator-"))
            self._owns_data_dir = True
        self.store = Store()
        self.blobs = BlobStore(self.data_dir)
        self.service = Service(self.store, self.config, self.blobs)
        self.files = FileService(self.service)
        self.limiter = RateLimiter(self.config.clock)
        self.faults = Faults()
        self.log = RequestLog()
        #: TCP connections accepted since the start (control API: ``GET log``'s
        #: ``connections_opened``); with keep-alive, a client that reuses connections opens few.
        self.connections_opened = 0
        self._connections_lock = threading.Lock()
        self.default_token = default_token or secrets.token_urlsafe(24)
        self.default_user = self.store.add_user("default@emulator.invalid", self.default_token)
        # Rules bind to one Map, and several apps may live in one process: copy them.
        self.api_map = Map(
            [r.empty() for r in rdm.RULES + legacy.RULES + communities.RULES],
            strict_slashes=False,
        )
        self.control_map = Map([r.empty() for r in control.RULES + communities.CONTROL_RULES])

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api"

    def reset(self) -> None:
        """Back to a fresh start: no records, only the default user, initial settings."""
        with self.store.lock:
            self.store.reset()
            self.default_user = self.store.add_user("default@emulator.invalid", self.default_token)
            self.blobs.clear()
            self.config.update(copy.deepcopy(self._initial_config))
            self.config.clock.restore()
            self.config.sleep = self._initial_sleep
            self.faults.reset()
            self.limiter.reset()
            self.log.clear()

    def note_connection(self) -> None:
        with self._connections_lock:
            self.connections_opened += 1

    def close(self) -> None:
        if self._owns_data_dir:
            shutil.rmtree(self.data_dir)

    # --- WSGI ------------------------------------------------------------------------------

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith("/_emulator/"):
            return self._control(Request(environ))(environ, start_response)
        response = self._api(environ)
        return response(environ, start_response)

    def _control(self, request: Request) -> Response:
        if not control.is_loopback(request.remote_addr):
            return json_response(
                {"status": 403, "message": "The control API only answers loopback clients."}, 403
            )
        try:
            endpoint, values = self.control_map.bind_to_environ(request.environ).match()
            return endpoint(self, request, **values)  # type: ignore[no-any-return]
        except ApiError as error:
            return error_response(error)
        except HTTPException as error:
            return json_response(
                {"status": error.code, "message": error.description}, error.code or 500
            )

    def _api(self, environ: WSGIEnvironment) -> Response:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        delay = self.faults.delay_for(method, path)
        if delay > 0:
            self.config.sleep(delay)
        fault = self.faults.take(method, path)
        counter = CountingInput(
            environ["wsgi.input"],
            fault.drop_after_bytes if fault is not None else None,
            bandwidth=self.config.upload_bandwidth,
            clock=self.config.clock.now,
            sleep=self.config.sleep,
        )
        environ["wsgi.input"] = counter
        request = Request(environ)
        user = self._authenticate(request)
        decision = self._rate_limit(request, user)
        fault_name = None
        try:
            if fault is not None and fault.drop_after_bytes is not None and not _has_body(environ):
                # No body to count: the connection drops before the request is processed.
                raise DroppedConnection(0)
            if decision is not None and not decision.allowed:
                response = json_response({"status": 429, "message": str(decision.limit)}, 429)
            elif fault is not None and fault.status is not None and fault.when == "before":
                response, fault_name = self._fault_response(fault, decision)
            else:
                response = self._dispatch(request, user)
                if fault is not None and fault.status is not None:
                    response, fault_name = self._fault_response(fault, decision)
        except DroppedConnection:
            self._log(request, None, counter.count, 0, user, delay, "drop", dropped=True)
            self._drop(environ)
            raise ConnectionAbortedError("connection dropped by an injected fault") from None
        if decision is not None and not (fault_name and "html" in fault_name):
            response.headers.update(decision.headers(self.config.clock.now()))
        out = response.calculate_content_length() or 0
        self._log(request, response.status_code, counter.count, out, user, delay, fault_name)
        return response

    def _authenticate(self, request: Request) -> User | None:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else None
        # An unknown token is not an error by itself: the request continues as anonymous and
        # the permission layer answers 403 where it matters (§1.2).
        return self.store.user_for_token(token or request.args.get("access_token"))

    def _rate_limit(self, request: Request, user: User | None) -> Decision | None:
        config = self.config
        if not config.rate_limit_enabled:
            return None
        if request.method == "GET" and request.path.rstrip("/") == "/api/records":
            scope, limits = "search", config.rate_limit_search
        else:
            scope = "default"
            limits = config.rate_limit_user if user else config.rate_limit_guest
        if user is not None and config.rate_limit_key == "token":
            key = f"{scope}|user {user.id}"
        else:
            key = f"{scope}|{request.user_agent.string}{request.remote_addr}"
        return self.limiter.hit(key, parse_limits(limits))

    def _dispatch(self, request: Request, user: User | None) -> Response:
        ctx = Ctx(self.service, self.base_url or request.host_url.rstrip("/"))
        call = Call(request, self, user, ctx)
        try:
            endpoint, values = self.api_map.bind_to_environ(request.environ).match()
            if endpoint in STREAMING:
                # Bodies stream in without the state lock; the handler takes it to store.
                return endpoint(call, **values)  # type: ignore[no-any-return]
            with self.store.lock:
                return endpoint(call, **values)  # type: ignore[no-any-return]
        except ApiError as error:
            return error_response(error)
        except HTTPException as error:
            code = error.code or 500
            return json_response({"status": code, "message": error.description}, code)

    def _fault_response(self, fault: Fault, decision: Decision | None) -> tuple[Response, str]:
        status = fault.status
        assert status is not None
        name = f"{status}-{fault.format}-{fault.when}"
        if fault.format == "html":
            return Response(gateway_html(status), status, mimetype="text/html"), name
        body: dict[str, Any] = {"status": status}
        if status == 429:
            body["message"] = str(decision.limit) if decision else "100 per 1 minute"
        else:
            body["message"] = JSON_MESSAGES[status]
        if status >= 500:
            body["error_id"] = error_id()
        return json_response(body, status), name

    def _log(
        self,
        request: Request,
        status: int | None,
        bytes_in: int,
        bytes_out: int,
        user: User | None,
        latency: float,
        fault: str | None,
        dropped: bool = False,
    ) -> None:
        self.log.append(
            time=self.config.clock.now(),
            method=request.method,
            path=request.path,
            query=request.query_string.decode("latin-1"),
            status=status,
            bytes_in=bytes_in,
            bytes_out=bytes_out,
            user_agent=request.user_agent.string,
            user=user.id if user else None,
            fault=fault,
            latency=latency,
            dropped=dropped,
        )

    @staticmethod
    def _drop(environ: WSGIEnvironment) -> None:
        """Close the client's socket mid-body: a reset, as a broken network gives."""
        sock = environ.get("werkzeug.socket")
        if isinstance(sock, socket.socket):
            # Linger 0 makes the final close send RST instead of a graceful FIN.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _has_body(environ: WSGIEnvironment) -> bool:
    """Whether the request carries a body (a Content-Length above 0, or chunked)."""
    length = str(environ.get("CONTENT_LENGTH") or "").strip()
    chunked = "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()
    return chunked or (length.isdigit() and int(length) > 0)
