"""The `artemis-hf` commands end to end: synthetic -> build -> export -> push -> load_dataset, stats, quickstart."""

import json
import os
import subprocess
import sys

import datasets
import pytest

from artemis_hf.argparsing import DataclassArgumentParser
from artemis_hf.cli import COMMANDS, command_name, load, main


@pytest.fixture(scope="module")
def small_release(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-release")
    assert main(["dataset", "synthetic", "--output_dir", str(folder), "--paintings", "120", "--image_size", "32"]) == 0
    return folder / "artemis_dataset_release_v0.csv", folder / "images"


def test_build_prints_the_report(small_release, capsys, tmp_path):
    csv_path, _ = small_release
    main(
        [
            "dataset",
            "build",
            "--csv",
            str(csv_path),
            "--config",
            "deep-nets",
            "--no_spell_check",
            "--cache_dir",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    assert '"rows_in"' in out and "deep-nets length filter: removed" in out


def test_export_push_and_load_from_the_hub(small_release, hub, tmp_path):
    csv_path, images_dir = small_release
    export_dir = tmp_path / "export"
    main(
        [
            "dataset",
            "export",
            "--csv",
            str(csv_path),
            "--images_dir",
            str(images_dir),
            "--output_dir",
            str(export_dir),
            "--embed_images",
            "--cache_dir",
            str(tmp_path / "cache"),
        ]
    )
    repo_id = hub.repo_id("artemis")
    main(["dataset", "push", "--export_dir", str(export_dir), "--repo_id", repo_id])
    assert "deep-nets/tokenizer.json" in hub.api.list_repo_files(repo_id, repo_type="dataset")
    for config in ("raw", "deep-nets", "paintings"):
        local = datasets.load_dataset(str(export_dir), config)
        remote = datasets.load_dataset(repo_id, config)
        assert set(remote) == set(local)
        for split in local:
            assert remote[split].to_list() == local[split].to_list()
    assert remote["train"][0]["image"].size == (32, 32)


def test_push_refuses_a_folder_that_is_not_an_export(tmp_path, capsys):
    assert main(["dataset", "push", "--export_dir", str(tmp_path), "--repo_id", "org/artemis"]) == 2
    assert "no README.md" in capsys.readouterr().err


def test_stats_writes_json_and_plots(small_release, tmp_path, capsys):
    csv_path, _ = small_release
    main(["dataset", "stats", "--csv", str(csv_path), "--output_dir", str(tmp_path)])
    figures = json.loads((tmp_path / "statistics.json").read_text())
    assert figures["paintings"] == 120 and abs(sum(figures["emotion_shares"].values()) - 1) < 1e-9
    assert (tmp_path / "emotion_distribution.png").stat().st_size > 10_000
    assert (tmp_path / "emotion_by_style.png").stat().st_size > 10_000
    assert "utterances with a simile" in capsys.readouterr().out


def test_images_dir_without_csv_is_refused(capsys):
    assert main(["dataset", "build", "--images_dir", "somewhere"]) == 2
    assert "--images_dir somewhere was given without --csv" in capsys.readouterr().err


def test_usage_lists_the_commands(capsys):
    assert main([]) == 0 and "dataset export" in capsys.readouterr().out
    assert main(["--help"]) == 0 and "train speaker" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["bogus"], "unknown command 'bogus'"),
        (["dataset"], "'dataset' needs a subcommand: synthetic, build"),
        (["dataset", "nonsense"], "unknown command 'dataset nonsense'"),
        (["train", "speaker", "--output_dir", "x", "--epochs", "3"], "unrecognized arguments: --epochs 3"),
    ],
)
def test_a_wrong_command_says_what_was_wrong(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def bad_csv(folder):
    path = folder / "bad.csv"
    path.write_text("art_style,painting,emotion,utterance,repetition\nBaroque,a-painting,joy,it is bright,5\n")
    return path


def fake_export(folder):
    (folder / "README.md").write_text("---\nconfigs: []\n---\n")
    return folder


# Each fails in a different place: a path checked up front, argparse, our CSV validation, huggingface_hub.
FAILING_COMMANDS = {
    "missing file": (
        lambda tmp: ["dataset", "build", "--csv", str(tmp / "nowhere.csv")],
        f"--csv {{tmp}}{os.sep}nowhere.csv: no such file",
    ),
    "missing folder": (
        lambda tmp: [
            "evaluate",
            "--csv",
            str(bad_csv(tmp)),
            "--images_dir",
            str(tmp / "no-images"),
            "--compare",
            "a.jsonl",
        ],
        "no such",
    ),
    "bad argument value": (
        lambda tmp: ["train", "speaker", "--arch", "transformer"],
        "argument --arch: invalid choice: 'transformer'",
    ),
    "bad value in __post_init__": (
        lambda tmp: ["train", "text-emotion", "--output_dir", str(tmp), "--num_epochs", "0"],
        "num_epochs must be at least 1, got 0",
    ),
    "bad CSV row": (lambda tmp: ["dataset", "build", "--csv", str(bad_csv(tmp))], "'joy'"),
    "error inside a library": (
        lambda tmp: ["dataset", "push", "--export_dir", str(fake_export(tmp)), "--repo_id", "not a repo id"],
        "HFValidationError: ",
    ),
}


@pytest.mark.parametrize("case", FAILING_COMMANDS)
def test_a_failing_command_prints_one_error_line_and_no_traceback(case, tmp_path, capsys):
    make_argv, message = FAILING_COMMANDS[case]
    assert main(make_argv(tmp_path)) == 2
    errors = capsys.readouterr().err
    error_lines = [line for line in errors.splitlines() if line.startswith("artemis-hf")]
    assert len(error_lines) == 1 and error_lines[0].startswith("artemis-hf: error: "), errors
    assert message.format(tmp=tmp_path) in error_lines[0]
    assert "Traceback" not in errors


def test_debug_shows_the_traceback(tmp_path, capsys, monkeypatch):
    argv = ["dataset", "build", "--csv", str(tmp_path / "nowhere.csv")]
    assert main([*argv, "--debug"]) == 2
    assert "Traceback" in capsys.readouterr().err
    monkeypatch.setenv("ARTEMIS_HF_DEBUG", "1")
    assert main(argv) == 2
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--help"], ["evaluate", "--help"], ["train", "speaker", "--help"]])
def test_help_imports_neither_torch_nor_transformers(argv):
    code = (
        "import sys\nfrom artemis_hf.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "print(sorted(name for name in ('torch', 'transformers', 'datasets', 'pandas') if name in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "--" in result.stdout or "commands:" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"


def command_parsers():
    for key, (_, argument_classes, summary) in COMMANDS.items():
        yield (
            command_name(key),
            DataclassArgumentParser(
                [load(path) for path in argument_classes], prog=command_name(key), description=summary
            ),
        )


def test_every_option_has_help_and_every_no_option_says_what_it_turns_off():
    checked = 0
    for name, parser in command_parsers():
        positive = {
            action.dest: action.help
            for action in parser._actions
            if action.option_strings == [f"--{action.dest}", *action.option_strings[1:]]
        }
        for action in parser._actions:
            option = action.option_strings[0] if action.option_strings else action.dest
            assert action.help and action.help.strip(), f"{name} {option} has no help"
            if option == f"--no_{action.dest}":  # the negative of a flag that defaults to true
                assert action.help != positive[action.dest] and "turn off" in action.help.lower(), (
                    f"{name} {option}: {action.help}"
                )
            checked += 1
    assert checked > 150  # every command's options were walked
