"""Throughput of the image-to-emotion classifier at the reference's setting: a ResNet-34 (random weights) at 256 px.

Prints one JSON object: for the CPU, and for the GPU when torch sees one, training samples/s (the whole step:
forward, KL loss to a histogram, backward, AdamW) with every stage training and with the last stage only (the
reference), inference images/s, and peak memory; plus the image processor's images/s on painting-sized inputs.
fp32 on the CPU (bf16 is several times slower on CPUs without bf16 units), bf16 autocast on the GPU.

    python benchmarks/classifiers.py [--backbone resnet34] [--image_size 256] [--batch_size 16] [--steps 3]
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import time

import numpy as np
import torch
from PIL import Image

from artemis_hf.models.image_emotion import (
    ImageEmotionConfig,
    ImageEmotionForImageClassification,
    ImageEmotionImageProcessor,
)


def synchronize(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def images_per_second(step, batch_size: int, steps: int, device: str) -> float:
    step()  # warm-up: allocations, kernel selection
    synchronize(device)
    start = time.perf_counter()
    for _ in range(steps):
        step()
    synchronize(device)
    return batch_size * steps / (time.perf_counter() - start)


def benchmark_device(args: argparse.Namespace, device: str) -> dict:
    torch.manual_seed(0)
    model = (
        ImageEmotionForImageClassification(ImageEmotionConfig(backbone=args.backbone))
        .to(device)
        .to(memory_format=torch.channels_last)
    )
    pixel_values = torch.randn(args.batch_size, 3, args.image_size, args.image_size, device=device).contiguous(
        memory_format=torch.channels_last
    )
    histograms = torch.randint(0, 3, (args.batch_size, model.config.num_labels), device=device)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=device == "cuda")
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()

    def train_step(optimizer):
        with autocast:
            loss = model(pixel_values=pixel_values, labels=histograms).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    @torch.no_grad()
    def inference_step():
        with autocast:
            model(pixel_values=pixel_values)

    figures = {}
    model.train()
    for name, stages in (("train_samples_per_second", None), ("train_last_stage_samples_per_second", 1)):
        model.set_trainable_stages(stages)
        optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
        figures[name] = images_per_second(
            functools.partial(train_step, optimizer), args.batch_size, args.steps, device
        )
    model.eval()
    figures["inference_images_per_second"] = images_per_second(inference_step, args.batch_size, args.steps, device)
    if device == "cuda":
        figures["peak_gpu_memory_mb"] = torch.cuda.max_memory_allocated() / 2**20
        figures["device_name"] = torch.cuda.get_device_name()
    figures["precision"] = "bf16 autocast" if device == "cuda" else "fp32"
    return {key: round(value, 2) if isinstance(value, float) else value for key, value in figures.items()}


def benchmark_processor(args: argparse.Namespace) -> float:
    """Images/s of the image processor on 600 x 480 RGB paintings (the reference's resized copies) to the model size."""
    processor = ImageEmotionImageProcessor.from_timm(args.backbone, size=args.image_size)
    rng = np.random.default_rng(0)
    images = [Image.fromarray(rng.integers(0, 256, (480, 600, 3), dtype=np.uint8)) for _ in range(args.batch_size)]
    return round(images_per_second(lambda: processor(images, return_tensors="pt"), len(images), args.steps, "cpu"), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backbone", default="resnet34")
    parser.add_argument("--image_size", type=int, default=256)
    parser.add_argument("--batch_size", type=int, default=16)
    parser.add_argument("--steps", type=int, default=3, help="Timed steps after one warm-up step, per figure.")
    args = parser.parse_args()
    start = time.perf_counter()
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    results = {
        "benchmark": f"image emotion classifier, {args.backbone} (random weights) at {args.image_size} px, batch {args.batch_size}",
        "torch": torch.__version__,
        "cpu_threads": torch.get_num_threads(),
        "processor_images_per_second": benchmark_processor(args),
        **{device: benchmark_device(args, device) for device in devices},
        "peak_cpu_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    results["seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
