"""The package's shape: dependencies run one way, and every marked copy of a fact equals its original."""

import ast
import importlib
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

import artemis_hf
from artemis_hf.cli import COMMANDS
from artemis_hf.data import sources
from artemis_hf.training.image_emotion import STYLE_ERAS

PACKAGE_DIR = Path(artemis_hf.__file__).parent
PACKAGE = "artemis_hf"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every artemis_hf module a file imports, at any depth of its code (lazy imports inside functions included)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module
            # `from . import models` imports a module; `from .x import name` imports x.
            found.update(f"{target}.{alias.name}" for alias in node.names)
            found.add(target)
    return {module for module in found if module == PACKAGE or module.startswith(PACKAGE + ".")}


GRAPH = {
    module_name(path): imported_modules(path) for path in PACKAGE_DIR.rglob("*.py") if "metrics" not in path.parts
}


def importers_of(prefix: str) -> dict[str, set[str]]:
    return {
        module: {imported for imported in imports if imported == prefix or imported.startswith(prefix + ".")}
        for module, imports in GRAPH.items()
        if any(imported == prefix or imported.startswith(prefix + ".") for imported in imports)
    }


def inside(module: str, *prefixes: str) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def test_the_graph_was_read():
    assert len(GRAPH) > 50 and "artemis_hf.training.speaker" in GRAPH
    assert "artemis_hf.data.paintings" in GRAPH["artemis_hf.training.speaker"]


def test_a_model_family_imports_nothing_of_ours_outside_its_folder():
    for module, imports in GRAPH.items():
        if inside(module, "artemis_hf.models") and module != "artemis_hf.models":
            family = ".".join(module.split(".")[:3])
            assert all(inside(imported, family) for imported in imports), (module, imports)


def test_data_imports_no_models_training_evaluation_or_cli():
    for module, imports in GRAPH.items():
        if inside(module, "artemis_hf.data"):
            bad = [
                i
                for i in imports
                if inside(i, "artemis_hf.models", "artemis_hf.training", "artemis_hf.evaluation", "artemis_hf.cli")
            ]
            assert not bad, (module, bad)


def test_only_the_cli_and_the_quickstart_import_command_modules():
    for module, imports in GRAPH.items():
        commands = [i for i in imports if i.endswith(".commands") or ".commands." in i]
        if commands and not module.endswith(".commands"):
            assert module in ("artemis_hf.cli", "artemis_hf.quickstart"), (module, commands)
    # The CLI names its command modules as strings ("module:attribute"), imported when they run.
    assert COMMANDS[("dataset", "synthetic")][0] == "artemis_hf.data.commands:synthetic"


def test_the_synthetic_generator_stays_in_the_data_layer():
    for module, imported in importers_of("artemis_hf.data.synthetic").items():
        assert not inside(
            module, "artemis_hf.training", "artemis_hf.evaluation", "artemis_hf.pipelines", "artemis_hf.models"
        ), (module, imported)


def test_inference_never_imports_training():
    for module, imported in importers_of("artemis_hf.training").items():
        assert not inside(
            module, "artemis_hf.evaluation", "artemis_hf.pipelines", "artemis_hf.sampling", "artemis_hf.demo"
        ), (module, imported)


def test_nothing_imports_the_cli():
    assert not importers_of("artemis_hf.cli")


# --- Copies that must stay equal to their original (a model folder is remote code: it cannot import ours) ---

COPY_MARK = re.compile(r"^# Copied from (artemis_hf\.[\w.]+)", re.MULTILINE)


def marked_copies() -> list[tuple[Path, str]]:
    return [
        (path, match.group(1)) for path in PACKAGE_DIR.rglob("*.py") for match in COPY_MARK.finditer(path.read_text())
    ]


def test_every_copy_of_the_emotions_and_of_the_image_conversions_is_marked():
    originals = [original for _, original in marked_copies()]
    assert originals.count("artemis_hf.emotions.EMOTIONS") == 6  # one per model family's configuration
    assert originals.count("artemis_hf.data.images.to_rgb") == 2  # the image processor's and the pipeline's
    assert originals.count("artemis_hf.models.image_emotion.image_processing_image_emotion.decode_rgb") == 1
    assert (
        len(
            re.findall(
                r"^EMOTIONS(: [^=]+)? = ", "\n".join(p.read_text() for p in PACKAGE_DIR.rglob("*.py")), re.MULTILINE
            )
        )
        == 7  # the original and its copies
    )


@pytest.mark.parametrize("path, original", marked_copies(), ids=lambda value: str(value).split("artemis_hf/")[-1])
def test_a_marked_copy_equals_its_original(path, original):
    module_name, name = original.rsplit(".", 1)
    source = getattr(importlib.import_module(module_name), name)
    text = path.read_text()
    if name == "EMOTIONS":
        assert ast.literal_eval(re.search(r"^EMOTIONS = (.*)$", text, re.MULTILINE).group(1)) == source
    else:
        copy = text[text.index(f"def {name}(") :].split("\n\n\n")[0]
        assert copy.strip() == inspect.getsource(source).strip()


def test_every_art_style_has_an_era():
    assert set(STYLE_ERAS) == set(sources.ART_STYLES) and len(sources.ART_STYLES) == 27


# --- `import artemis_hf` is light, and still registers everything with transformers ---

REGISTERED = (
    "from transformers import AutoConfig\n"
    "from transformers.pipelines import PIPELINE_REGISTRY\n"
    "types = ['artemis-image-emotion', 'artemis-handcrafted-emotion', 'artemis-text-emotion-lstm', 'artemis-speaker-sat', 'artemis-speaker-m2', 'artemis-speaker-nn']\n"
    "assert all(AutoConfig.for_model(name).model_type == name for name in types)\n"
    "assert 'artemis-captioning' in PIPELINE_REGISTRY.get_supported_tasks()\n"
)


@pytest.mark.parametrize(
    "program",
    [
        # artemis_hf first: nothing heavy until transformers is imported, then everything registers.
        "import sys, artemis_hf\nassert 'transformers' not in sys.modules and 'torch' not in sys.modules\nimport transformers\n",
        # transformers first: artemis_hf registers at once.
        "import transformers\nimport artemis_hf\n",
    ],
    ids=["artemis_hf-first", "transformers-first"],
)
def test_import_artemis_hf_registers_every_family_and_the_pipeline(program):
    result = subprocess.run([sys.executable, "-c", program + REGISTERED], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
