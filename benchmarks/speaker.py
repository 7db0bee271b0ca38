"""The speakers, Show-Attend-Tell (sat) and the meshed-memory transformer (m2, paper sizes), at the reference sizes
(resnet34 at 256 px, random weights, the full vocabulary), beside the floor their backbone sets: the backbone's own
forward (for captioning) and forward + backward (for training) on the same batch.

Prints one JSON object per device (the CPU, and the GPU when there is one): the floor, then for each speaker its
phases and its ratios to the floor; for each phase its rate, seconds per batch and peak memory, each phase in a fresh
process so that the peak is its own.

    python benchmarks/speaker.py [--arch sat m2] [--batch_size 32] [--image_size 256] [--backbone resnet34]
                                 [--repeats 5] [--threads N] [--compile]

Floor: backbone_forward, backbone_forward_backward. Speaker phases: train_step (forward, backward, clipping, Adam;
captions of 6-31 tokens), train_step_grouped (the same captions, 5 per painting, each image encoded once, as the
painting-grouped batches of training), decoder_train_step (the same on cached grids, backbone frozen; M2's transformer encoder still
runs over them), caption_beam5 (the batch at once, 30 steps) and caption_beam5_one_image (the reference's way: one
image at a time); caption_model_steps times the model's own part of captioning (the encoder, then 30 cached steps
over 5 rows per image, greedy), so that generate()'s overhead shows. For SAT, two more phases time only the matrix products that its LSTM decoder cannot do without (the
cell and the vocabulary projection: for every beam at every step when captioning; when training, the cell forward and
backward over the padded batch and the projection over its real tokens): the floor plus these is the best that any
implementation of this architecture can do in this precision on this machine.
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
FLOOR_PHASES = ("backbone_forward", "backbone_forward_backward")
SPEAKER_PHASES = (
    "train_step",
    "train_step_grouped",
    "decoder_train_step",
    "caption_beam5",
    "caption_model_steps",
    "caption_beam5_one_image",
)
TRAINING_PHASES = (
    "backbone_forward_backward",
    "train_step",
    "train_step_grouped",
    "decoder_train_step",
    "decoder_products_train",
)
CAPTIONS_PER_PAINTING = 5  # ArtEmis: 5.3 training utterances per painting
LOWER_BOUND_PHASES = {"sat": ("decoder_products_caption", "decoder_products_train")}  # SAT's LSTM only
COMPILED_AGREEMENT = "compiled_agreement"  # with --compile: eager and compiled logits side by side
PHASES = FLOOR_PHASES + SPEAKER_PHASES + LOWER_BOUND_PHASES["sat"] + (COMPILED_AGREEMENT,)
BF16_TOLERANCE = 0.05  # largest |logit difference| accepted between two bf16 computations of the same logits
ARCHS = ("sat", "m2")
BEAMS = 5


def run_phase(phase: str, args) -> dict:
    import timm
    import torch

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

    emotion_ids = torch.randint(0, 9, (args.batch_size,), device=device)
    arch = args.arch[0]
    if phase in FLOOR_PHASES:
        backbone = timm.create_model(args.backbone, pretrained=False, features_only=True, out_indices=(-1,))
        backbone.to(device, memory_format=memory_format)
    else:
        model = speaker(arch, args.backbone).to(device, memory_format=memory_format)
        if args.compile:
            model.compile_decoder()

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
    elif (
        phase == "train_step_grouped"
    ):  # the same captions, 5 per painting: the backbone runs on a fifth of the images
        model.train()
        paintings = images[: -(-args.batch_size // CAPTIONS_PER_PAINTING)]
        index = torch.arange(len(paintings), device=device).repeat_interleave(CAPTIONS_PER_PAINTING)[: args.batch_size]
        work, items = (
            training_step(lambda: speaker_loss(pixel_values=paintings, image_index=index), list(model.parameters())),
            args.batch_size,
        )
    elif phase.startswith("decoder_products"):
        work, items = decoder_products(model, labels, training=phase.endswith("train")), args.batch_size
    elif phase == "decoder_train_step":
        model.train()
        with torch.no_grad(), autocast:
            grid = model.encoder.forward_features(images).float()
        model.encoder.backbone.requires_grad_(False)
        decoder = [p for p in model.parameters() if p.requires_grad]
        work, items = training_step(lambda: speaker_loss(image_features=grid), decoder), args.batch_size
    elif phase == "caption_model_steps":
        model.eval()
        work, items = model_steps(model, images, emotion_ids), args.batch_size
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
    grad = torch.enable_grad() if phase in TRAINING_PHASES else torch.inference_mode()

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


def speaker(arch: str, backbone: str):
    """The speaker `arch` at its reference sizes on `backbone`, grounded on the emotion."""
    if arch == "sat":
        from artemis_hf.models.speaker_sat import SpeakerSATConfig as Config
        from artemis_hf.models.speaker_sat import SpeakerSATForConditionalGeneration as Model
    else:
        from artemis_hf.models.speaker_m2 import SpeakerM2Config as Config
        from artemis_hf.models.speaker_m2 import SpeakerM2ForConditionalGeneration as Model
    return Model(Config(backbone=backbone, emotion_grounding=True))


def compiled_agreement(args) -> dict:
    """The largest difference between the eager and the compiled decoder's teacher-forced logits, in the run's
    precision (bf16 autocast on a GPU: kernels that fuse differently round differently)."""
    import copy

    import torch

    torch.manual_seed(0)
    device = torch.device(args.device)
    model = speaker(args.arch[0], args.backbone).to(device).eval()
    compiled = copy.deepcopy(model)
    compiled.compile_decoder()
    images = torch.randn(4, 3, args.image_size, args.image_size, device=device)
    labels = torch.randint(4, REFERENCE_VOCABULARY, (4, 12), device=device)
    emotion_ids = torch.arange(4, device=device)
    with torch.inference_mode(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
        eager, fused = (m(images, labels=labels, emotion_ids=emotion_ids).logits.float() for m in (model, compiled))
    difference = (eager - fused).abs().max().item()
    return {"max_abs_logit_difference": difference, "tolerance": BF16_TOLERANCE, "agree": difference <= BF16_TOLERANCE}


def model_steps(model, images, emotion_ids):
    """The model's own share of beam-5 captioning: the encoder once, then 30 cached steps over 5 rows per image
    (greedy), without generate()'s search and its logits processors."""
    import torch

    from artemis_hf.pipelines.captioning import _repeat_rows

    def work():
        encoder_outputs = _repeat_rows(model.get_encoder()(images, emotion_ids=emotion_ids), BEAMS)
        emotions = emotion_ids.repeat_interleave(BEAMS)
        tokens = torch.full((len(emotions), 1), model.config.decoder_start_token_id, device=images.device)
        past = None
        for _ in range(CAPTION_STEPS):
            outputs = model(
                encoder_outputs=encoder_outputs,
                decoder_input_ids=tokens,
                emotion_ids=emotions,
                past_key_values=past,
                use_cache=True,
            )
            past, tokens = outputs.past_key_values, outputs.logits[:, -1].argmax(-1, keepdim=True)

    return work


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
    common = (
        [
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
        ]
        + (["--channels_last"] if args.channels_last else [])
        + (["--compile"] if args.compile else [])
    )

    def measure(phases, arch="sat") -> dict:
        figures = {}
        for phase in phases:
            result = subprocess.run(
                [sys.executable, __file__, "--phase", phase, "--arch", arch, *common],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise RuntimeError(f"phase {phase} ({arch}) on {device} failed:\n{result.stderr[-3000:]}")
            figures[phase] = json.loads(result.stdout.strip().splitlines()[-1])
        return figures

    floor = measure(FLOOR_PHASES)
    speakers = {}
    for arch in args.arch:
        phases = measure(SPEAKER_PHASES + LOWER_BOUND_PHASES.get(arch, ()), arch)
        agreement = measure((COMPILED_AGREEMENT,), arch)[COMPILED_AGREEMENT] if args.compile else None
        rate = {phase: figures["items_per_second"] for phase, figures in {**floor, **phases}.items()}
        speakers[arch] = {
            "phases": phases,
            "compiled_logits": agreement,
            "training_samples_per_second": rate["train_step"],
            "captions_per_second_beam5": rate["caption_beam5"],
            "captions_per_second_beam5_one_image": rate["caption_beam5_one_image"],
            # How many times the floor's time each takes (1.0 = no cost beyond the backbone).
            "caption_time_over_backbone_forward": rate["backbone_forward"] / rate["caption_beam5"],
            "train_step_time_over_backbone_forward_backward": rate["backbone_forward_backward"] / rate["train_step"],
            "decoder_only_speedup_over_full_step": rate["decoder_train_step"] / rate["train_step"],
            "grouped_train_speedup_over_ungrouped": rate["train_step_grouped"] / rate["train_step"],
            "grouped_train_step_time_over_backbone_forward_backward": rate["backbone_forward_backward"]
            / rate["train_step_grouped"],
            "batched_captioning_speedup_over_one_image_at_a_time": rate["caption_beam5"]
            / rate["caption_beam5_one_image"],
            # What generate() adds to the model's own steps: beam bookkeeping, logits processors, cache reordering.
            "generate_overhead_share": 1 - rate["caption_beam5"] / rate["caption_model_steps"],
        }
        if arch in LOWER_BOUND_PHASES:  # The best the same ratios can be: the floor plus the products it needs.
            speakers[arch]["caption_time_lower_bound_over_backbone_forward"] = (
                1 + rate["backbone_forward"] / rate["decoder_products_caption"]
            )
            speakers[arch]["train_step_time_lower_bound_over_backbone_forward_backward"] = (
                1 + rate["backbone_forward_backward"] / rate["decoder_products_train"]
            )
    return {"device": device, "floor": floor, "speakers": speakers}


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
    parser.add_argument("--arch", nargs="+", choices=ARCHS, default=list(ARCHS), help="The speakers to measure.")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: torch's default).")
    parser.add_argument("--compile", action="store_true", help="torch.compile the decoders' per-word steps.")
    parser.add_argument(
        "--channels_last",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="NHWC images and convolutions (faster on CPUs).",
    )
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--device", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == COMPILED_AGREEMENT:
        print(json.dumps(compiled_agreement(args)))
        return
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
