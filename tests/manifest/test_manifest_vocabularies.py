"""Offline checks: vocabularies with did-you-mean, identifier checksums, EDTF dates, endpoints."""

from __future__ import annotations

import pytest

from zenodo_publish.errors import UsageError
from zenodo_publish.manifest import Endpoint, parse_endpoint
from zenodo_publish.manifest.vocabularies import (
    check_edtf,
    check_identifier,
    check_isni,
    check_language,
    check_license,
    check_orcid,
    check_vocabulary,
    iso7064_mod11_2_ok,
    licenses,
    vocabulary,
)


@pytest.mark.parametrize(
    "orcid", ["0000-0002-1825-0097", "0000-0001-5109-3700", "0000-0002-1694-233X"]
)
def test_valid_orcids_pass_and_urls_are_stripped(orcid: str) -> None:
    assert check_orcid(orcid) == (orcid, None)
    assert check_orcid(f"https://orcid.org/{orcid}") == (orcid, None)


@pytest.mark.parametrize("orcid", ["0000-0002-1825-0098", "0000-0002-1694-2339"])
def test_one_wrong_digit_fails_the_orcid_checksum(orcid: str) -> None:
    _, issue = check_orcid(orcid)
    assert issue is not None and "check digit" in issue.message


def test_isni_checksum_with_and_without_spaces() -> None:
    assert check_isni("0000 0001 2146 438X") == ("000000012146438X", None)
    assert check_isni("0000000121464381")[1] is not None
    assert iso7064_mod11_2_ok("000000012146438X")


def test_vocabulary_near_miss_suggests_the_right_id() -> None:
    value, issue = check_vocabulary("Datset", "resource_types", "resource type")
    assert value == "datset"
    assert issue is not None and issue.hint == "did you mean 'dataset'?"
    assert check_vocabulary("isSupplementTo", "relation_types", "relation type")[1] is None


def test_vocabulary_sizes_match_zenodo() -> None:
    assert len(vocabulary("resource_types")) == 43
    assert len(vocabulary("relation_types")) == 34
    assert "publication-thesis" not in vocabulary("resource_types")


def test_license_list_is_lower_case_spdx_with_every_cc_variant() -> None:
    ids = set(licenses())
    assert len(ids) > 500
    assert all(i == i.lower() for i in ids)
    for cc in ("cc0-1.0", "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0", "cc-by-nd-4.0",
               "cc-by-nc-sa-4.0", "cc-by-nc-nd-4.0", "cc-by-3.0", "cc-by-2.0"):  # fmt: skip
        assert cc in ids
    for common in (
        "mit",
        "apache-2.0",
        "gpl-3.0-only",
        "bsd-3-clause",
        "mpl-2.0",
        "lgpl-2.1-or-later",
    ):
        assert common in ids


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("MIT", "mit"),
        ("CC-BY-4.0", "cc-by-4.0"),
        ("cc-zero", "cc0-1.0"),
        ("apache2.0", "apache-2.0"),
    ],
)
def test_license_spellings_are_normalised(given: str, expected: str) -> None:
    assert check_license(given) == (expected, None)


def test_languages_map_639_1_and_check_639_3() -> None:
    assert check_language("en") == ("eng", None)
    assert check_language("fr") == ("fra", None)
    assert check_language("nld") == ("nld", None)
    assert check_language("zzz")[1] is not None
    assert check_language("english")[1] is not None


@pytest.mark.parametrize(
    "date", ["2024", "2024-02", "2024-02-29", "2020/2024", "2024-01/2024-03-05"]
)
def test_edtf_level_0_dates_pass(date: str) -> None:
    assert check_edtf(date) is None


@pytest.mark.parametrize("date", ["2023-02-29", "2024-13", "24", "2024/2020", "2024/", "2024-1-1"])
def test_bad_dates_fail(date: str) -> None:
    assert check_edtf(date) is not None


@pytest.mark.parametrize(
    ("scheme", "value", "ok"),
    [
        ("doi", "https://doi.org/10.5281/zenodo.1", True),
        ("doi", "10.5281", False),
        ("isbn", "978-3-16-148410-0", True),
        ("isbn", "978-3-16-148410-1", False),
        ("issn", "0317-8471", True),
        ("issn", "0317-8472", False),
        ("arxiv", "2101.00001v2", True),
        ("url", "https://example.org/x", True),
        ("url", "example.org", False),
        ("pmid", "12345", True),
    ],
)
def test_identifiers_are_checked_per_scheme(scheme: str, value: str, ok: bool) -> None:
    assert (check_identifier(scheme, value)[1] is None) is ok


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("sandbox", Endpoint("sandbox", "https://sandbox.zenodo.org/api")),
        ("production", Endpoint("production", "https://zenodo.org/api")),
        ("https://zenodo.org/api/", Endpoint("production", "https://zenodo.org/api")),
        ("https://data.example.org/api", Endpoint("custom", "https://data.example.org/api")),
        ("http://127.0.0.1:5000/api", Endpoint("custom", "http://127.0.0.1:5000/api")),
        ("http://localhost:8080/api", Endpoint("custom", "http://localhost:8080/api")),
        ("http://[::1]:8080/api", Endpoint("custom", "http://[::1]:8080/api")),
    ],
)
def test_endpoints(value: str, expected: Endpoint) -> None:
    assert parse_endpoint(value) == expected


def test_only_production_is_production() -> None:
    assert parse_endpoint("production").is_production
    assert not parse_endpoint("sandbox").is_production


@pytest.mark.parametrize(
    "value",
    [
        "http://zenodo.org/api",
        "https://zenodo.org",
        "ftp://zenodo.org/api",
        "zenodo",
        "https://:80/api",
    ],
)
def test_bad_endpoints_are_usage_errors(value: str) -> None:
    with pytest.raises(UsageError):
        parse_endpoint(value)
