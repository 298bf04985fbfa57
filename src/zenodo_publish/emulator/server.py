"""Serving the emulator: werkzeug's threaded WSGI server, in a thread or in the foreground.

Connections persist (HTTP/1.1 keep-alive) as on real servers, so that a client's connection
reuse shows in tests and benchmarks (over TLS each new connection costs round trips). werkzeug's
own handler closes every connection, because Python's ``http.server`` does not read what the
application left of a request body before it parses the next request line;
:class:`KeepAliveHandler` does that reading itself, and closes the connection only when the
rest is too large to be worth reading, the body is chunked, the client asked to close, or an
injected fault dropped the connection.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wsgi import LimitedStream

from zenodo_publish.emulator.app import EmulatorApp
from zenodo_publish.emulator.config import EmulatorConfig

#: Unread request body the server still reads and drops to keep a connection open; beyond
#: this (an upload refused early, say) the connection is closed instead, as nginx does.
DRAIN_LIMIT = 4 * 1024 * 1024


class _AfterResponseGuard:
    """The handler's ``rfile`` as werkzeug sees it. After a response, werkzeug reads whatever
    the socket holds to discard an unread body, which on a persistent connection would eat the
    next request; once the response headers are out, ``read`` gives nothing (``readline``, which
    parses the next request, and the body stream the application reads are not affected)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.response_started = False

    def read(self, size: int = -1) -> bytes:
        if self.response_started:
            return b""
        return bytes(self.stream.read(size))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


class KeepAliveHandler(WSGIRequestHandler):
    """werkzeug's request handler with persistent connections (see the module docstring)."""

    protocol_version = "HTTP/1.1"
    _body: LimitedStream | None = None

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: with Nagle's algorithm on, a kept-alive
        # connection waits for the client's delayed ACK (about 40 ms) on every answer.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._guard = _AfterResponseGuard(self.rfile)
        self.rfile = self._guard  # type: ignore[assignment]
        app = getattr(self.server, "app", None)
        if isinstance(app, EmulatorApp):
            app.note_connection()

    def end_headers(self) -> None:
        self._guard.response_started = True
        super().end_headers()

    def make_environ(self) -> Any:
        self._guard.response_started = False
        environ = super().make_environ()
        self._body = None
        if not environ.get("wsgi.input_terminated"):
            # A body with a Content-Length: wrap it so what the app leaves unread is known.
            length = int(environ.get("CONTENT_LENGTH") or 0)
            self._body = LimitedStream(self._guard.stream, length)
            environ["wsgi.input"] = self._body
            environ["wsgi.input_terminated"] = True
        return environ

    def _unread(self) -> int | None:
        body = self._body
        if body is None:
            return None
        return max(0, body.limit - body._pos)

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "connection" and value.lower() == "close" and self._can_keep():
            return  # werkzeug closes every connection; this one stays open
        super().send_header(keyword, value)

    def _can_keep(self) -> bool:
        unread = self._unread()
        return not self.close_connection and unread is not None and unread <= DRAIN_LIMIT

    def run_wsgi(self) -> None:
        super().run_wsgi()
        if self.close_connection or self.connection.fileno() == -1:
            self.close_connection = True
            return
        unread = self._unread()
        if unread is None or unread > DRAIN_LIMIT:
            self.close_connection = True
            return
        try:
            while unread > 0:
                chunk = self._guard.stream.read(min(unread, 64 * 1024))
                if not chunk:
                    self.close_connection = True
                    return
                unread -= len(chunk)
        except (OSError, ValueError):
            self.close_connection = True


class QuietHandler(KeepAliveHandler):
    """No access log on stderr: the control API's request log is the record."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class EmulatorServer:
    """An emulator bound to ``host:port`` (port 0 picks a free one)."""

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        default_token: str | None = None,
        access_log: bool = False,
        ssl_context: ssl.SSLContext | None = None,
        public_host: str | None = None,
    ) -> None:
        self.app = EmulatorApp(config, default_token=default_token)
        handler = KeepAliveHandler if access_log else QuietHandler
        self.server: BaseWSGIServer = make_server(
            host, port, self.app, threaded=True, request_handler=handler, ssl_context=ssl_context
        )
        self.host = host
        self.port = int(self.server.socket.getsockname()[1])
        # The host in links: what clients connect to (behind a port forward, a container
        # network's gateway, ...), else the bound address.
        shown = public_host or ("127.0.0.1" if host in ("0.0.0.0", "") else host)
        scheme = "https" if ssl_context is not None else "http"
        self.app.base_url = f"{scheme}://{shown}:{self.port}"
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return self.app.base_url

    @property
    def api_url(self) -> str:
        return self.app.api_url

    @property
    def token(self) -> str:
        return self.app.default_token

    def start(self) -> EmulatorServer:
        """Serve from a daemon thread; returns at once."""
        # A short poll interval keeps stop() (and so each test's own emulator) fast.
        self._thread = threading.Thread(
            target=self.server.serve_forever,
            args=(0.05,),
            name=f"zenodo-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        if self._thread is not None:
            # shutdown() waits for serve_forever to return, so only call it when it runs.
            self.server.shutdown()
            self._thread.join(timeout=10)
        self.server.server_close()
        self.app.close()
