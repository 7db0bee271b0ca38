"""Pipeline tasks, registered with transformers on import: `pipeline("artemis-captioning", model=...)`."""

from transformers.pipelines import PIPELINE_REGISTRY

from .. import models  # noqa: F401  (registers the speakers and their processor with the Auto classes)
from .captioning import TASK, ArtEmisCaptioningPipeline, AutoSpeaker

PIPELINE_REGISTRY.register_pipeline(TASK, pipeline_class=ArtEmisCaptioningPipeline, pt_model=AutoSpeaker, type="image")

__all__ = ["ArtEmisCaptioningPipeline"]
