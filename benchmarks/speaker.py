"""Show-Attend-Tell speaker at the reference sizes (resnet34 at 256 px, random weights, the full vocabulary), beside
the floor its backbone sets: the backbone's own forward (for captioning) and forward + backward (for training) on the
same batch.

Prints one JSON object per device (the CPU, and the GPU when there is one): for each phase its rate, seconds per
batch and peak memory, each phase in a fresh process so that the peak is its own; and the ratios to the floor.

    python benchmarks/speaker.py [--batch_size 32] [--image_size 256] [--backbone resnet34] [--repeats 5] [--threads N]

Phases: backbone_forward, backbone_forward_backward, train_step (forward, backward, clipping, Adam; captions of
6-31 tokens), decoder_train_step (the same on cached grids, backbone frozen), caption_beam5 (the batch at once,
30 steps) and caption_beam5_one_image (the reference's way: one image at a time). Two more phases time only the matrix
products that the reference decoder cannot do without (the LSTM cell and the vocabulary projection: for every beam at
every step when captioning; when training, the cell forward and backward over the padded batch and the projection
over its real tokens): the floor plus these is the best that any implementation of this architecture can do in this
precision on this machine.
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import subprocess
import sys
import time

REFERENCE_VOCABULARY = 14_469 + 4
CAPTION_STEPS = 30
PHASES = (
    "backbone_forward",
    "backbone_forward_backward",
    "train_step",
    "decoder_train_step",
    "caption_beam5",
    "caption_beam5_one_image",
    "decoder_products_caption",
    "decoder_products_train",
)
BEAMS = 5


def run_phase(phase: str, args) -> dict:
    import timm
    import torch

    from artemis_hf.models.speaker_sat import SpeakerSATConfig, SpeakerSATForConditionalGeneration

    torch.manual_seed(0)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=cuda)  # fp32 on CPUs: bf16 is slower there
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    images = torch.randn(args.batch_size, 3, args.image_size, args.image_size, device=device).contiguous(
        memory_format=memory_format
    )
    lengths = torch.randint(6, CAPTION_STEPS + 2, (args.batch_size,))
    labels = torch.randint(4, REFERENCE_VOCABULARY, (args.batch_size, int(lengths.max())))
    labels[torch.arange(labels.shape[1]) >= lengths[:, None]] = -100
    labels = labels.to(device)

    model = SpeakerSATForConditionalGeneration(SpeakerSATConfig(backbone=args.backbone, emotion_grounding=True)).to(
        device, memory_format=memory_format
    )
    emotion_ids = torch.randint(0, 9, (args.batch_size,), device=device)
    backbone = timm.create_model(args.backbone, pretrained=False, features_only=True, out_indices=(-1,)).to(
        device, memory_format=memory_format
    )

    def speaker_loss(**images_or_grids):
        return model(**images_or_grids, labels=labels, emotion_ids=emotion_ids).loss

    def training_step(loss_fn, parameters):
        optimizer = torch.optim.Adam(parameters)

        def step():
            loss_fn().backward()
            torch.nn.utils.clip_grad_norm_(parameters, 5.0)
            optimizer.step()
            optimizer.zero_grad()

        return step

    if phase == "backbone_forward":
        backbone.eval()
        work, items = lambda: backbone(images), args.batch_size
    elif phase == "backbone_forward_backward":
        work, items = lambda: backbone(images)[-1].float().mean().backward(), args.batch_size
    elif phase == "train_step":
        model.train()
        work, items = (
            training_step(lambda: speaker_loss(pixel_values=images), list(model.parameters())),
            args.batch_size,
        )
    elif phase.startswith("decoder_products"):
        work, items = decoder_products(model, labels, training=phase.endswith("train")), args.batch_size
    elif phase == "decoder_train_step":
        model.train()
        with torch.no_grad(), autocast:
            grid = model.get_encoder()(images).last_hidden_state.float()
        model.encoder.requires_grad_(False)
        decoder = [p for p in model.parameters() if p.requires_grad]
        work, items = training_step(lambda: speaker_loss(encoder_outputs=(grid,)), decoder), args.batch_size
    else:
        model.eval()
        batch = images[:1] if phase == "caption_beam5_one_image" else images
        emotions = emotion_ids[: len(batch)]
        # min_new_tokens: a random model would stop early; the reference figure is for 30 steps.
        work = functools.partial(
            model.generate,
            batch,
            emotion_ids=emotions,
            num_beams=BEAMS,
            max_new_tokens=CAPTION_STEPS,
            min_new_tokens=CAPTION_STEPS,
        )
        items = len(batch)
    grad = (
        torch.enable_grad()
        if "step" in phase or phase in ("backbone_forward_backward", "decoder_products_train")
        else torch.inference_mode()
    )

    def timed() -> float:
        if cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        with grad, autocast:
            work()
        if cuda:
            torch.cuda.synchronize()
        return time.perf_counter() - start

    baseline_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    timed()  # warm-up
    seconds = min(timed() for _ in range(args.repeats))
    figures = {"items_per_second": items / seconds, "seconds_per_batch": seconds, "batch": items}
    if cuda:
        figures["peak_gpu_memory_mb"] = torch.cuda.max_memory_allocated() / 2**20
    else:
        figures["peak_memory_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        figures["memory_before_mb"] = baseline_mb
    return figures


def decoder_products(model, labels, training: bool):
    """The speaker's own LSTM cell and vocabulary projection on random inputs of the sizes a caption batch gives them."""
    import torch

    cell, projection = model.decoder.lstm, model.lm_head
    batch_size, train_steps = labels.shape
    rows, steps = (batch_size, train_steps) if training else (batch_size * BEAMS, CAPTION_STEPS)
    device = projection.weight.device
    inputs = torch.randn(steps, rows, cell.input_size, device=device)
    state = (torch.zeros(rows, cell.hidden_size, device=device),) * 2
    tokens = int((labels != -100).sum())

    def work():
        h, c = state
        if training:  # the cell over the padded batch step by step, the projection of the real tokens, backward
            outputs = []
            for x in inputs:
                h, c = cell(x, (h, c))
                outputs.append(h)
            projection(torch.stack(outputs).flatten(0, 1)[:tokens]).float().mean().backward()
        else:  # each step needs the previous step's words
            for x in inputs:
                h, c = cell(x, (h, c))
                projection(h)

    return work


