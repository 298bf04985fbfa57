"""The run's local files as the plan sees them, each hashed at most once per run (issue 15).

A file is hashed before the upload only when its md5 decides something: Zenodo holds a
completed file of the same name and size (:func:`~zenodo_publish.sync.plan.md5_decides`), or
the run shows a full plan (``plan``, ``--dry-run``). Every other file has to be uploaded
whatever its md5, so the upload hashes it on the way out and Zenodo's checksum is checked
against that md5 (``zenodo.uploads``); the md5 then stays known for the rest of the run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from zenodo_publish.errors import IntegrityError
from zenodo_publish.manifest.archive import md5_many
from zenodo_publish.manifest.files import LocalFile
from zenodo_publish.sync.plan import RemoteFileLike, WantedFile, md5_decides


class LocalFiles:
    def __init__(self, files: Sequence[LocalFile]) -> None:
        self.files = tuple(files)
        self._by_name = {f.name: f for f in self.files}

    def against(self, remote: Mapping[str, RemoteFileLike]) -> tuple[WantedFile, ...]:
        """The files to plan against ``remote``: hashed now where the comparison needs it."""
        self._hash(
            [
                f
                for f in self.files
                if f.digest.known is None and md5_decides(f.size, remote.get(f.name))
            ]
        )
        return self._wanted()

    def hashed(self) -> tuple[WantedFile, ...]:
        """Every file with its md5 (a plan that is shown, not applied, lists them all)."""
        self._hash([f for f in self.files if f.digest.known is None])
        return self._wanted()

    def learner(self, name: str) -> Callable[[str], None]:
        """Where the upload of ``name`` hands over the md5 it made of the file."""
        return self._by_name[name].digest.learn

    def _wanted(self) -> tuple[WantedFile, ...]:
        return tuple(WantedFile(f.name, f.size, f.digest.known, f.origin) for f in self.files)

    @staticmethod
    def _hash(files: Sequence[LocalFile]) -> None:
        for local, (md5, size) in zip(files, md5_many([f.source for f in files]), strict=True):
            if size != local.size:
                raise IntegrityError(
                    f"{local.origin} was {local.size} bytes when the run started and is "
                    f"{size} bytes now: it changed on disk during the run",
                    hint="do not change files while zenodo-publish runs; run again",
                )
            local.digest.learn(md5)
