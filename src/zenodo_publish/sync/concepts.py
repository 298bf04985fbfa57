"""One concept per dataset, under an eventually consistent search (issue 11).

Zenodo's search index lags writes by about a second. Two places depend on it:

* **After an ambiguous create** (a 5xx, a timeout or a reset after the POST was sent), the draft
  may exist without being searchable yet. :func:`find_patiently` searches for this dataset's
  draft by its marker with waits of :data:`SEARCH_WAITS` (7 s in all), which outlast the lag,
  before the caller creates a draft again. Bounded: a create that really failed costs 7 s once.
* **Runs that may race** (two workflow runs of one repository at once, the action's case): after
  creating a concept, the run waits :data:`SETTLE_SECONDS` and searches once for another draft
  of the same dataset. If there is one, two concepts exist: :func:`duplicate_error` stops the
  run before any upload, naming both drafts and the command that discards this run's one. A
  command-line run (one person, one run) skips this, so a first sync costs no extra request.

The waits go through the HTTP session's ``sleep``, so tests run them in virtual time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from zenodo_publish.errors import StateError
from zenodo_publish.zenodo.backend import Backend, RemoteRecord

#: Seconds waited before each search for a draft after an ambiguous create.
SEARCH_WAITS: tuple[float, ...] = (0.0, 1.0, 2.0, 4.0)
#: Seconds waited after creating a concept before looking for a concurrent one.
SETTLE_SECONDS = 2.0


def pause_of(backend: Backend) -> Callable[[float], None]:
    """The session's sleep (virtual in tests), or ``time.sleep``."""
    session = getattr(backend, "session", None)
    pause = getattr(session, "pause", None)
    return pause if callable(pause) else time.sleep


def find_patiently(
    search: Callable[[], RemoteRecord | None],
    pause: Callable[[float], None],
    waits: Sequence[float] = SEARCH_WAITS,
) -> RemoteRecord | None:
    """``search()`` until it finds something, waiting ``waits[i]`` before attempt ``i``."""
    for wait in waits:
        if wait > 0:
            pause(wait)
        found = search()
        if found is not None:
            return found
    return None


def duplicate_error(
    ours: RemoteRecord, others: Sequence[RemoteRecord], record_file: str
) -> StateError:
    listed = ", ".join(
        f"{other.id}" + (f" ({other.html_url})" if other.html_url else "") for other in others
    )
    return StateError(
        f"another run created a draft of this dataset at the same time as this run created draft "
        f"{ours.id}: there are now two concepts ({ours.id} and {listed}); nothing was uploaded",
        hint=f"keep one: `zenodo-publish discard` deletes this run's draft {ours.id} (the one "
        f"{record_file} names) and the next sync adopts the other; or delete draft "
        f"{others[0].id} on Zenodo and sync again. Give the workflow a `concurrency:` group so "
        "runs of one repository never overlap",
    )
