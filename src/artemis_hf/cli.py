"""`artemis-hf`: each subcommand is a set of argument dataclasses handed to one library function."""

from __future__ import annotations

import logging
import sys

from transformers import HfArgumentParser

from .data import commands as dataset_commands
from .data.commands import ReleaseArguments
from .data.preprocess import PreprocessOptions
from .evaluation import commands as evaluation_commands
from .evaluation.report import EvaluationOptions
from .quickstart import QuickstartArguments, quickstart
from .training import sample as speaker_sample
from .training import image_emotion, speaker, text_emotion
from .training.loop import TrainingArguments

# (group, command) -> (argument dataclasses, function, summary)
COMMANDS = {
    ("dataset", "synthetic"): ((dataset_commands.SyntheticArguments,), dataset_commands.synthetic, "write a synthetic ArtEmis release (CSV + images)"),
    ("dataset", "build"): ((ReleaseArguments, PreprocessOptions, dataset_commands.BuildArguments), dataset_commands.build, "build a config and print its preprocessing report"),
    ("dataset", "export"): ((ReleaseArguments, PreprocessOptions, dataset_commands.ExportArguments), dataset_commands.export, "write Parquet shards and a dataset card"),
    ("dataset", "push"): ((dataset_commands.PushArguments,), dataset_commands.push, "upload an export to the Hub"),
    ("dataset", "stats"): ((ReleaseArguments, PreprocessOptions, dataset_commands.StatsArguments), dataset_commands.stats, "figures and plots of the reference analysis"),
    ("dataset", "resize"): ((dataset_commands.ResizeArguments,), dataset_commands.resize, "write resized copies of the images"),
    ("train", "image-emotion"): ((ReleaseArguments, image_emotion.ImageEmotionArguments, TrainingArguments), image_emotion.training_function, "train an image-to-emotion classifier (timm backbone, or hand-crafted features)"),
    ("train", "text-emotion"): ((ReleaseArguments, PreprocessOptions, text_emotion.TextEmotionArguments, TrainingArguments), text_emotion.training_function, "train a text-to-emotion classifier (LSTM or any encoder)"),
    ("train", "speaker"): ((ReleaseArguments, speaker.SpeakerArguments, speaker.SpeakerTrainingArguments), speaker.training_function, "train a speaker: Show-Attend-Tell (sat) or nearest neighbour (nn)"),
    ("sample", None): ((ReleaseArguments, speaker_sample.SampleArguments), speaker_sample.sample, "caption a split as JSON lines"),
    ("evaluate", None): ((evaluation_commands.EvaluateArguments, EvaluationOptions), evaluation_commands.evaluate, "score captions against a split, or --compare several speakers"),
    ("quickstart", None): ((QuickstartArguments,), quickstart, "run every stage on the embedded synthetic release"),
}


def usage() -> str:
    lines = ["usage: artemis-hf <command> [--help]", "", "commands:"]
    for (group, command), (_, _, summary) in COMMANDS.items():
        lines.append(f"  {group + (' ' + command if command else ''):<22} {summary}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("accelerate").setLevel(logging.WARNING)  # one INFO line per checkpoint file otherwise
    key = (argv[0], None) if argv and (argv[0], None) in COMMANDS else tuple(argv[:2])
    if key not in COMMANDS:
        print(usage(), file=sys.stderr if argv and argv[0] not in ("-h", "--help") else sys.stdout)
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    argument_classes, function, summary = COMMANDS[key]
    rest = argv[1:] if key[1] is None else argv[2:]
    parser = HfArgumentParser(argument_classes, prog=f"artemis-hf {' '.join(k for k in key if k)}", description=summary)
    function(*parser.parse_args_into_dataclasses(rest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
