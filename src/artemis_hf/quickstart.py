"""`artemis-hf quickstart`: every stage of the project, end to end, on the embedded synthetic release.

Each capability adds its stage here, calling the same library functions as its command, at sizes that keep the
whole run to a few minutes on a laptop CPU.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from .data.options import PreprocessOptions
from .data.sources import SYNTHETIC_PRETTY_NAME, ReleaseArguments, synthetic_default_release
from .demo_arguments import QUICKSTART_DIR
from .evaluation.options import EvaluationOptions
from .sampling import SampleArguments, sample
from .training.arguments import (
    ImageEmotionArguments,
    SpeakerArguments,
    SpeakerTrainingArguments,
    TextEmotionArguments,
    TrainingArguments,
)

# Speakers small enough for a laptop CPU: the test backbone cut at stride 8 (an 8 x 8 grid at 64 px), frozen, cached.
TINY_GRID = dict(backbone="test_resnet", feature_layer=2, image_size=64)
TINY_SPEAKER = dict(**TINY_GRID, attention_dim=64, decoder_dim=128, word_embedding_dim=64)
TINY_M2 = dict(**TINY_GRID, d_model=64, encoder_layers=2, decoder_layers=2, num_heads=4, d_ff=128, memory_slots=8)
# The image classifier on the same backbone and size: enough for emotion="auto", Grad-CAM and the demo's bars.
TINY_IMAGE_CLASSIFIER = dict(backbone="test_resnet", image_size=64, head_hidden_sizes=[64])


@dataclass
class QuickstartArguments:
    output_dir: str = field(default=QUICKSTART_DIR, metadata={"help": "Where every stage writes its results."})
    epochs: int = field(default=4, metadata={"help": "Epochs of the text classifier."})
    image_epochs: int = field(default=6, metadata={"help": "Epochs of the image classifier."})
    speaker_epochs: int = field(default=15, metadata={"help": "Epochs of the Show-Attend-Tell and M2 speakers."})
    demo: bool = field(default=False, metadata={"help": "Open the Gradio demo on the trained models at the end."})


def quickstart(args: QuickstartArguments) -> dict:
    # The stages' code is imported here, so that `artemis-hf quickstart --help` does not wait for torch.
    from .analysis import Analysers, analyze_release, load_collection
    from .data.builder import build_artemis
    from .data.export import export_artemis
    from .data.preprocess import prepare_release
    from .data.stats import format_table, write_statistics
    from .evaluation.report import compare
    from .training.image_emotion import training_function as train_image_emotion
    from .training.speaker import training_function as train_speaker
    from .training.text_emotion import training_function as train_text_emotion

    output_dir = Path(args.output_dir)
    summary: dict = {"seconds": {}}
    started = time.perf_counter()

    def stage_done(name: str) -> None:  # seconds per stage, in quickstart.json: where the time of a run goes
        nonlocal started
        summary["seconds"][name] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()

    csv_path, images_dir = synthetic_default_release()

    print(f"[1/7] dataset: synthetic release at {csv_path}, exported as Parquet")
    prepared = prepare_release(csv_path, images_dir)
    statistics = write_statistics(prepared, output_dir / "statistics")  # the dataset card shows them too
    summary["dataset_dir"] = str(
        export_artemis(
            csv_path,
            output_dir / "dataset",
            images_dir,
            embed_images=True,
            pretty_name=SYNTHETIC_PRETTY_NAME,
            statistics=statistics,
        )
    )
    summary["statistics"] = statistics
    print(f"[2/7] statistics:\n{format_table(statistics)}")
    stage_done("dataset and statistics")

    print("[3/7] text-to-emotion LSTM classifier")
    text = train_text_emotion(
        ReleaseArguments(),
        PreprocessOptions(),
        TextEmotionArguments(embedding_dim=64, hidden_size=64),
        TrainingArguments(
            output_dir=str(output_dir / "text-emotion"),
            overwrite_output_dir=True,  # the quickstart run again into the same folder replaces its models
            num_epochs=args.epochs,
            learning_rate=5e-3,
            lr_scheduler="constant",
        ),
    )
    summary["text_emotion"] = text["test"]
    print(
        "      held-out accuracy {accuracy:.1%} (9-way), {sentiment_accuracy:.1%} (pos/neg/else)".format(
            **text["test"]
        )
    )
    stage_done("text classifier")

    print("[4/7] image-to-emotion classifier (with Grad-CAM; the speakers' emotion='auto')")
    release = ReleaseArguments()
    image = train_image_emotion(
        release,
        ImageEmotionArguments(**TINY_IMAGE_CLASSIFIER),
        TrainingArguments(
            output_dir=str(output_dir / "image-emotion"),
            overwrite_output_dir=True,
            num_epochs=args.image_epochs,
            learning_rate=3e-3,
            lr_scheduler="constant",
        ),
    )
    summary["image_emotion"] = image["test"]
    print("      held-out accuracy {accuracy:.1%} (9-way)".format(**image["test"]))
    stage_done("image classifier")

    print("[5/7] speakers: emotion-grounded Show-Attend-Tell and M2, and the nearest-neighbour baseline")
    classifier = str((output_dir / "image-emotion").absolute())  # the speakers' configs name it: from any folder
    train_speaker(
        release,
        SpeakerArguments(emotion_grounding=True, cache_features=True, emotion_classifier=classifier, **TINY_SPEAKER),
        SpeakerTrainingArguments(
            output_dir=str(output_dir / "speaker-sat"),
            overwrite_output_dir=True,
            num_epochs=args.speaker_epochs,
            per_device_batch_size=64,
            learning_rate=3e-3,
            lr_scheduler="constant",
            early_stopping_patience=None,
        ),
    )
    train_speaker(
        release,
        SpeakerArguments(
            arch="m2", emotion_grounding=True, cache_features=True, emotion_classifier=classifier, **TINY_M2
        ),
        SpeakerTrainingArguments(
            output_dir=str(output_dir / "speaker-m2"),
            overwrite_output_dir=True,
            num_epochs=args.speaker_epochs,
            per_device_batch_size=64,
            learning_rate=3e-3,  # the peak, after 100 warm-up steps (M2's schedule, shortened)
            warmup_steps=100,
            early_stopping_patience=None,
        ),
    )
    train_speaker(
        release,
        SpeakerArguments(arch="nn", backbone="test_resnet", image_size=64, emotion_classifier=classifier),
        SpeakerTrainingArguments(output_dir=str(output_dir / "speaker-nn"), overwrite_output_dir=True),
    )
    captions = [
        sample(
            release,
            SampleArguments(
                model=str(output_dir / name), emotion="dominant", output=str(output_dir / f"captions-{name}.jsonl")
            ),
        )
        for name in ("speaker-sat", "speaker-m2", "speaker-nn")
    ]
    stage_done("speakers and captions")

    print("[6/7] evaluation of the speakers on the held-out paintings")
    references = build_artemis(csv_path, None, "deep-nets").dataset
    options = EvaluationOptions(text_classifier=str(output_dir / "text-emotion"), meteor=False)
    table = compare(captions, references, output_dir / "evaluation", options)
    summary["speaker_table"] = table
    print(table)
    stage_done("evaluation")

    print("[7/7] analysis: the human utterances beside the speakers' captions (the analysis extra's analysers)")
    analysis = analyze_release(
        prepared,
        output_dir / "analysis",
        label="human utterances",
        compare=[load_collection(str(path)) for path in captions],
        analysers=Analysers.load(),  # an analyser whose package is missing is named, and the others still run
    )
    summary["analysis_dir"] = str(output_dir / "analysis")
    summary["analysers_missing"] = sorted(analysis.get("unavailable", {}))
    stage_done("analysis")

    (output_dir / "quickstart.json").write_text(json.dumps(summary, indent=1))
    demo_command = f"artemis-hf demo --quickstart_dir {output_dir}"  # its speakers, classifiers and dataset
    summary["demo_command"] = demo_command
    print(
        f"Done: results in {output_dir} (dataset loads with datasets.load_dataset({summary['dataset_dir']!r}, 'deep-nets'))"
    )
    print(f"Try the demo on these models: {demo_command}")
    if args.demo:  # gradio is the demo extra: imported only when asked for
        from .demo import serve
        from .demo_arguments import DemoArguments

        serve(DemoArguments(quickstart_dir=str(output_dir)))
    return summary
