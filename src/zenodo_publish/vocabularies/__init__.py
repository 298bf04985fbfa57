"""Zenodo's controlled vocabularies, as package data, for the manifest checks, the legacy
read-back normalisation and the emulator alike (one copy of each list).

* ``zenodo_licenses.txt``: the 444 licence ids zenodo.org accepts (zenodo-rdm's own list, which
  replaces InvenioRDM's SPDX list on Zenodo).
* ``legacy_to_rdm_map.json``: the legacy deposit API's licence id -> RDM licence id. Zenodo reads
  licences back through its inverse, built the way zenodo-rdm builds it (a dict comprehension,
  so of several legacy ids mapping to one RDM id the last one wins).
* ``languages.json``: InvenioRDM's languages fixture (ISO 639-3 id -> ISO 639-1 id or "", English
  name), which Zenodo uses unchanged.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


def _text(name: str) -> str:
    return resources.files("zenodo_publish.vocabularies").joinpath(name).read_text("utf-8")


@cache
def zenodo_licenses() -> dict[str, str]:
    """Licence id -> English title, in Zenodo's order."""
    found: dict[str, str] = {}
    for line in _text("zenodo_licenses.txt").splitlines():
        if line and not line.startswith("#"):
            licence_id, _, title = line.partition("\t")
            found[licence_id] = title
    return found


@cache
def legacy_to_rdm() -> dict[str, str]:
    """Legacy licence id -> RDM licence id (what the legacy API accepts and maps)."""
    loaded: dict[str, str] = json.loads(_text("legacy_to_rdm_map.json"))
    return loaded


@cache
def rdm_to_legacy_map() -> dict[str, str]:
    return {rdm: legacy for legacy, rdm in legacy_to_rdm().items()}


def rdm_to_legacy(rdm_id: str) -> str:
    """The licence id Zenodo's legacy API reads back for an RDM id (``bsd-2-clause`` ->
    ``bsd-2-clause-netbsd``); ids without a legacy entry come back unchanged."""
    return rdm_to_legacy_map().get(rdm_id, rdm_id)


@cache
def languages() -> dict[str, tuple[str, str]]:
    """ISO 639-3 id -> (ISO 639-1 id or "", English name)."""
    loaded = json.loads(_text("languages.json"))["languages"]
    return {code: (str(pair[0]), str(pair[1])) for code, pair in loaded.items()}


@cache
def languages_by_alpha2() -> dict[str, str]:
    return {alpha2: code for code, (alpha2, _name) in languages().items() if alpha2}
