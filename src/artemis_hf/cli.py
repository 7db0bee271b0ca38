"""`artemis-hf`: each subcommand is a set of argument dataclasses handed to one library function.

Commands are named by module path and imported only when they run, and their argument dataclasses live in modules
that import nothing heavy, so that `--help` answers at once. Errors reach the user as one line
(`artemis-hf: error: ...`); `--debug` or `ARTEMIS_HF_DEBUG=1` adds the traceback.
"""

from __future__ import annotations

import importlib
import sys

from .argparsing import USAGE_ERROR_EXIT_CODE, UsageError, debug_requested, report_error, run_command

PROGRAM = "artemis-hf"
RELEASE = "artemis_hf.data.sources:ReleaseArguments"
PREPROCESS = "artemis_hf.data.options:PreprocessOptions"
DATASET = "artemis_hf.data.commands"
TRAINING = "artemis_hf.training.arguments"
HUB = "artemis_hf.hub.commands"
PUSH_OPTIONS = "artemis_hf.hub.options:PushOptions"

# (group, command) -> (function, argument dataclasses, summary), each as "module:attribute"
COMMANDS = {
    ("dataset", "synthetic"): (
        f"{DATASET}:synthetic",
        [f"{DATASET}:SyntheticArguments"],
        "write a synthetic ArtEmis release (CSV + images)",
    ),
    ("dataset", "build"): (
        f"{DATASET}:build",
        [RELEASE, PREPROCESS, f"{DATASET}:BuildArguments"],
        "build a config and print its preprocessing report",
    ),
    ("dataset", "export"): (
        f"{DATASET}:export",
        [RELEASE, PREPROCESS, f"{DATASET}:ExportArguments"],
        "write Parquet shards and a dataset card",
    ),
    ("dataset", "push"): (
        f"{DATASET}:push",
        [f"{DATASET}:PushArguments", PUSH_OPTIONS],
        "upload an export to the Hub",
    ),
    ("dataset", "stats"): (
        f"{DATASET}:stats",
        [RELEASE, PREPROCESS, f"{DATASET}:StatsArguments"],
        "figures and plots of the reference analysis",
    ),
    ("dataset", "resize"): (f"{DATASET}:resize", [f"{DATASET}:ResizeArguments"], "write resized copies of the images"),
    ("train", "image-emotion"): (
        "artemis_hf.training.image_emotion:training_function",
        [RELEASE, f"{TRAINING}:ImageEmotionArguments", f"{TRAINING}:TrainingArguments"],
        "train an image-to-emotion classifier (timm backbone, or hand-crafted features)",
    ),
    ("train", "text-emotion"): (
        "artemis_hf.training.text_emotion:training_function",
        [RELEASE, PREPROCESS, f"{TRAINING}:TextEmotionArguments", f"{TRAINING}:TrainingArguments"],
        "train a text-to-emotion classifier (LSTM or any encoder)",
    ),
    ("train", "speaker"): (
        "artemis_hf.training.speaker:training_function",
        [RELEASE, f"{TRAINING}:SpeakerArguments", f"{TRAINING}:SpeakerTrainingArguments"],
        "train a speaker: Show-Attend-Tell (sat), meshed-memory transformer (m2) or nearest neighbour (nn)",
    ),
    ("train", "gan"): (
        "artemis_hf.training.gan:training_function",
        [RELEASE, f"{TRAINING}:GanArguments", f"{TRAINING}:GanTrainingArguments"],
        "train an emotion-conditioned GAN, judged by an image emotion classifier",
    ),
    ("generate", None): (
        "artemis_hf.generation:generate",
        ["artemis_hf.generation:GenerateArguments"],
        "paint new images for an emotion with a trained GAN",
    ),
    ("visualize", None): (
        "artemis_hf.visualize:visualize",
        ["artemis_hf.visualize:VisualizeArguments"],
        "an image classifier's idea of each emotion: one image per emotion that maximises its logit",
    ),
    ("sample", None): (
        "artemis_hf.sampling:sample",
        [RELEASE, "artemis_hf.sampling:SampleArguments"],
        "caption a split as JSON lines",
    ),
    ("evaluate", None): (
        "artemis_hf.evaluation.commands:evaluate",
        [
            RELEASE,
            "artemis_hf.evaluation.commands:EvaluateArguments",
            "artemis_hf.evaluation.options:EvaluationOptions",
        ],
        "score captions against a split, or --compare several speakers",
    ),
    ("analyze", None): (
        "artemis_hf.analysis.commands:analyze",
        [RELEASE, PREPROCESS, "artemis_hf.analysis.options:AnalyzeArguments"],
        "language and emotion figures of the release, plots and a report; --compare other texts",
    ),
    ("push", None): (
        f"{HUB}:push",
        [f"{HUB}:PushArguments", PUSH_OPTIONS],
        "upload a model folder and its card to the Hub",
    ),
    ("card", None): (f"{HUB}:card", [f"{HUB}:CardArguments"], "write or refresh a model folder's card (README.md)"),
    ("demo", None): (
        "artemis_hf.demo:serve",
        ["artemis_hf.demo_arguments:DemoArguments"],
        "serve the Gradio app: a painting's emotions explained, and the emotional Turing test",
    ),
    ("quickstart", None): (
        "artemis_hf.quickstart:quickstart",
        ["artemis_hf.quickstart:QuickstartArguments"],
        "run every stage on the embedded synthetic release",
    ),
}


def load(path: str):
    module, attribute = path.split(":")
    return getattr(importlib.import_module(module), attribute)


def command_name(key: tuple[str, str | None]) -> str:
    return " ".join(part for part in key if part)


def usage() -> str:
    lines = [f"usage: {PROGRAM} <command> [--help] [--debug]", "", "commands:"]
    lines += [f"  {command_name(key):<22} {summary}" for key, (_, _, summary) in COMMANDS.items()]
    return "\n".join(lines)


def find_command(argv: list[str]) -> tuple[str, str | None]:
    """The command that argv names, or a `UsageError` that says what was wrong."""
    groups = {group: [command for g, command in COMMANDS if g == group] for group, _ in COMMANDS}
    group = argv[0]
    if group not in groups:
        raise UsageError(f"unknown command {group!r}; commands: {', '.join(groups)} (see `{PROGRAM} --help`)")
    if groups[group] == [None]:
        return group, None
    if len(argv) < 2 or argv[1].startswith("-"):
        raise UsageError(f"{group!r} needs a subcommand: {', '.join(groups[group])}")
    if argv[1] not in groups[group]:
        raise UsageError(f"unknown command '{group} {argv[1]}'; {group!r} has: {', '.join(groups[group])}")
    return group, argv[1]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = debug_requested(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0
    try:
        key = find_command(argv)
        function, argument_classes, summary = COMMANDS[key]
        argument_classes = [load(path) for path in argument_classes]
    except Exception as error:
        report_error(error, PROGRAM, debug)
        return USAGE_ERROR_EXIT_CODE
    rest = argv[1:] if key[1] is None else argv[2:]
    return run_command(
        lambda *arguments: load(function)(*arguments),
        argument_classes,
        rest,
        f"{PROGRAM} {command_name(key)}",
        summary,
        debug,
    )


if __name__ == "__main__":
    sys.exit(main())
