"""A local Zenodo: the InvenioRDM records API and the legacy deposit API over one state machine.

Run it with ``zenodo-publish emulator [--host H] [--port 0] [--data-dir DIR]
[--sandbox|--production]`` (first stdout line: ``zenodo-publish emulator listening on
http://127.0.0.1:PORT/api``, second: ``token: ...``), or from Python with
:func:`zenodo_publish.emulator.testing.running_emulator`, or in tests with the ``emulator``
fixture of :mod:`zenodo_publish.emulator.pytest_plugin`. Behaviour follows
``reference/zenodo-api.md`` (section numbers below refer to it).

Faithful (and checked against the stock InvenioRDM by ``make test-conformance``: the contract
tests of ``tests/conformance/test_contract.py`` run against both):

* RDM: drafts (create/read/update/delete), edit of a published record (same id and DOI, locked
  bucket: content upload and delete 403, adding a file 201), idempotent new versions (no files,
  no ``version``, empty ``pids``, today's ``publication_date``), files-import ("Please remove
  all files first."), publish with strict validation (title >= 3, creators, resource type,
  publication date, publisher, >= 1 committed file, no pending file: field ``files``), DOIs
  ``10.5072`` (sandbox) / ``10.5281`` (production) and concept DOIs on first publish,
  reserve/discard DOI, ``/versions``, ``/versions/latest`` (301), ``/api/user/records`` and
  ``/api/records`` search (``q`` with legacy field names, paging, sort, ``allversions``),
  three-step uploads with md5, a failed transfer (body broken off, content for a committed key)
  answered **200** with ``"errors": "File upload transfer failed."`` and the entry deleted,
  ``ETag``/``If-Match`` 412, content negotiation (``application/json`` = Zenodo JSON,
  ``vnd.inveniordm.v1+json`` = RDM JSON + ``ui``), lenient draft saves that report ``errors``
  (only in create and update answers: reading a draft, edit, new version and reserve-DOI do not
  validate again), ``files.enabled: false`` saved with an ``errors`` entry and files kept
  enabled (Zenodo allows no metadata-only records), vocabulary 400s ("Invalid value X.") against
  Zenodo's own 444 licences and InvenioRDM's languages fixture, 415 for wrong content types.
* Legacy: depositions, bucket PUT (overwrite), multipart with ``secure_filename``, file list and
  delete, publish/edit/discard/newversion with today's behaviour, PUT replacing all metadata
  with defaults, ``state``/``submitted``, ``prereserve_doi`` always 10.5281, ``links.bucket``
  absent from lists, 405 for sort and rename. The read-back follows zenodo-rdm's legacy
  serializer: licences through the inverse of Zenodo's legacy map (``bsd-2-clause`` ->
  ``bsd-2-clause-netbsd``), dates with a lower-case type and start/end only for an interval
  (start == end is stored as one date), communities as a set, grants ``<funder DOI>::<number>``
  (bare number for EC grants below 633000, FP7's), ``imprint_publisher`` from the record's
  publisher, ``software-x`` as ``software`` + ``software_type``, no geometry for a location at
  latitude or longitude 0, ``gnd:`` stripped, ``custom`` echoed.
* Limits: 100 files, 50 GB per draft and per file, empty files refused, 255-character keys
  (all configurable); Zenodo's error bodies; 403 for missing or unknown tokens.
* Rate limits: moving windows per token (guests by User-Agent + IP; ``rate_limit_key:
  useragent_ip`` for flask-limiter's default key everywhere), flask-limiter headers on every
  response, ``{"status": 429, "message": "100 per 1 minute"}``. ``upload_bandwidth`` throttles
  each connection's request body (bytes per second) for benchmarks.

Communities and their requests (review of a first version, inclusion of a published record,
curators' accept/decline through the control API): see :mod:`.communities`.

Where ``reference/zenodo-api.md`` is wrong (the real code, run in process, says otherwise):
new-version drafts *do* get a publication date (§5.5, §6.5, §8.16 say none); a failed content
upload is a 200, not a 400; adding a file to an edit draft is allowed; ``errors`` are not
re-computed on reads; ``files.enabled: false`` is a 200 with an error, not a 400.

Known divergences from the real InvenioRDM, with the reason:

* Search-backed endpoints (``/api/user/records``, ``/api/records?q=``, ``/versions``) are
  answered from the emulator's own index; the in-process InvenioRDM of the conformance suite
  has no OpenSearch and answers them with no hits, so they are not compared.
* Error messages of schema errors: InvenioRDM says "A validation error occurred." with the
  detail in ``errors``; the emulator does the same where the conformance suite checked it (file
  init) and keeps its own wording elsewhere.
* Record ids and DOIs are numeric (``10.5072/zenodo.123``) as on zenodo.org; stock InvenioRDM
  mints ``abcde-12345`` ids.
* Legacy API and communities: not part of stock InvenioRDM (zenodo-rdm's own code), so modelled
  from zenodo-rdm's source, not run side by side. FP7 grants are recognised by number (Zenodo
  looks the programme up in its awards vocabulary).

Deliberately not emulated: other request types (access, deletion, quota), OAI-PMH, DataCite
registration, extra formats, media files, quota increases and the file-modification grace
period, embargo lifting, tombstones (410), spam checks, the multipart (chunked) transfer type,
access links, HTML pages behind ``links.*_html``, persistence of records across restarts
(``--data-dir`` holds file bodies only). Validation drops invalid fields per top-level metadata
key (InvenioRDM can keep the valid part of a list).

Control API (no auth, loopback clients only, not rate limited, not logged), under
``/_emulator/``:

* ``GET health``; ``POST reset`` (everything back to the start; the default token stays);
  ``GET state`` (users, parents, records, drafts, files).
* ``GET log?since=N`` -> ``{"entries": [{index, time, method, path, query, status, bytes_in,
  bytes_out, user_agent, user, fault, latency, dropped}], "next": M, "connections_opened": C}``
  (C counts TCP connections accepted since start: connections persist, HTTP/1.1 keep-alive);
  ``DELETE log``.
* ``POST users`` ``{"email"?, "token"?}`` -> 201 ``{"id", "email", "token"}``; ``GET users``.
* ``GET config``; ``PATCH config`` with any of ``max_files``, ``quota_bytes``,
  ``max_file_bytes``, ``max_key_length``, ``multipart_max_bytes``, ``rate_limit_enabled``,
  ``rate_limit_user``, ``rate_limit_guest``, ``rate_limit_search``, ``index_delay``,
  ``max_page_size``, ``max_page_size_guest``, ``flavour``.
* ``POST faults`` ``{"method": "PUT"|"*", "path": "<regex>", "count": 1, "status":
  413|429|500|502|503|504, "when": "before"|"after", "format": "json"|"html"}`` or
  ``{"method", "path", "count", "drop_after_bytes": K}``; ``GET faults``; ``DELETE faults``.
* ``PUT latency`` ``{"fixed": s, "min": s, "max": s, "seed": n, "method", "path"}``;
  ``DELETE latency``.
* ``GET clock``; ``POST clock`` ``{"freeze": true|epoch, "advance": s, "unfreeze": true}``.
* ``POST communities`` ``{"slug", "title"?}`` -> 201 community; ``GET communities``.
* ``POST requests/<id>/accept`` or ``.../decline``: a curator's decision on a community request
  (accepting a review publishes the draft).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zenodo_publish.emulator.app import EmulatorApp
    from zenodo_publish.emulator.config import Clock, EmulatorConfig
    from zenodo_publish.emulator.server import EmulatorServer

__all__ = ["Clock", "EmulatorApp", "EmulatorConfig", "EmulatorServer"]

#: Loaded on first access (PEP 562): importing ``zenodo_publish.emulator.config`` for the CLI's
#: option list must not start up the web server's modules.
_LAZY = {
    "Clock": "zenodo_publish.emulator.config",
    "EmulatorConfig": "zenodo_publish.emulator.config",
    "EmulatorApp": "zenodo_publish.emulator.app",
    "EmulatorServer": "zenodo_publish.emulator.server",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
