"""Offline checks of controlled values: vocabularies, person identifiers, identifiers, dates.

Zenodo answers an unknown vocabulary id with a bare 400 long after the upload started; checking
here, with a did-you-mean, turns that into a message at the right line before any network call.
The vocabularies are package data files (``data/``), so the checks need no network.

Each check returns the normalised value (or None when nothing is wrong) and an :class:`Issue`
when the value is refused; the callers attach the place in the file.
"""

from __future__ import annotations

import datetime
import difflib
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from zenodo_publish.vocabularies import languages, languages_by_alpha2, zenodo_licenses


@dataclass(frozen=True)
class Issue:
    """Why a value is refused and what to do instead."""

    message: str
    hint: str | None = None


def _data_text(name: str) -> str:
    return resources.files("zenodo_publish.manifest").joinpath("data", name).read_text("utf-8")


@cache
def _vocabularies() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(_data_text("vocabularies.json"))
    return loaded


def vocabulary(name: str) -> tuple[str, ...]:
    """One of ``resource_types``, ``relation_types``, ``identifier_schemes``,
    ``person_identifier_schemes``, ``contributor_roles``, ``date_types``, ``licenses``,
    ``languages``."""
    if name == "licenses":
        return licenses()
    if name == "languages":
        return tuple(languages())
    return tuple(_vocabularies()[name])


@cache
def licenses() -> tuple[str, ...]:
    lines = _data_text("licenses.txt").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@cache
def _license_set() -> frozenset[str]:
    return frozenset(licenses())


