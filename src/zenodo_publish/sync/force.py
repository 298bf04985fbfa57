"""``sync --force-upload [NAME ...]``: which files to upload again although Zenodo's md5 matches
(cartloader's ``--restart``), checked against the manifest before anything is sent."""

from __future__ import annotations

from collections.abc import Sequence

from zenodo_publish.errors import UsageError
from zenodo_publish.sync.plan import ForceUpload, WantedFile


def checked_force_upload(names: ForceUpload, wanted: Sequence[WantedFile]) -> ForceUpload:
    """``names`` when every one is a file the manifest selects; ``()`` (all files) stays ``()``.
    A name that is not selected is a usage error: forcing nothing by a typo would look like
    success."""
    if not names:
        return names
    known = {w.name for w in wanted}
    unknown = [name for name in names if name not in known]
    if unknown:
        listed = ", ".join(sorted(known)[:10])
        raise UsageError(
            f"--force-upload names {', '.join(unknown)}, which the manifest does not select",
            hint=f"give file names as uploaded to Zenodo (base names), e.g. {listed}",
        )
    return tuple(dict.fromkeys(names))


def parse_force_upload_input(value: str) -> ForceUpload:
    """The action input ``force_upload``: empty or ``false`` = none, ``true`` = every file,
    else file names separated by commas or new lines (a name may hold spaces)."""
    text = value.strip()
    if not text or text.lower() == "false":
        return None
    if text.lower() == "true":
        return ()
    names = (name.strip() for name in text.replace("\n", ",").split(","))
    return tuple(name for name in names if name)
