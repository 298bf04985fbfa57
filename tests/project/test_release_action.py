"""scripts/release_action.py: the released action.yml runs the prebuilt image by digest, and is
otherwise the development action.yml (whatever inputs and outputs it has by then)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DIGEST = "78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea"
IMAGE = f"ghcr.io/zenodo-publish/zenodo-publish@sha256:{DIGEST}"
BIN = Path(sys.executable).parent


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "release_action", ROOT / "scripts" / "release_action.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


release = load_script()
DEV_ACTION = (ROOT / "action.yml").read_text(encoding="utf-8")


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        found = shutil.which(name)
        if found is None:
            pytest.skip(f"{name} is not installed (make test installs it)")
        return found
    return str(path)


def test_only_the_image_changes_and_every_input_and_output_is_carried() -> None:
    text = release.released_action(DEV_ACTION, IMAGE)
    before, after = yaml.safe_load(DEV_ACTION), yaml.safe_load(text)
    assert after["runs"] == {"using": "docker", "image": f"docker://{IMAGE}"}
    assert after["inputs"] == before["inputs"] and after["outputs"] == before["outputs"]
    changed = [
        (a, b) for a, b in zip(DEV_ACTION.splitlines(), text.splitlines(), strict=True) if a != b
    ]
    assert changed == [("  image: Dockerfile", f"  image: docker://{IMAGE}")]


def test_inputs_added_later_and_comments_survive() -> None:
    source = DEV_ACTION.replace(
        "inputs:\n",
        "inputs:\n  # added by another feature\n  collection:\n    description: A key.\n"
        "    required: false\n    default: ''\n",
        1,
    )
    text = release.released_action(source, IMAGE)
    assert "  # added by another feature\n  collection:\n" in text
    assert yaml.safe_load(text)["inputs"]["collection"]["default"] == ""


@pytest.mark.parametrize(
    "image",
    [
        "ghcr.io/zenodo-publish/zenodo-publish:1.0.0",  # a tag moves
        f"ghcr.io/Zenodo-Publish/zenodo-publish@sha256:{DIGEST}",  # registries refuse upper case
        f"zenodo-publish@sha256:{DIGEST}",  # no registry: Docker Hub by accident
        f"ghcr.io/zenodo-publish/zenodo-publish@sha256:{DIGEST[:-1]}",
        f"docker://ghcr.io/zenodo-publish/zenodo-publish@sha256:{DIGEST}",
    ],
)
def test_refuses_anything_but_a_full_digest(image: str) -> None:
    with pytest.raises(release.ReleaseError, match="sha256"):
        release.released_action(DEV_ACTION, image)


def test_refuses_an_action_that_is_already_released() -> None:
    released = release.released_action(DEV_ACTION, IMAGE)
    with pytest.raises(release.ReleaseError, match="expected the development"):
        release.released_action(released, IMAGE)


def test_refuses_an_image_line_outside_runs_or_two_of_them() -> None:
    with pytest.raises(release.ReleaseError, match="exactly one `image:` line, found 0"):
        release.released_action("name: x\ndescription: y\nruns:\n  using: node20\n", IMAGE)
    doubled = DEV_ACTION.replace("  image: Dockerfile", "  image: Dockerfile\n  image: Dockerfile")
    with pytest.raises(release.ReleaseError, match="found 2"):
        release.released_action(doubled, IMAGE)


def test_command_line_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "action.yml"
    assert (
        release.main(["--image", IMAGE, "--action", str(ROOT / "action.yml"), "--output", str(out)])
        == 0
    )
    assert yaml.safe_load(out.read_text())["runs"]["image"] == f"docker://{IMAGE}"
    assert release.main(["--image", "ghcr.io/a/b:latest", "--action", str(out)]) == 1


def write_released_repo(tmp_path: Path, input_name: str) -> Path:
    """A repository holding the released action.yml and a workflow that uses it as `./`."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "action.yml").write_text(release.released_action(DEV_ACTION, IMAGE))
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "use.yml").write_text(
        "on: push\n"
        "permissions:\n  contents: read\n"
        "jobs:\n  sync:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0\n"
        "      - id: zenodo\n        uses: ./\n        with:\n"
        f"          {input_name}: validate\n"
        '      - run: echo "$STATE"\n        env:\n'
        "          STATE: ${{ steps.zenodo.outputs.state }}\n"
    )
    return tmp_path


def test_generated_action_passes_check_jsonschema(tmp_path: Path) -> None:
    repo = write_released_repo(tmp_path, "mode")
    done = subprocess.run(
        [
            tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.github-actions",
            str(repo / "action.yml"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok -- validation done" in done.stdout


def test_generated_action_passes_actionlint_and_is_really_read(tmp_path: Path) -> None:
    good = write_released_repo(tmp_path / "good", "mode")
    done = subprocess.run(
        [tool("actionlint"), ".github/workflows/use.yml"],
        cwd=good,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # Control: actionlint did load the generated metadata, since a wrong input is caught.
    bad = write_released_repo(tmp_path / "bad", "moed")
    done = subprocess.run(
        [tool("actionlint"), ".github/workflows/use.yml"],
        cwd=bad,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and 'input "moed" is not defined' in done.stdout, done.stdout
