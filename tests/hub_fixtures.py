"""Pytest plugin: a local Hugging Face Hub (tests/hub_server.py) for tests that push to and pull from the Hub.

    def test_push(hub):                     # the Hub is reachable during this test only
        repo_id = hub.repo_id("tiny-bert")  # "artemis-tester/tiny-bert-<n>", new in every call
        model.push_to_hub(repo_id)
        AutoModel.from_pretrained(repo_id)
        hub.api.list_repo_files(repo_id)

huggingface_hub, transformers and datasets read HF_ENDPOINT, HF_HOME, HF_HUB_OFFLINE, ... once, when imported. This
module therefore sets the variables the whole session needs at its own import, which must come before theirs. pytest
imports the plugins that `pytest_plugins` names only after running conftest.py, so conftest.py imports this module
first of all:

    import hub_fixtures  # noqa: F401
    ...
    pytest_plugins = ["hub_fixtures"]

Offline mode (CI sets HF_HUB_OFFLINE=1) stays as the environment says, except during the tests that use `hub`.

The download cache (under the session's temporary HF_HOME) is shared by all tests: every test works on new repos, and
commit shas are unique to the server's storage, so no test can be served another test's files from the cache.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest
from hub_server import HubServer

if TYPE_CHECKING:
    from huggingface_hub import HfApi


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The port is chosen now, for the endpoint must be in the environment before huggingface_hub is imported. Should
# another server take it meanwhile, `local_hub` fails loudly ("Address already in use").
PORT = _free_port()
ENDPOINT = f"http://127.0.0.1:{PORT}"
HF_HOME = tempfile.mkdtemp(prefix="hf-home-")  # keeps tests out of the user's cache and token
os.environ.update(
    HF_ENDPOINT=ENDPOINT,
    HF_HOME=HF_HOME,
    HF_HUB_DISABLE_XET="1",  # else uploads ask the server for a Xet token
    HF_HUB_DISABLE_TELEMETRY="1",
)
TOKEN = "hf_local_hub_dummy_token"  # the one token the server accepts; the `hub` fixture sets HF_TOKEN to it


def pytest_unconfigure(config):
    shutil.rmtree(HF_HOME, ignore_errors=True)


@dataclass
class LocalHub:
    server: HubServer
    api: HfApi  # talks to `endpoint` with `token`
    endpoint: str = ENDPOINT
    token: str = TOKEN
    _numbers: itertools.count = field(default_factory=lambda: itertools.count(1), repr=False)

    @property
    def user(self) -> str:
        return self.server.user

    def repo_id(self, name: str) -> str:
        """A repo id no other test uses, in the user's namespace: "artemis-tester/<name>-<n>"."""
        return f"{self.user}/{name}-{next(self._numbers)}"


@pytest.fixture(scope="session")
def local_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHub]:
    """The server, started once per session. Offline mode still applies: tests want `hub`."""
    from huggingface_hub import HfApi, constants

    if constants.ENDPOINT != ENDPOINT:
        raise RuntimeError(
            f"huggingface_hub was imported before {__name__} set HF_ENDPOINT (it points at {constants.ENDPOINT}). "
            f"pytest runs conftest.py before it imports the plugins its `pytest_plugins` names: make "
            f"`import {__name__}` the first import of conftest.py."
        )
    server = HubServer(tmp_path_factory.mktemp("hub"), port=PORT, tokens={TOKEN}).start()
    yield LocalHub(server, api=HfApi(endpoint=ENDPOINT, token=TOKEN))
    server.stop()


@pytest.fixture
def hub(local_hub: LocalHub, monkeypatch: pytest.MonkeyPatch) -> LocalHub:
    """The local Hub, with offline mode off and a token for this test only."""
    # Import datasets now: imported during the test, it would compute its offline flag from the patched values
    # and keep it once they are restored.
    import datasets.config
    from huggingface_hub import constants

    # The flags, read at import, that the libraries consult: huggingface_hub's (also behind transformers'
    # `is_offline_mode()` and the check on every request) and datasets' own.
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)
    # The environment, for subprocesses; the token is read from it at each call.
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_TOKEN", local_hub.token)
    return local_hub
