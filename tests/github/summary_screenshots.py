"""Look at the step summary as a user does: render its Markdown (markdown-it-py, GitHub-like
table and code styles) and take a screenshot with headless Chromium.

The four scenarios of the README's pictures: a successful publish, a publish whose commit-back
failed, a pull request's plan, and a manifest error (from a real manifest with real mistakes).
``python tests/github/summary_screenshots.py docs/`` writes ``docs/summary-*.png``; the test
in test_summary_screenshots.py takes one of them, and is skipped without Chromium.

Chromium runs with everything that could reach the network switched off, a fresh profile, and
only a ``file://`` page to load.
"""

from __future__ import annotations

import dataclasses
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

from markdown_it import MarkdownIt

from zenodo_publish.errors import GitError, ManifestError
from zenodo_publish.github.outputs import CommitOutcome
from zenodo_publish.github.summary import render_failure, render_result
from zenodo_publish.manifest import load_manifest
from zenodo_publish.sync.result import FileOutcome, RecordIds, RunResult

WIDTH = 920
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)
STYLE = """
body { font-family: -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif;
       font-size: 14px; line-height: 1.5; color: #1f2328; background: #fff;
       margin: 0; padding: 16px 24px 24px; width: 860px; }
h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; margin: 0 0 16px; }
h3 { font-size: 1.25em; margin: 24px 0 12px; }
table { border-collapse: collapse; margin: 0 0 16px; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; text-align: left; }
th { font-weight: 600; }
tr:nth-child(2n) td { background: #f6f8fa; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 85%; background: #eff1f3;
       padding: .2em .4em; border-radius: 6px; }
a { color: #0969da; text-decoration: none; }
blockquote { margin: 0 0 16px; padding: 0 1em; color: #59636e; border-left: .25em solid #d1d9e0; }
details summary { cursor: pointer; margin-bottom: 8px; }
"""

COMMIT = "3f1c2a9b7e0d4c5a8b6f1e2d3c4b5a69788f0e1d"
REPOSITORY_URL = "https://github.com/lake-lab/geneva-temperatures"
PUBLISHED = RecordIds(
    record_id="14235",
    concept_id="14233",
    doi="10.5281/zenodo.14235",
    concept_doi="10.5281/zenodo.14233",
    version="1.1.0",
    state="published",
    record_url="https://zenodo.org/records/14235",
)
FILES = (
    FileOutcome("temperatures-2020.csv", "import", 54_210, "5d41402abc4b2a76b9719d911017c592"),
    FileOutcome("temperatures-2021.csv", "import", 73_002, "7d793037a0760186574b0282f2f435e7"),
    FileOutcome("temperatures-2022.csv", "upload", 36_877, "9e107d9d372bb6826bd81d3542a419d6"),
    FileOutcome("figures.zip", "replace", 2_359_296, "e4d909c290d0fb1ca068ffaddf22cbd0"),
)
REASONS = (
    "release published for tag `v1.1.0`: sync, version 1.1.0 from the tag",
    "the manifest says `publish.on: tags` and `v1.1.0` matches `v*`: publish",
    "production: the manifest names `endpoint: production` (both keys present)",
)
BAD_MANIFEST = """\
endpoint: production
metadata:
  title: Lake Geneva surface temperatures
  resource_type: datset
  license: cc-by
  creators:
    - {family_name: Lovelace, given_name: Ada, identifiers: {orcid: 0000-0002-1825-0098}}
files:
  - data/*.csv
publish:
  on: tag
"""


def scenarios() -> dict[str, str]:
    """Scenario name -> the step summary's Markdown, as the entrypoint writes it."""
    publish = RunResult(
        mode="publish", endpoint="https://zenodo.org/api", ids=PUBLISHED, published=True,
        files=FILES, record_file=".zenodo-record.json", record_file_changed=True,
    )  # fmt: skip
    success = render_result(
        publish,
        reasons=REASONS,
        commit=CommitOutcome(True, COMMIT, "main"),
        repository_url=REPOSITORY_URL,
    )
    commit_failed = render_result(
        publish, reasons=REASONS, repository_url=REPOSITORY_URL, commit_failure=GitError.title
    ) + render_failure(
        GitError(
            "git push to main was refused: the branch is protected (GH006)",
            hint="give the action a `github_token` that may push to main (a GitHub App or a "
            "fine-grained PAT with `contents: write`), or commit `.zenodo-record.json` by hand: "
            "the record itself is published and its DOI above is final",
        )
    )
    plan = RunResult(
        mode="plan",
        endpoint="https://zenodo.org/api",
        ids=dataclasses.replace(
            PUBLISHED, version="1.0.0", doi="10.5281/zenodo.14234", record_id="14234",
            record_url="https://zenodo.org/records/14234",
        ),
        files=tuple(
            FileOutcome(f.name, "skip" if f.action == "import" else f.action, f.size, f.md5)
            for f in FILES
        ),
        plan={
            "action": "new_version",
            "record_id": "14234",
            "publish": False,
            "files": [{"name": f.name, "action": "skip" if f.action == "import" else f.action}
                      for f in FILES],
            "metadata_changes": [
                {"field": "version", "source": "CITATION.cff"},
                {"field": "description", "source": "README.md"},
            ],
        },
    )  # fmt: skip
    pull_request = render_result(
        plan,
        reasons=("pull request #42: validate and plan only; nothing is written to Zenodo or git",),
    )
    return {
        "success": success,
        "publish-commit-failed": commit_failed,
        "pr-plan": pull_request,
        "manifest-error": render_failure(_manifest_error()),
    }


