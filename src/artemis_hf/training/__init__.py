"""The shared training loop (Accelerate) and its per-family tasks; `arguments` holds every command's options."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={"arguments": ["TrainingArguments"], "loop": ["TrainingResult", "TrainingTask", "train"]},
)
