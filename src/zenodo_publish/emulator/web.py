"""Per-request plumbing shared by the RDM, legacy and control resources: the request context,
JSON bodies with Zenodo's 400/415 rules, content negotiation (§1.3) and JSON responses."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from zenodo_publish.emulator.serializers import Ctx, rdm_record, with_ui
from zenodo_publish.emulator.state import ApiError, Record, User
from zenodo_publish.emulator.zenodo_json import zenodo_record

if TYPE_CHECKING:
    from zenodo_publish.emulator.app import EmulatorApp
    from zenodo_publish.emulator.file_service import FileService
    from zenodo_publish.emulator.service import Service

RDM_JSON = "application/vnd.inveniordm.v1+json"
ZENODO_JSON = "application/vnd.zenodo.v1+json"
#: Offered on /api/records*; the first is the default, which is Zenodo JSON (§1.3).
RECORD_TYPES = ("application/json", ZENODO_JSON, RDM_JSON)
#: A JSON body larger than this is refused (413) instead of being read into memory.
MAX_JSON_BYTES = 16 * 1024 * 1024


def json_response(
    data: Any,
    status: int = 200,
    headers: dict[str, str] | None = None,
    mimetype: str = "application/json",
) -> Response:
    body = json.dumps(data, separators=(",", ":"))
    return Response(body, status=status, headers=headers, mimetype=mimetype)


def error_response(error: ApiError) -> Response:
    return json_response(error.body(), error.status, error.headers)


class CountingInput:
    """Wraps ``wsgi.input`` to count body bytes, and to drop the connection on a fault."""

    def __init__(
        self,
        raw: IO[bytes],
        drop_after: int | None = None,
        *,
        bandwidth: int | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.raw = raw
        self.count = 0
        self.drop_after = drop_after
        self.bandwidth = bandwidth
        self._clock = clock
        self._sleep = sleep
        self._started: float | None = None

    def _seen(self, n: int) -> None:
        self.count += n
        if self.bandwidth is not None and n:
            # Never ahead of `bandwidth` bytes per second since the body began.
            now = self._clock()
            if self._started is None:
                self._started = now
            due = self._started + self.count / self.bandwidth
            if due > now:
                self._sleep(due - now)
        if self.drop_after is not None and (self.count >= self.drop_after or n == 0):
            raise DroppedConnection(self.count)

    def read(self, size: int = -1) -> bytes:
        if self.drop_after is not None:
            budget = self.drop_after - self.count
            size = budget if size < 0 else min(size, max(budget, 0))
        data = self.raw.read(size) if size != 0 else b""
        self._seen(len(data))
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int = -1) -> bytes:
        data = self.raw.readline(size)
        self._seen(len(data))
        return data


class DroppedConnection(Exception):
    """Raised inside a handler when a drop fault's byte budget is reached."""

    def __init__(self, received: int) -> None:
        super().__init__(f"connection dropped after {received} bytes")
        self.received = received


@dataclass
class Call:
    """One API request: who sent it and what the handlers need to answer it."""

    request: Request
    app: EmulatorApp
    user: User | None
    ctx: Ctx

    @property
    def service(self) -> Service:
        return self.app.service

    @property
    def files(self) -> FileService:
        return self.app.files

    def json(self, *, default: Any = None) -> Any:
        """The JSON body; missing Content-Type means JSON, another type is a 415 (§1.3)."""
        mimetype = self.request.mimetype
        if mimetype and mimetype != "application/json":
            raise ApiError(415, "Invalid 'Content-Type' header. Expected one of: application/json.")
        length = self.request.content_length
        if length is not None and length > MAX_JSON_BYTES:
            raise ApiError(413, "The data value transmitted exceeds the capacity limit.")
        data = self.request.stream.read(MAX_JSON_BYTES + 1)
        if len(data) > MAX_JSON_BYTES:
            raise ApiError(413, "The data value transmitted exceeds the capacity limit.")
        if not data.strip():
            return default
        try:
            return json.loads(data)
        except ValueError:
            raise ApiError(400, "The request body is not valid JSON.") from None

    def octet_stream(self) -> None:
        """File content takes application/octet-stream or no Content-Type at all (§1.3)."""
        mimetype = self.request.mimetype
        if mimetype and mimetype != "application/octet-stream":
            raise ApiError(
                415, "Invalid 'Content-Type' header. Expected one of: application/octet-stream."
            )

    def negotiate(self) -> str:
        if not self.request.headers.get("Accept"):
            return RECORD_TYPES[0]
        best = self.request.accept_mimetypes.best_match(RECORD_TYPES)
        if best is None:
            raise ApiError(
                406, "Invalid 'Accept' header. Expected one of: " + ", ".join(RECORD_TYPES) + "."
            )
        return best

    def serialize(
        self, record: Record, *, draft: bool, errors: bool = False, mimetype: str | None = None
    ) -> dict[str, Any]:
        mimetype = mimetype or self.negotiate()
        if mimetype == RDM_JSON:
            return with_ui(rdm_record(self.ctx, record, draft=draft, errors=errors))
        return zenodo_record(self.ctx, record, draft=draft)

    def record(
        self, record: Record, status: int = 200, *, draft: bool, errors: bool = False
    ) -> Response:
        """A record or draft, negotiated, with its revision as ETag (§6.3)."""
        mimetype = self.negotiate()
        body = self.serialize(record, draft=draft, errors=errors, mimetype=mimetype)
        version = record.draft if draft else record.published
        assert version is not None
        return json_response(body, status, {"ETag": f'"{version.revision_id}"'}, mimetype)


Handler = Callable[..., Response]
