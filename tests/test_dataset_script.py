"""dataset_script/ re-exports the package's builder, and its card is the one the export code renders."""

import importlib
import sys
from pathlib import Path

from artemis_hf.data.builder import ArtEmis
from artemis_hf.data.export import write_builder_card

DATASET_SCRIPT = Path(__file__).parents[1] / "dataset_script"


def test_builder_module_re_exports_the_package_builder(monkeypatch):
    monkeypatch.syspath_prepend(str(DATASET_SCRIPT))
    module = importlib.import_module("artemis")
    assert module.ArtEmis is ArtEmis
    assert [config.name for config in module.ArtEmis.BUILDER_CONFIGS] == ["raw", "deep-nets", "paintings"]
    sys.modules.pop("artemis")


def test_card_is_up_to_date(tmp_path):
    write_builder_card(tmp_path)
    assert (DATASET_SCRIPT / "README.md").read_text() == (tmp_path / "README.md").read_text(), (
        "dataset_script/README.md is stale: regenerate it with "
        "`python -c \"from artemis_hf.data.export import write_builder_card; write_builder_card('dataset_script')\"`"
    )
