"""The peers' comparison in ``make bench`` (bench/peers.py): what row 10d takes out of
zenodo-publish's side, and nothing else."""

from __future__ import annotations

from bench.peers import PEERS, Comparison, Figures, PeerResults

MiB = 1024 * 1024


def figures(*, requests: int, cpu: float, searches: int = 0, seconds: float = 1.0) -> Figures:
    return Figures(requests, 100 * MiB, seconds, cpu, 47_000_000, searches=searches)


def test_the_md5_and_the_search_are_taken_out_of_our_side_only() -> None:
    peer = next(p for p in PEERS if p.key == "zenodo-client")  # hashes nothing
    # 0.10 s of md5 per 100 MiB on this pretend machine.
    results = PeerResults(md5_cpu_per_byte=0.10 / (100 * MiB), big_bytes=1024 * MiB)
    ours = figures(requests=5, searches=1, cpu=0.62)
    theirs = figures(requests=4, cpu=0.50)
    cell = Comparison(peer, "A", 0.0, ours, theirs)
    assert not cell.met()  # 5/4 requests and 0.62/0.50 CPU as measured
    besides = cell.ratios_besides_checks(results.md5_cpu_per_byte, 100 * MiB)
    assert besides["requests"] == 1.0
    assert abs(besides["CPU"] - 0.52 / 0.50) < 1e-9
    assert besides["wall"] == 1.0  # wall time, bytes and memory stay as measured
    assert results.met_besides_checks(cell)
    # E hashes the big file: its md5 estimate is ten times A's, so the same CPU is met there...
    big = Comparison(peer, "E", 0.0, figures(requests=4, cpu=1.40), figures(requests=4, cpu=0.45))
    assert results.met_besides_checks(big)
    # ...but a cell slower than the peer for another reason stays not met.
    slow = Comparison(peer, "A", 0.0, figures(requests=4, cpu=0.45, seconds=1.2), theirs)
    assert not results.met_besides_checks(slow)


def test_against_a_peer_that_hashes_too_only_the_search_is_taken_out() -> None:
    stepup = next(p for p in PEERS if p.key == "stepup")
    assert stepup.hashes
    results = PeerResults(md5_cpu_per_byte=0.10 / (100 * MiB), big_bytes=1024 * MiB)
    cell = Comparison(
        stepup, "A", 0.0, figures(requests=5, searches=1, cpu=0.62), figures(requests=4, cpu=0.5)
    )
    besides = cell.ratios_besides_checks(results.md5_cpu_per_byte, 100 * MiB)
    assert besides["requests"] == 1.0
    assert besides["CPU"] == 0.62 / 0.5  # as measured: both sides hash
    assert not results.met_besides_checks(cell)