def _manifest_error() -> ManifestError:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / "data").mkdir()
        (root / "data" / "t.csv").write_text("year,t\n2020,11.2\n")
        (root / "zenodo.yaml").write_text(BAD_MANIFEST)
        try:
            load_manifest(root / "zenodo.yaml", repo_root=root)
        except ManifestError as error:
            return error
    raise AssertionError("the bad manifest was accepted")


def to_html(markdown: str) -> str:
    """GitHub-flavoured enough: tables, raw HTML (``<details>``, opened for the picture)."""
    body = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)
    body = body.replace("<details>", "<details open>")
    head = f'<meta charset="utf-8"><style>{STYLE}</style>'
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def screenshot(markdown: str, out: Path, *, chromium: str, height: int = 2400) -> tuple[int, int]:
    """Render ``markdown`` to ``out`` (PNG, cropped below the content); returns its size."""
    with tempfile.TemporaryDirectory(prefix="zp-shot-") as directory:
        page = Path(directory) / "summary.html"
        page.write_text(to_html(markdown), encoding="utf-8")
        raw = Path(directory) / "raw.png"
        subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={directory}/profile",
             f"--window-size={WIDTH},{height}", f"--screenshot={raw}", page.as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        width, rows = read_png(raw.read_bytes())
    bottom = max((i for i, row in enumerate(rows) if not _blank(row)), default=0)
    rows = rows[: min(len(rows), bottom + 24)]
    out.write_bytes(write_png(width, rows))
    return width, len(rows)


# --- a minimal PNG codec (8-bit RGB/RGBA, as Chromium writes): enough to crop --------------


def read_png(data: bytes) -> tuple[int, list[bytes]]:
    """Width and the RGB rows of an 8-bit, non-interlaced RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    height = depth = color = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, chunk = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", chunk[:10])
        elif kind == b"IDAT":
            idat += chunk
    assert depth == 8 and color in (2, 6), f"unsupported PNG (depth {depth}, colour {color})"
    channels = 3 if color == 2 else 4
    stride = width * channels
    raw = zlib.decompress(idat)
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        _unfilter(kind, line, previous, channels)
        rgb = line if channels == 3 else bytearray(b for i, b in enumerate(line) if i % 4 != 3)
        rows.append(bytes(rgb))
        previous = line
    return width, rows


def _unfilter(kind: int, line: bytearray, prev: bytearray, bpp: int) -> None:
    for i in range(len(line)):
        left = line[i - bpp] if i >= bpp else 0
        up = prev[i]
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + up) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            corner = prev[i - bpp] if i >= bpp else 0
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
            line[i] = (line[i] + best) & 0xFF


def write_png(width: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", width, len(rows), 8, 2, 0, 0, 0)
    payload = zlib.compress(b"".join(b"\x00" + row for row in rows), 9)
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", payload) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def _blank(row: bytes) -> bool:
    return row.count(b"\xff") == len(row)


def ink(rows: list[bytes]) -> int:
    """How many rows hold anything but white: a blank screenshot has none."""
    return sum(1 for row in rows if not _blank(row))


def main(argv: list[str]) -> int:
    chromium = find_chromium()
    if chromium is None:
        print("summary_screenshots: chromium is not installed", file=sys.stderr)
        return 2
    target = Path(argv[0] if argv else "docs")
    target.mkdir(parents=True, exist_ok=True)
    for name, markdown in scenarios().items():
        out = target / f"summary-{name}.png"
        width, height = screenshot(markdown, out, chromium=chromium)
        print(f"{out}: {width}x{height}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
