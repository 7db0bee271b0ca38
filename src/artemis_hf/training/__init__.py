"""The shared training loop (Accelerate) and its per-family tasks."""

from .loop import TrainingArguments, TrainingResult, TrainingTask, train

__all__ = ["TrainingArguments", "TrainingResult", "TrainingTask", "train"]
