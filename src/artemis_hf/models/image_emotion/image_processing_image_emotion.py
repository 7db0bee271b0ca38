"""Image processor of the image-to-emotion models: any image mode to RGB, resize, rescale, normalise (PIL backend).

Its settings (size, mean, std, interpolation, and the timm data config of the backbone they came from) are saved
with the weights in preprocessor_config.json, as timm keeps a model's preprocessing with its weights.
"""

from PIL import Image
from transformers.image_processing_backends import PilBackend
from transformers.image_utils import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD, PILImageResampling

TIMM_INTERPOLATIONS = {
    "nearest": PILImageResampling.NEAREST,
    "bilinear": PILImageResampling.BILINEAR,
    "bicubic": PILImageResampling.BICUBIC,
    "lanczos": PILImageResampling.LANCZOS,
    "box": PILImageResampling.BOX,
    "hamming": PILImageResampling.HAMMING,
}


# Copied from artemis_hf.data.images.to_rgb (the dataset's images and a served model's must be the same)
def to_rgb(image: Image.Image) -> Image.Image:
    """RGB copy of a PIL image of any mode: 16-bit greyscale scaled to 8 bits, transparency composited on white,
    CMYK/greyscale/palette converted."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.point(lambda value: value / 256).convert("L")  # plain convert would clip at 255
    if image.has_transparency_data:
        image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image.convert("RGBA"))
    return image.convert("RGB")


def decode_rgb(image: Image.Image) -> Image.Image:
    """`to_rgb`, after checking the size the header claims, so that a decompression bomb is refused before decoding."""
    width, height = image.size
    limit = Image.MAX_IMAGE_PIXELS
    if width < 1 or height < 1:
        raise ValueError(f"Image has no pixels ({width}x{height})")
    if limit and width * height > limit:
        raise ValueError(
            f"Image of {width}x{height} pixels is over PIL.Image.MAX_IMAGE_PIXELS={limit} (a decompression bomb?): "
            "resize it first, or raise that limit if the image is trusted"
        )
    try:
        return to_rgb(image)
    except (OSError, SyntaxError, ValueError) as error:  # PIL's errors for truncated or corrupt data
        name = getattr(image, "filename", "") or "the image"
        raise ValueError(f"Cannot decode {name}: {error}") from error


class ImageEmotionImageProcessor(PilBackend):
    r"""
    Converts images of any mode to RGB (see `to_rgb`), resizes to `size` with `resample`, rescales to [0, 1] and
    normalises with `image_mean` / `image_std`. The defaults are the reference's (256 x 256, bilinear, ImageNet
    statistics); `from_timm` takes them from a timm backbone instead.

    Args:
        timm_data_config (`dict`, *optional*): the timm data config of the backbone's pretrained weights (input
            size, crop, interpolation, mean, std), kept for `timm.data.create_transform`.
    """

    resample = PILImageResampling.BILINEAR
    image_mean = IMAGENET_DEFAULT_MEAN
    image_std = IMAGENET_DEFAULT_STD
    size = {"height": 256, "width": 256}
    do_resize = True
    do_rescale = True
    do_normalize = True
    do_convert_rgb = True
    model_input_names = ["pixel_values"]

    def __init__(self, timm_data_config: dict | None = None, **kwargs):
        super().__init__(**kwargs)
        self.timm_data_config = timm_data_config

    @classmethod
    def from_timm(cls, backbone: str, size: int | None = None, **kwargs) -> "ImageEmotionImageProcessor":
        """The mean, std and interpolation timm gives the `backbone` model name, at `size` x `size` (default: timm's)."""
        from timm.data import resolve_data_config
        from timm.models import get_pretrained_cfg

        pretrained_cfg = get_pretrained_cfg(backbone)
        if pretrained_cfg is None:
            raise ValueError(f"backbone={backbone!r} is not a model name timm knows")
        data_config = resolve_data_config(pretrained_cfg=pretrained_cfg.to_dict())
        side = size or data_config["input_size"][-1]
        return cls(
            size={"height": side, "width": side},
            resample=TIMM_INTERPOLATIONS.get(data_config["interpolation"], cls.resample),
            image_mean=list(data_config["mean"]),
            image_std=list(data_config["std"]),
            timm_data_config=data_config,
            **kwargs,
        )

    def to_dict(self) -> dict:
        output = super().to_dict()
        if isinstance(output.get("auto_map", {}).get("AutoImageProcessor"), str):
            # The backend-keyed form transformers 5 reads. From the plain string, pipeline() would also infer a remote
            # *video* processor that does not exist, and ask whether to run its code even with artemis_hf installed.
            output["auto_map"]["AutoImageProcessor"] = {"pil": output["auto_map"]["AutoImageProcessor"]}
        return output

    def process_image(self, image, *args, **kwargs):
        if isinstance(image, Image.Image):
            image = decode_rgb(image)
        return super().process_image(image, *args, **kwargs)


__all__ = ["ImageEmotionImageProcessor", "decode_rgb", "to_rgb"]