def did_you_mean(value: str, candidates: tuple[str, ...] | list[str], what: str) -> str:
    close = difflib.get_close_matches(value, candidates, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(repr(c) for c in close) + "?"
    return f"use one of the {what} ids listed in `zenodo-publish schema`"


def check_vocabulary(value: str, name: str, what: str) -> tuple[str, Issue | None]:
    """Lower-case ``value`` (ids are lower case) and check it against vocabulary ``name``."""
    normalised = value.strip().lower()
    allowed = vocabulary(name)
    if normalised in allowed:
        return normalised, None
    return normalised, Issue(f"unknown {what} {value!r}", did_you_mean(normalised, allowed, what))


#: Spellings people copy from the legacy API, GitHub's .zenodo.json or SPDX expressions.
LICENSE_ALIASES = {
    "cc-zero": "cc0-1.0",
    "cc0": "cc0-1.0",
    "cc-by": "cc-by-4.0",
    "cc-by-sa": "cc-by-sa-4.0",
    "cc-by-nc": "cc-by-nc-4.0",
    "cc-by-nd": "cc-by-nd-4.0",
    "cc-by-nc-sa": "cc-by-nc-sa-4.0",
    "cc-by-nc-nd": "cc-by-nc-nd-4.0",
    "mit-license": "mit",
    "apache2.0": "apache-2.0",
    "apache-license-2.0": "apache-2.0",
    "bsd-license": "bsd-3-clause",
}


def check_license(value: str) -> tuple[str, Issue | None]:
    """Licenses are lower-case SPDX ids in InvenioRDM; ``MIT`` and ``CC-BY-4.0`` are accepted
    and lower-cased (StepUp and CITATION.cff write them that way)."""
    normalised = value.strip().lower()
    if normalised in _license_set():
        return normalised, None
    if normalised in LICENSE_ALIASES:
        return LICENSE_ALIASES[normalised], None
    return normalised, Issue(
        f"unknown license {value!r}", did_you_mean(normalised, licenses(), "license")
    )


#: SPDX ids SPDX itself deprecated in favour of an exact equivalent (GPL-3.0 *is* GPL-3.0-only).
#: CITATION.cff files carry them often; Zenodo knows only the new spelling.
SPDX_DEPRECATED_EQUIVALENTS = {
    **{
        f"{family}-{version}": f"{family}-{version}-only"
        for family, versions in (
            ("gpl", ("1.0", "2.0", "3.0")),
            ("lgpl", ("2.0", "2.1", "3.0")),
            ("agpl", ("1.0", "3.0")),
            ("gfdl", ("1.1", "1.2", "1.3")),
        )
        for version in versions
    },
    **{
        f"{family}-{version}+": f"{family}-{version}-or-later"
        for family, versions in (
            ("gpl", ("1.0", "2.0", "3.0")),
            ("lgpl", ("2.0", "2.1", "3.0")),
            ("agpl", ("1.0", "3.0")),
            ("gfdl", ("1.1", "1.2", "1.3")),
        )
        for version in versions
    },
}


def check_zenodo_license(value: str) -> Issue | None:
    """Zenodo (sandbox and production) accepts only its own 444 licence ids and answers any other
    with 400 ``Invalid value ...`` at the first save; other InvenioRDM sites keep SPDX. ``value``
    is already normalised by :func:`check_license`."""
    known = zenodo_licenses()
    if value in known:
        return None
    candidates = [c for c in known if c.startswith(value + "-")]
    if candidates:
        hint = "Zenodo spells it " + " or ".join(repr(c) for c in candidates[:3])
    else:
        hint = did_you_mean(value, list(known), "license").replace(
            "use one of the license ids listed in `zenodo-publish schema`",
            "use one of the licence ids Zenodo lists at https://zenodo.org/api/vocabularies/licenses",
        )
    return Issue(f"Zenodo does not know the license {value!r}", hint)


def check_language(value: str) -> tuple[str, Issue | None]:
    """InvenioRDM's languages fixture (ISO 639-3 ids, as Zenodo has them); a two-letter ISO
    639-1 id is mapped to its 639-3 equivalent."""
    normalised = value.strip().lower()
    by_alpha2 = languages_by_alpha2()
    if len(normalised) == 2 and normalised in by_alpha2:
        return by_alpha2[normalised], None
    if normalised in languages():
        return normalised, None
    candidates = list(languages()) if len(normalised) == 3 else list(by_alpha2)
    return normalised, Issue(
        f"unknown language {value!r}",
        "use an ISO 639-3 id such as 'eng' or an ISO 639-1 id such as 'en'; "
        + did_you_mean(normalised, candidates, "language"),
    )


# --- person and organisation identifiers -----------------------------------------------------


def iso7064_mod11_2_ok(digits: str) -> bool:
    """ISO 7064 MOD 11-2, the check character of ORCID and ISNI (last char, 0-9 or X)."""
    total = 0
    for char in digits[:-1]:
        total = (total + int(char)) * 2
    check = (12 - total % 11) % 11
    expected = "X" if check == 10 else str(check)
    return digits[-1].upper() == expected


_ORCID = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
_ORCID_PREFIXES = ("https://orcid.org/", "http://orcid.org/", "orcid.org/")


def check_orcid(value: str) -> tuple[str, Issue | None]:
    bare = value.strip()
    for prefix in _ORCID_PREFIXES:
        if bare.lower().startswith(prefix):
            bare = bare[len(prefix) :]
    bare = bare.upper()
    if not _ORCID.match(bare):
        return bare, Issue(
            f"{value!r} is not an ORCID iD", "write it as 0000-0002-1825-0097 (16 digits)"
        )
    if not iso7064_mod11_2_ok(bare.replace("-", "")):
        return bare, Issue(
            f"ORCID iD {value!r} has a wrong check digit",
            "copy the iD from the person's orcid.org page; a digit is mistyped",
        )
    return bare, None


_ISNI_PREFIXES = ("https://isni.org/isni/", "http://isni.org/isni/", "isni.org/isni/")


def check_isni(value: str) -> tuple[str, Issue | None]:
    bare = value.strip()
    for prefix in _ISNI_PREFIXES:
        if bare.lower().startswith(prefix):
            bare = bare[len(prefix) :]
    compact = re.sub(r"[\s-]", "", bare).upper()
    if not re.fullmatch(r"\d{15}[\dX]", compact):
        return compact, Issue(
            f"{value!r} is not an ISNI", "write the 16 characters, e.g. 0000 0001 2146 438X"
        )
    if not iso7064_mod11_2_ok(compact):
        return compact, Issue(
            f"ISNI {value!r} has a wrong check character", "a character is mistyped"
        )
    return compact, None


_ROR = re.compile(r"^0[a-hj-km-np-tv-z0-9]{6}[0-9]{2}$")


def check_ror(value: str) -> tuple[str, Issue | None]:
    bare = value.strip()
    for prefix in ("https://ror.org/", "http://ror.org/", "ror.org/"):
        if bare.lower().startswith(prefix):
            bare = bare[len(prefix) :]
    bare = bare.lower()
    if not _ROR.match(bare):
        return bare, Issue(f"{value!r} is not a ROR id", "write the 9 characters, e.g. 01ggx4157")
    return bare, None


def check_gnd(value: str) -> tuple[str, Issue | None]:
    bare = value.strip()
    for prefix in ("https://d-nb.info/gnd/", "http://d-nb.info/gnd/", "gnd:"):
        if bare.lower().startswith(prefix):
            bare = bare[len(prefix) :]
    if not re.fullmatch(r"[0-9X-]{4,16}", bare, flags=re.IGNORECASE):
        return bare, Issue(f"{value!r} is not a GND id", "write the id alone, e.g. 118540238")
    return bare, None


PERSON_ID_CHECKS = {"orcid": check_orcid, "isni": check_isni, "gnd": check_gnd, "ror": check_ror}


# --- identifiers of related works ------------------------------------------------------------

_URL = re.compile(
    r"^(https?|ftps?)://[^\s/?#]+\.[^\s/?#]*[a-zA-Z0-9]([/?#]\S*)?$|^https?://localhost"
)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_ARXIV = re.compile(r"^(arxiv:)?(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$", re.I)


def _isbn_ok(text: str) -> bool:
    digits = re.sub(r"[\s-]", "", text).upper()
    if re.fullmatch(r"\d{9}[\dX]", digits):
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
        return total % 11 == 0
    if re.fullmatch(r"\d{13}", digits):
        total = sum((1 if i % 2 == 0 else 3) * int(c) for i, c in enumerate(digits))
        return total % 10 == 0
    return False


def _issn_ok(text: str) -> bool:
    digits = re.sub(r"[\s-]", "", text).upper()
    if not re.fullmatch(r"\d{7}[\dX]", digits):
        return False
    total = sum((8 - i) * int(c) for i, c in enumerate(digits[:7]))
    check = (11 - total % 11) % 11
    return digits[7] == ("X" if check == 10 else str(check))


def is_url(text: str) -> bool:
    return bool(_URL.match(text))


_IDENTIFIER_RULES: dict[str, tuple[Any, str]] = {
    "doi": (lambda t: bool(_DOI.match(t)), "a DOI such as 10.5281/zenodo.1234"),
    "url": (is_url, "an http(s) URL with a host name"),
    "purl": (is_url, "a PURL, i.e. an http(s) URL"),
    "w3id": (is_url, "a w3id, i.e. an https://w3id.org/... URL"),
    "arxiv": (lambda t: bool(_ARXIV.match(t)), "an arXiv id such as arXiv:2101.00001"),
    "isbn": (_isbn_ok, "an ISBN-10 or ISBN-13 with a correct check digit"),
    "issn": (_issn_ok, "an ISSN such as 0317-8471 with a correct check digit"),
    "eissn": (_issn_ok, "an ISSN such as 0317-8471 with a correct check digit"),
    "lissn": (_issn_ok, "an ISSN such as 0317-8471 with a correct check digit"),
    "pmid": (lambda t: t.isdigit(), "a PubMed id: digits only"),
    "ark": (lambda t: "ark:" in t, "an ARK such as ark:/13030/tf5p30086k"),
    "urn": (lambda t: t.lower().startswith("urn:"), "a URN starting with urn:"),
    "isni": (lambda t: check_isni(t)[1] is None, "an ISNI with a correct check character"),
}


def check_identifier(scheme: str, value: str) -> tuple[str, Issue | None]:
    """Normalise and check ``value`` for identifier scheme ``scheme`` (already checked)."""
    text = value.strip()
    if scheme == "doi":
        for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
            if text.lower().startswith(prefix):
                text = text[len(prefix) :]
    rule = _IDENTIFIER_RULES.get(scheme)
    if rule is not None and not rule[0](text):
        return text, Issue(f"{value!r} is not a valid {scheme} identifier", f"write {rule[1]}")
    return text, None


def detect_scheme(identifier: str) -> str | None:
    """The scheme of a bare identifier, the way the legacy API guesses it."""
    text = identifier.strip()
    if _DOI.match(text) or text.lower().startswith(("https://doi.org/10.", "doi:10.")):
        return "doi"
    if _ARXIV.match(text):
        return "arxiv"
    if is_url(text):
        return "url"
    if text.lower().startswith("urn:"):
        return "urn"
    if _isbn_ok(text):
        return "isbn"
    return None


# --- dates (EDTF level 0, as InvenioRDM accepts them) ----------------------------------------

_EDTF_DAY = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _edtf_bounds(text: str) -> tuple[datetime.date, datetime.date] | None:
    match = _EDTF_DAY.match(text)
    if not match:
        return None
    year, month, day = match.groups()
    try:
        if day is not None:
            exact = datetime.date(int(year), int(month), int(day))
            return exact, exact
        if month is not None:
            start = datetime.date(int(year), int(month), 1)
            return start, start.replace(day=28)
        return datetime.date(int(year), 1, 1), datetime.date(int(year), 12, 31)
    except ValueError:
        return None


def check_edtf(value: str, *, allow_interval: bool = True) -> Issue | None:
    """EDTF level 0: YYYY, YYYY-MM, YYYY-MM-DD, or an interval A/B of those with A <= B."""
    text = value.strip()
    parts = text.split("/") if allow_interval else [text]
    if len(parts) > 2 or any(_edtf_bounds(part) is None for part in parts):
        form = "YYYY, YYYY-MM, YYYY-MM-DD" + (" or an interval A/B" if allow_interval else "")
        return Issue(f"{value!r} is not a valid date", f"write {form} with a real calendar date")
    if len(parts) == 2:
        start, end = _edtf_bounds(parts[0]), _edtf_bounds(parts[1])
        if start is not None and end is not None and start[0] > end[1]:
            return Issue(f"interval {value!r} ends before it starts", "swap the two dates")
    return None


def check_full_date(value: str) -> Issue | None:
    """A calendar day YYYY-MM-DD (embargo dates)."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()) and _edtf_bounds(value.strip()):
        return None
    return Issue(f"{value!r} is not a valid date", "write YYYY-MM-DD with a real calendar date")
