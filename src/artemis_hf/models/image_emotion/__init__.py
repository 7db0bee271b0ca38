"""Image to emotion: a timm backbone with an MLP head (the reference classifier) and the hand-crafted-features
baseline (the CS230 report), as `AutoModelForImageClassification` models with their image processor.

Importing this folder registers both with the Auto classes; saved checkpoints also carry the code
(`register_for_auto_class`), so `trust_remote_code=True` loads them where artemis_hf is not installed.
"""

from transformers import AutoConfig, AutoImageProcessor, AutoModelForImageClassification

from .configuration_handcrafted_emotion import HandcraftedEmotionConfig
from .configuration_image_emotion import EMOTIONS, LABEL_SCHEMES, ImageEmotionConfig
from .explain_image_emotion import explain_image, grad_cam, overlay_heatmap
from .image_processing_image_emotion import ImageEmotionImageProcessor, to_rgb
from .modeling_handcrafted_emotion import IMAGE_FEATURES, HandcraftedEmotionForImageClassification
from .modeling_image_emotion import ImageEmotionClassifierOutput, ImageEmotionForImageClassification, emotion_losses
from .visualize_image_emotion import class_model_visualization

for config_class, model_class in (
    (ImageEmotionConfig, ImageEmotionForImageClassification),
    (HandcraftedEmotionConfig, HandcraftedEmotionForImageClassification),
):
    AutoConfig.register(config_class.model_type, config_class, exist_ok=True)
    AutoModelForImageClassification.register(config_class, model_class, exist_ok=True)
    AutoImageProcessor.register(
        config_class, image_processor_classes={"pil": ImageEmotionImageProcessor}, exist_ok=True
    )
    config_class.register_for_auto_class()
    model_class.register_for_auto_class("AutoModelForImageClassification")
ImageEmotionImageProcessor.register_for_auto_class()

__all__ = [
    "EMOTIONS",
    "IMAGE_FEATURES",
    "LABEL_SCHEMES",
    "HandcraftedEmotionConfig",
    "HandcraftedEmotionForImageClassification",
    "ImageEmotionClassifierOutput",
    "ImageEmotionConfig",
    "ImageEmotionForImageClassification",
    "ImageEmotionImageProcessor",
    "class_model_visualization",
    "emotion_losses",
    "explain_image",
    "grad_cam",
    "overlay_heatmap",
    "to_rgb",
]
