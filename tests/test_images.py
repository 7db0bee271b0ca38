"""Images: NFC/NFD names, missing and truncated files, resized copies."""

import unicodedata

import pytest
from PIL import Image

from artemis_hf.data.images import index_images, resize_images
from artemis_hf.data.preprocess import ImageCheckError, PreprocessOptions, prepare_release

NAME = "eug\u00e8ne-grasset_spring"  # NFC in the CSV


@pytest.fixture
def release(tmp_path):
    images = tmp_path / "images"
    (images / "Art_Nouveau_Modern").mkdir(parents=True)
    (images / "Cubism").mkdir()
    # macOS-style NFD file name for an NFC painting id
    Image.new("RGB", (80, 40), "red").save(images / "Art_Nouveau_Modern" / f"{unicodedata.normalize('NFD', NAME)}.jpg")
    Image.new("RGB", (40, 40), "blue").save(images / "Cubism" / "good.jpg")
    Image.new("RGB", (64, 64), "green").save(images / "Cubism" / "broken.jpg")
    data = (images / "Cubism" / "broken.jpg").read_bytes()
    (images / "Cubism" / "broken.jpg").write_bytes(data[: len(data) // 2])  # truncated
    rows = [
        f"Art_Nouveau_Modern,{NAME},awe,Soft spring colours everywhere,2",
        f"Art_Nouveau_Modern,{NAME},contentment,A calm and gentle scene,2",
        "Cubism,good,fear,Sharp blue shapes look cold,1",
        "Cubism,broken,anger,Angry green blocks clash,1",
        "Cubism,absent,sadness,No image for this one sadly,1",
    ]
    csv = tmp_path / "release.csv"
    csv.write_text("art_style,painting,emotion,utterance,repetition\n" + "\n".join(rows) + "\n")
    return csv, images


def test_nfd_file_names_are_found_for_nfc_ids(release):
    _, images = release
    assert f"Art_Nouveau_Modern/{NAME}" in index_images(images)


def test_truncated_image_is_an_error_naming_the_file(release):
    csv, images = release
    with pytest.raises(ImageCheckError, match=r"1 image file\(s\).*broken\.jpg"):
        prepare_release(csv, images)


def test_skipped_and_missing_images_are_counted_and_kept(release):
    csv, images = release
    prepared = prepare_release(csv, images, PreprocessOptions(on_bad_image="skip"))
    counts = prepared.report.notes["images"]
    assert (counts["paintings"], counts["found"], counts["missing"]) == (4, 2, 1)
    assert [path.endswith("broken.jpg") for path in counts["unreadable"]] == [True]
    assert len(prepared.annotations) == 5  # nothing dropped: their image is None
    by_painting = prepared.paintings.set_index("painting")["image"]
    assert by_painting[NAME].endswith(".jpg") and by_painting["good"].endswith("good.jpg")
    assert by_painting[["broken", "absent"]].isna().all()


def test_drop_missing_images_counts_what_it_drops(release):
    csv, images = release
    prepared = prepare_release(csv, images, PreprocessOptions(on_bad_image="skip", drop_missing_images=True))
    assert len(prepared.annotations) == 3
    (step,) = prepared.report.steps
    assert (step.step, step.removed, step.rows) == ("images", 2, [4, 5])
    assert prepared.report.to_dict()["rows_out"] == 3


def test_resize_keeps_layout_and_aspect(release, tmp_path):
    _, images = release
    counts = resize_images(images, tmp_path / "small", max_side=20, progress=False)
    assert counts == {"written": 2, "skipped": 0, "failed": 1}
    with Image.open(tmp_path / "small" / "Art_Nouveau_Modern" / f"{NAME}.jpg") as image:
        assert image.size == (20, 10)
    assert resize_images(images, tmp_path / "small", max_side=20, progress=False)["skipped"] == 2
