"""Throughput of the emotion-conditioned art GAN (the config's default widths, random weights) as `train gan` trains it.

Prints one JSON object: discriminator steps/s (real and generated paintings through D, backward, Adam), generator
steps/s (fakes made and scored, backward, Adam), full training steps/s (both and the moving-average update, as
`GanTask.training_step` does them) and the paintings per second that consumes, the generator's sampling images/s
(eval mode, no grad) at a larger batch, and the two networks' parameter counts. Each figure is the best of
`--repeats` runs of `--steps` steps after one warm-up step. fp32 unless `--bf16` (autocast; meant for a GPU).

    python benchmarks/gan.py [--image_size 64] [--batch_size 64] [--sample_batch_size 256] [--steps 1] [--repeats 3]
                             [--device cpu|cuda] [--bf16] [--threads N]

A 64 px step takes seconds on a 2-core CPU, hence one step per run there; on a GPU time more:
`--device cuda --bf16 --steps 50`.
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from artemis_hf.models.art_gan import ArtGANConfig
from artemis_hf.training.arguments import GanArguments, GanTrainingArguments
from artemis_hf.training.gan import ArtGANTraining


def steps_per_second(step, steps: int, repeats: int, device: torch.device) -> float:
    """One warm-up step (allocations, kernel selection), then the best of `repeats` runs of `steps` steps."""
    step()
    best = float("inf")
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(steps):
            step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return steps / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image_size", type=int, default=64)
    parser.add_argument("--batch_size", type=int, default=64, help="Paintings per training step.")
    parser.add_argument("--sample_batch_size", type=int, default=256, help="Images per sampling call.")
    parser.add_argument("--steps", type=int, default=1, help="Timed steps per run, after one warm-up step.")
    parser.add_argument(
        "--repeats", type=int, default=3, help="Timed runs per figure; the best counts (a shared machine is noisy)."
    )
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--bf16", action="store_true", help="bf16 autocast (slower than fp32 on most CPUs).")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: torch's default).")
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: torch sees no GPU")
    if args.threads:
        torch.set_num_threads(args.threads)
    start = time.perf_counter()
    torch.manual_seed(0)
    device = torch.device(args.device)
    config = ArtGANConfig(image_size=args.image_size)
    gan, training = GanArguments(), GanTrainingArguments(output_dir="unused")  # `train gan`'s defaults
    model = ArtGANTraining(config, gan.ema_decay, gan.translate, gan.classifier_loss_weight).to(device).train()
    rates = {"generator": training.learning_rate, "discriminator": 2 * training.learning_rate}
    optimizers = {
        name: torch.optim.Adam(
            getattr(model, name).parameters(), lr=rate, betas=(training.adam_beta1, training.adam_beta2)
        )
        for name, rate in rates.items()
    }
    real = torch.rand(args.batch_size, 3, args.image_size, args.image_size, device=device) * 2 - 1
    emotions = torch.randint(0, config.num_labels, (args.batch_size,), device=device)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.bf16)

    def optimize(network: str, losses: torch.Tensor) -> None:
        losses.mean().backward()
        optimizers[network].step()
        model.zero_grad(set_to_none=True)  # the generator's loss reached the discriminator too

    def discriminator_step(pixel_values: torch.Tensor = real) -> torch.Tensor:
        """Real paintings against fakes; returns the fakes, still attached to the generator."""
        with autocast:
            losses, fakes = model(pixel_values, emotions, network="discriminator")
        optimize("discriminator", losses)
        return fakes

    def generator_step(fakes: torch.Tensor | None = None) -> None:
        with autocast:
            if fakes is None:
                fakes = model.generator(torch.randn(len(emotions), config.noise_dim, device=device), emotions).images
            losses = model(fakes, emotions, network="generator")
        optimize("generator", losses)

    def training_step() -> (
        None
    ):  # GanTask.training_step without Accelerate: flips, D, then G on D's fakes, the average
        flipped = torch.rand(len(real), device=device) < 0.5
        generator_step(discriminator_step(torch.where(flipped[:, None, None, None], real.flip(-1), real)))
        model.update_average()

    generator = model.generator
    sample_emotions = torch.randint(0, config.num_labels, (args.sample_batch_size,), device=device)

    @torch.inference_mode()
    def sample() -> None:
        with autocast:
            generator.sample(sample_emotions)

    rate = {
        "discriminator_steps_per_second": steps_per_second(discriminator_step, args.steps, args.repeats, device),
        "generator_steps_per_second": steps_per_second(generator_step, args.steps, args.repeats, device),
        "training_steps_per_second": steps_per_second(training_step, args.steps, args.repeats, device),
    }
    rate["training_images_per_second"] = rate["training_steps_per_second"] * args.batch_size
    generator.eval()
    rate["sampling_images_per_second"] = (
        steps_per_second(sample, args.steps, args.repeats, device) * args.sample_batch_size
    )
    results = {
        "benchmark": f"art GAN at {args.image_size} px (default widths, random weights), batch {args.batch_size}",
        "device": torch.cuda.get_device_name() if device.type == "cuda" else "cpu",
        "dtype": "bf16 autocast" if args.bf16 else "fp32",
        "image_size": args.image_size,
        "batch_size": args.batch_size,
        "sample_batch_size": args.sample_batch_size,
        "steps": args.steps,
        "repeats": args.repeats,
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "generator_parameters": sum(p.numel() for p in model.generator.parameters()),
        "discriminator_parameters": sum(p.numel() for p in model.discriminator.parameters()),
        **{name: round(value, 3) for name, value in rate.items()},
    }
    if device.type == "cuda":
        results["peak_gpu_memory_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    results["seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
