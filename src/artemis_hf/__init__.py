"""artemis-hf: the ArtEmis affective-art dataset and its models as Hugging Face software.

`import artemis_hf` registers every model family with transformers' Auto classes, and the "artemis-captioning"
pipeline task, as soon as transformers is imported (at once, if it already is). Until then nothing heavy is
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


@wrapt.when_imported("transformers")
def _register_with_transformers(transformers):
    from . import models, pipelines  # noqa: F401  (each family's __init__ registers it; pipelines register the task)
