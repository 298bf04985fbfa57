"""Peak memory of the emulator while it receives one large upload.

Starts ``zenodo-publish emulator`` as a subprocess, streams SIZE bytes from a generator (so the
client holds one chunk at a time, and requests sends the body chunked, with no
Content-Length), and reads the emulator's peak resident set size (VmHWM in /proc/PID/status)
before and after. Linux only.

    .venv/bin/python bench/emulator_upload_memory.py [--size-gb 2] [--api rdm|legacy]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from zenodo_publish.emulator.testing import spawned_emulator

CHUNK = 1024 * 1024


def vm_hwm_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc status (not Linux?)")


def body(size: int, digest: hashlib._Hash) -> Iterator[bytes]:
    # Vary the bytes per chunk so nothing downstream can get away with deduplicating them.
    block = os.urandom(CHUNK)
    sent = 0
    n = 0
    while sent < size:
        chunk = (n.to_bytes(8, "big") + block[8:])[: size - sent]
        digest.update(chunk)
        sent += len(chunk)
        n += 1
        yield chunk


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size-gb", type=float, default=2.0, help="GiB to upload (2)")
    parser.add_argument("--api", choices=("rdm", "legacy"), default="rdm")
    args = parser.parse_args()
    size = int(args.size_gb * 1024**3)

    with (
        tempfile.TemporaryDirectory(prefix="emulator-bench-") as data_dir,
        spawned_emulator("--data-dir", data_dir, "--no-rate-limit") as emu,
    ):
        assert emu.process is not None
        pid = emu.process.pid
        session = requests.Session()
        session.trust_env = False
        session.headers.update(emu.headers())
        api = emu.api_url
        draft = session.post(f"{api}/records", json={}, timeout=30).json()
        rid = draft["id"]
        baseline = vm_hwm_kib(pid)
        digest = hashlib.md5(usedforsecurity=False)
        started = time.monotonic()
        if args.api == "rdm":
            session.post(
                f"{api}/records/{rid}/draft/files", json=[{"key": "big.bin"}], timeout=30
            ).raise_for_status()
            r = session.put(
                f"{api}/records/{rid}/draft/files/big.bin/content",
                data=body(size, digest),
                headers={"Content-Type": "application/octet-stream"},
                timeout=600,
            )
            r.raise_for_status()
            r = session.post(f"{api}/records/{rid}/draft/files/big.bin/commit", timeout=60)
        else:
            bucket = session.get(f"{api}/deposit/depositions/{rid}", timeout=30).json()["links"][
                "bucket"
            ]
            r = session.put(f"{bucket}/big.bin", data=body(size, digest), timeout=600)
        r.raise_for_status()
        elapsed = time.monotonic() - started
        result = r.json()
        peak = vm_hwm_kib(pid)
        stored = sum(p.stat().st_size for p in Path(data_dir, "blobs").iterdir())

    ok = result["checksum"] == f"md5:{digest.hexdigest()}" and result["size"] == size
    print(f"api: {args.api}")
    print(
        f"uploaded: {size} bytes ({size / 1024**3:.2f} GiB) in {elapsed:.1f} s "
        f"({size / 1024**2 / elapsed:.0f} MiB/s), stored on disk: {stored} bytes"
    )
    print(f"checksum and size as sent: {ok}")
    print(
        f"emulator peak RSS (VmHWM): before upload {baseline / 1024:.1f} MiB, "
        f"after {peak / 1024:.1f} MiB, growth {(peak - baseline) / 1024:.1f} MiB"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
