"""Faulty inputs get one line naming the file and what to do, or a counted, reported skip; no input file is changed or
lost (checked by hashing every input file before and after)."""

import hashlib
import json
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PIL import Image

from artemis_hf.cli import main
from artemis_hf.data import build_artemis
from artemis_hf.data.builder import _fingerprint
from artemis_hf.data.export import export_artemis
from artemis_hf.data.preprocess import PreprocessOptions, prepare_release
from artemis_hf.data.synthetic import make_synthetic_release

HEADER = "art_style,painting,emotion,utterance,repetition\n"
GOOD = "Impressionism,claude-monet_water-lilies,awe,The water is calm and glowing,2\n"


def file_hashes(folder: Path) -> dict[str, str]:
    return {str(path): hashlib.sha256(path.read_bytes()).hexdigest() for path in folder.rglob("*") if path.is_file()}


@pytest.fixture
def release(tmp_path):
    """A small synthetic release in tmp_path/input, one of whose images is truncated (kept intact in `.good_bytes`)."""
    release = make_synthetic_release(tmp_path / "input", num_paintings=20, image_size=16, seed=0, num_workers=1)
    broken = next(Path(release.images_dir).rglob("*.jpg"))
    release.broken, release.good_bytes = broken, broken.read_bytes()
    broken.write_bytes(release.good_bytes[: len(release.good_bytes) // 2])
    return release


def run_cli(argv, capsys) -> tuple[int, str, list[str]]:
    """Exit code, stdout and the lines of stderr that the CLI wrote (logging may write others)."""
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, [line for line in captured.err.splitlines() if line.startswith("artemis-hf")]


# 4. The build cache follows what was read


def test_an_image_fixed_in_place_is_read_on_the_next_build(release, tmp_path):
    cache = str(tmp_path / "cache")
    painting_id = f"{release.broken.parent.name}/{release.broken.stem}"

    def build():
        build = build_artemis(release.csv_path, release.images_dir, "paintings", cache_dir=cache, on_bad_image="skip")
        rows = [row for split in build.dataset.values() for row in split if row["painting_id"] == painting_id]
        return build.report["images"]["unreadable"], rows[0]["image"]

    inputs = file_hashes(tmp_path / "input")
    assert build() == ([f"{painting_id}.jpg"], None)
    assert file_hashes(tmp_path / "input") == inputs
    release.broken.write_bytes(release.good_bytes)  # fixed in place: same name
    inputs = file_hashes(tmp_path / "input")
    unreadable, image = build()
    assert unreadable == [] and image.size == (16, 16)
    assert file_hashes(tmp_path / "input") == inputs


def test_fingerprint_follows_each_image_files_size_mtime_and_name(release):
    def fingerprint():
        return _fingerprint(release.csv_path, release.images_dir)

    before = fingerprint()
    assert fingerprint() == before
    stat = release.broken.stat()
    os.utime(release.broken, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # same size, newer
    after_touch = fingerprint()
    release.broken.rename(release.broken.with_name("renamed.jpg"))
    assert len({before, after_touch, fingerprint()}) == 3


# 5. Exact duplicate rows


def test_duplicates_are_reported_in_every_build_and_dropped_only_on_request(tmp_path, capsys):
    csv_path = tmp_path / "input" / "release.csv"
    csv_path.parent.mkdir()
    near_copy = GOOD.replace("glowing", "glowing!")  # differs in one character: not a duplicate
    csv_path.write_text(HEADER + GOOD + near_copy + GOOD + GOOD)
    inputs = file_hashes(tmp_path / "input")
    code, out, _ = run_cli(
        ["dataset", "build", "--csv", str(csv_path), "--config", "raw", "--cache_dir", str(tmp_path / "c1")], capsys
    )
    report, _ = json.JSONDecoder().raw_decode(out[out.index("\n{\n") + 1 :])  # after the DatasetDict
    assert code == 0 and report["duplicate_rows"] == {"count": 2, "rows": [3, 4], "dropped": False}
    assert report["rows_out"] == 4  # kept, as the reference keeps them

    dropped = build_artemis(csv_path, config="paintings", drop_duplicates=True, cache_dir=str(tmp_path / "c2"))
    assert dropped.report["duplicate_rows"] == {"count": 2, "rows": [3, 4], "dropped": True}
    assert [(s["step"], s["removed"], s["rows"]) for s in dropped.report["steps"]] == [("duplicates", 2, [3, 4])]
    assert dropped.report["rows_out"] == 2 and sum(dropped.dataset["train"]["num_annotations"]) == 2
    assert file_hashes(tmp_path / "input") == inputs


def test_the_real_sample_has_one_exact_duplicate_row(real_sample):
    csv_path, _ = real_sample
    duplicates = prepare_release(csv_path).report.notes["duplicate_rows"]
    assert duplicates["count"] == 1 and not duplicates["dropped"]


# 6. No absolute path of this machine in an export; push refuses paths instead of image bytes


@pytest.mark.parametrize("embed_images", [False, True])
def test_an_export_holds_no_absolute_path_of_this_machine(release, tmp_path, embed_images, capsys):
    inputs = file_hashes(tmp_path / "input")
    export_dir = tmp_path / "export"
    export_artemis(
        release.csv_path,
        export_dir,
        release.images_dir,
        configs=["raw", "paintings"],
        embed_images=embed_images,
        options=PreprocessOptions(on_bad_image="skip"),  # its report then names the unreadable image
        cache_dir=str(tmp_path / "cache"),
    )
    machine_path = str(tmp_path)
    written = list(export_dir.rglob("*"))
    assert any(path.suffix == ".parquet" for path in written)
    for path in written:
        if path.is_file():
            assert machine_path.encode() not in path.read_bytes(), path
        if path.suffix == ".parquet":  # values too, in case compression hid them from the byte scan
            assert machine_path not in str(pq.read_table(path).to_pylist()), path
    assert json.loads((export_dir / "paintings" / "preprocessing_report.json").read_text())["images"]["unreadable"]

    images = [
        row["image"] for path in export_dir.glob("paintings/*.parquet") for row in pq.read_table(path).to_pylist()
    ]
    if embed_images:
        assert all(image is None or image["bytes"] for image in images)
    else:  # relative to the images folder, where each opens
        paths = [image["path"] for image in images if image is not None]
        assert paths and all(Image.open(os.path.join(release.images_dir, path)).size == (16, 16) for path in paths)
        code, _, errors = run_cli(["dataset", "push", "--export_dir", str(export_dir), "--repo_id", "org/a"], capsys)
        assert code == 2 and len(errors) == 1
        assert f"{export_dir}: {len(paths)} image(s) in " in errors[0]
        assert "Re-export with the images embedded (`artemis-hf dataset export --embed_images ...`)" in errors[0]
    assert file_hashes(tmp_path / "input") == inputs


# 8. Files that are not the release CSV


def png_file(path):
    Image.new("RGB", (8, 8), "red").save(path, format="PNG")


CSV_FAULTS = {
    "PNG renamed .csv": (png_file, "this is a PNG image, not a CSV text file; expected the ArtEmis release CSV"),
    "Latin-1": (
        lambda path: path.write_bytes((HEADER + GOOD.replace("calm", "calme, très")).encode("latin-1")),
        "not UTF-8 (byte 0xe8 on line 2), the encoding of the release. If it was saved as Latin-1 or Windows-1252, "
        "convert it: iconv -f WINDOWS-1252 -t UTF-8 release.csv > utf8-release.csv",
    ),
    "zero bytes": (lambda path: path.write_bytes(b""), "the file is empty; expected the ArtEmis release CSV"),
    "semicolons": (
        lambda path: path.write_text((HEADER + GOOD).replace(",", ";")),
        "columns are separated by ';', not commas; re-save it comma-separated",
    ),
    "ragged": (
        lambda path: path.write_text(HEADER + GOOD + GOOD.replace("calm", "calm, blue")),
        "Expected 5 fields in line 3, saw 6; a field that contains a comma must be in double quotes",
    ),
    "header only": (
        lambda path: path.write_text(HEADER),
        "no rows left to build from (it has a header but no data rows)",
    ),
}


@pytest.mark.parametrize("case", CSV_FAULTS)
def test_a_file_that_is_not_the_release_csv_gets_one_line_naming_it(case, tmp_path, capsys):
    write, message = CSV_FAULTS[case]
    csv_path = tmp_path / "input" / "release.csv"
    csv_path.parent.mkdir()
    write(csv_path)
    inputs = file_hashes(tmp_path / "input")
    argv = ["dataset", "build", "--csv", str(csv_path), "--config", "paintings", "--cache_dir", str(tmp_path / "c")]
    code, _, errors = run_cli(argv, capsys)
    assert code == 2 and len(errors) == 1 and errors[0].startswith(f"artemis-hf: error: {csv_path}: {message}")
    assert file_hashes(tmp_path / "input") == inputs
