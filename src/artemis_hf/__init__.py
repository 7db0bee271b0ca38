"""artemis-hf: the ArtEmis affective-art dataset and its models as Hugging Face software.

`import artemis_hf` registers every model family and the reference-mode tokenizer with transformers' Auto classes,
and the "artemis-captioning" pipeline task, as soon as transformers is imported (at once, if it already is). Until then nothing heavy is
imported, so that the command line answers `--help` instantly; names below load on first use.
"""

import lazy_loader
import wrapt

__version__ = "0.1.0"

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["data", "emotions", "evaluation", "models", "pipelines", "sampling", "training"],
    submod_attrs={"data": ["build_artemis", "load_artemis"], "emotions": ["EMOTIONS"]},
)


TOKENIZATION_MODULE = "artemis_hf.data.tokenization_artemis"


@wrapt.when_imported("transformers")
def _register_with_transformers(transformers):
    import importlib
    import sys

    from . import models, pipelines  # noqa: F401  (each family's __init__ registers it; pipelines register the task)

    # The tokenizer module imports transformers itself: when that import is what brought us here, the module is half
    # made, and `_register_tokenizer` runs once it is complete.
    if TOKENIZATION_MODULE not in sys.modules:
        importlib.import_module(TOKENIZATION_MODULE)


@wrapt.when_imported(TOKENIZATION_MODULE)
def _register_tokenizer(tokenization):
    from transformers import AutoTokenizer

    from .models.text_emotion import TextEmotionLSTMConfig

    # By name, so that AutoTokenizer loads it from a tokenizer_config.json without remote code. Families import nothing
    # outside their folder, so the text family's tie to the data layer's tokenizer is made here.
    AutoTokenizer.register(TextEmotionLSTMConfig, tokenizer_class=tokenization.ArtEmisTokenizer, exist_ok=True)
