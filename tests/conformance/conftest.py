"""Fixtures of the conformance suite: the real InvenioRDM (``inveniordm``) and, for the contract
tests, ``server``: the same tests run once against the emulator and once against the real app.

The suite needs the conformance venv (``make test-conformance``); under the ordinary test venv
(``make test``), where InvenioRDM is not installed, nothing here is collected.

Other suites can reuse the real server: ``from inveniordm import running_inveniordm`` (this
folder on ``sys.path``), or use the ``inveniordm`` fixture from a test module in this folder.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

if importlib.util.find_spec("invenio_app_rdm") is None:
    # Not the conformance venv: skip the whole folder quietly.
    collect_ignore_glob = ["*.py"]
else:
    from conformance_support import Server, emulator_server, inveniordm_server
    from inveniordm import InvenioRDMServer, running_inveniordm

    from zenodo_publish.emulator.testing import EmulatorHandle

    @pytest.fixture(scope="session")
    def inveniordm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InvenioRDMServer]:
        """The stock InvenioRDM REST API on 127.0.0.1, one per session (starting it takes
        about a minute); tests isolate themselves by creating their own drafts."""
        with running_inveniordm(Path(tmp_path_factory.mktemp("inveniordm"))) as server:
            yield server

    #: Contract tests the emulator fails today, with the reason (strict xfail: the day the
    #: emulator is fixed the entry must go).
    EMULATOR_DIVERGES: dict[str, str] = {}

    @pytest.fixture(params=["emulator", "inveniordm"])
    def server(request: pytest.FixtureRequest) -> Server:
        """The server a contract test runs against: the emulator, then the real app."""
        if request.param == "emulator":
            reason = EMULATOR_DIVERGES.get(request.function.__name__)
            if reason is not None:
                request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
            handle: EmulatorHandle = request.getfixturevalue("emulator")
            return emulator_server(handle)
        real: InvenioRDMServer = request.getfixturevalue("inveniordm")
        return inveniordm_server(real)
