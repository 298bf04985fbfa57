"""Publication details that Zenodo's legacy metadata holds as flat keys (``journal_title``,
``conference_place``, ``imprint_isbn``, ``partof_title``, ``thesis_university``, ...) and that
InvenioRDM keeps in custom fields (``journal:journal``, ``meeting:meeting``,
``imprint:imprint``, ``thesis:thesis``), as zenodo-api.md §5.3 maps them.

In the canonical model they are ``(custom field, subfield, value)`` triples, in the order the
source gave them; the converters group them back into either shape. ``thesis_supervisors``
is not here: it becomes contributors with the role ``supervisor``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Detail = tuple[str, str, str]

#: Legacy key -> (InvenioRDM custom field, subfield).
LEGACY_TO_CUSTOM: dict[str, tuple[str, str]] = {
    "journal_title": ("journal:journal", "title"),
    "journal_volume": ("journal:journal", "volume"),
    "journal_issue": ("journal:journal", "issue"),
    "journal_pages": ("journal:journal", "pages"),
    "conference_title": ("meeting:meeting", "title"),
    "conference_acronym": ("meeting:meeting", "acronym"),
    "conference_dates": ("meeting:meeting", "dates"),
    "conference_place": ("meeting:meeting", "place"),
    "conference_url": ("meeting:meeting", "url"),
    "conference_session": ("meeting:meeting", "session"),
    "conference_session_part": ("meeting:meeting", "session_part"),
    "imprint_isbn": ("imprint:imprint", "isbn"),
    "imprint_place": ("imprint:imprint", "place"),
    "partof_title": ("imprint:imprint", "title"),
    "partof_pages": ("imprint:imprint", "pages"),
    "thesis_university": ("thesis:thesis", "university"),
}
CUSTOM_TO_LEGACY = {target: key for key, target in LEGACY_TO_CUSTOM.items()}


def custom_fields(details: Iterable[Detail]) -> dict[str, dict[str, Any]]:
    """``{"journal:journal": {"title": ..., "volume": ...}, ...}`` for the RDM draft body."""
    grouped: dict[str, dict[str, Any]] = {}
    for field_name, subfield, value in details:
        grouped.setdefault(field_name, {})[subfield] = value
    return grouped


def legacy_keys(details: Iterable[Detail]) -> dict[str, str]:
    """``{"journal_title": ..., ...}`` for the legacy deposit metadata."""
    return {
        CUSTOM_TO_LEGACY[(field_name, subfield)]: value
        for field_name, subfield, value in details
        if (field_name, subfield) in CUSTOM_TO_LEGACY
    }
