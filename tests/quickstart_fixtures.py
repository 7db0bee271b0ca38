"""Pytest plugin: `quickstart_outputs`, the README's main job run once per session and shared by every test of it.

It runs as a newcomer runs it: the installed console script, in a fresh process, on the embedded synthetic default,
with nothing but where to write and the smallest training that still shows each stage working.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

QUICK = ["--epochs", "2", "--image_epochs", "2", "--speaker_epochs", "2"]


@dataclass
class QuickstartRun:
    output_dir: Path
    stdout: str
    summary: dict  # quickstart.json


@pytest.fixture(scope="session")
def quickstart_outputs(tmp_path_factory) -> QuickstartRun:
    output_dir = tmp_path_factory.mktemp("quickstart")
    script = os.path.join(os.path.dirname(sys.executable), "artemis-hf")
    result = subprocess.run(
        [script, "quickstart", "--output_dir", str(output_dir), *QUICK], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return QuickstartRun(output_dir, result.stdout, json.loads((output_dir / "quickstart.json").read_text()))