def benchmark_device(device: str, args) -> dict:
    common = [
        "--batch_size",
        str(args.batch_size),
        "--image_size",
        str(args.image_size),
        "--backbone",
        args.backbone,
        "--repeats",
        str(args.repeats),
        "--device",
        device,
        "--threads",
        str(args.threads),
    ] + (["--channels_last"] if args.channels_last else [])
    phases = {}
    for phase in PHASES:
        result = subprocess.run(
            [sys.executable, __file__, "--phase", phase, *common], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"phase {phase} on {device} failed:\n{result.stderr[-3000:]}")
        phases[phase] = json.loads(result.stdout.strip().splitlines()[-1])
    rate = {phase: figures["items_per_second"] for phase, figures in phases.items()}
    return {
        "device": device,
        "phases": phases,
        "training_samples_per_second": rate["train_step"],
        "captions_per_second_beam5": rate["caption_beam5"],
        # How many times the floor's time each takes (1.0 = no cost beyond the backbone).
        "caption_time_over_backbone_forward": rate["backbone_forward"] / rate["caption_beam5"],
        "train_step_time_over_backbone_forward_backward": rate["backbone_forward_backward"] / rate["train_step"],
        "decoder_only_speedup_over_full_step": rate["decoder_train_step"] / rate["train_step"],
        # The best the same ratios can be: the floor plus the products the decoder cannot do without.
        "caption_time_lower_bound_over_backbone_forward": 1
        + rate["backbone_forward"] / rate["decoder_products_caption"],
        "train_step_time_lower_bound_over_backbone_forward_backward": 1
        + rate["backbone_forward_backward"] / rate["decoder_products_train"],
        "batched_captioning_speedup_over_one_image_at_a_time": rate["caption_beam5"] / rate["caption_beam5_one_image"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--image_size", type=int, default=256)
    parser.add_argument("--backbone", default="resnet34")
    parser.add_argument(
        "--repeats",
        type=int,
        default=5,
        help="Timed runs per phase after one warm-up; the best counts (a shared machine is noisy).",
    )
    parser.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: torch's default).")
    parser.add_argument(
        "--channels_last",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="NHWC images and convolutions (faster on CPUs).",
    )
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--device", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(run_phase(args.phase, args)))
        return

    import torch

    settings = {
        "backbone": args.backbone,
        "image_size": args.image_size,
        "batch_size": args.batch_size,
        "vocabulary": REFERENCE_VOCABULARY,
        "caption_steps": CAPTION_STEPS,
        "channels_last": args.channels_last,
        "torch_threads": args.threads or torch.get_num_threads(),
    }
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print(
        json.dumps({"settings": settings, "results": [benchmark_device(device, args) for device in devices]}, indent=1)
    )


if __name__ == "__main__":
    main()
