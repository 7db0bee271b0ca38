"""ResizedImageCache: pixel values identical to resizing on the fly, changed images re-read, reuse across runs and
processes, folders keyed by size and painting list, clear errors."""

import copy
import io
import json
import os

import datasets
import numpy as np
import PIL.Image
import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from artemis_hf.data.image_cache import ResizedImageCache
from artemis_hf.data.images import to_rgb
from artemis_hf.training.speaker import image_processor

SIZES = [(48, 40), (64, 48), (40, 40), (64, 48)]  # two of one size: the processor batches those together


def noise(size, seed, mode="RGB"):
    channels = 3 if mode == "RGB" else 1
    array = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], channels), dtype=np.uint8)
    return PIL.Image.fromarray(array.squeeze())  # 2-D: greyscale


@pytest.fixture
def paintings(tmp_path):
    """(painting ids, undecoded image dicts): JPEG files, one greyscale, and one image embedded as bytes."""
    images = []
    for index, size in enumerate(SIZES):
        path = tmp_path / "images" / f"p{index}.jpg"
        path.parent.mkdir(exist_ok=True)
        noise(size, index, "L" if index == 2 else "RGB").save(path)
        images.append({"path": str(path), "bytes": None})
    buffer = io.BytesIO()
    noise((56, 44), 9).save(buffer, format="JPEG")
    images.append({"path": None, "bytes": buffer.getvalue()})
    return [f"Style/p{index}" for index in range(len(images))], images


def on_the_fly(processor, images):
    """Pixel values as the speaker's collate makes them from the dataset's decoded `image` column."""
    return processor([to_rgb(datasets.Image().decode_example(image)) for image in images], return_tensors="pt")[
        "pixel_values"
    ]


def no_decoding(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("an image was decoded")

    monkeypatch.setattr(PIL.Image, "open", refuse)


def test_cached_pixel_values_equal_on_the_fly(tmp_path, paintings, monkeypatch):
    ids, images = paintings
    processor = image_processor(32)
    expected = on_the_fly(processor, images)
    files = [to_rgb(PIL.Image.open(image["path"])) for image in images[:-1]]
    assert torch.equal(processor(files, return_tensors="pt")["pixel_values"], expected[:-1])

    cache = ResizedImageCache(tmp_path / "cache", ids, processor)
    rows = list(range(len(ids)))
    first = cache.pixel_values(rows, images)
    assert (cache.hits, cache.misses) == (0, len(ids))
    assert first.dtype == torch.float32 and torch.equal(first, expected)
    assert cache.get(0, images[0]).dtype == np.uint8 and cache.get(0, images[0]).shape == (32, 32, 3)

    no_decoding(monkeypatch)
    cache.hits = 0
    assert torch.equal(cache.pixel_values(rows, images), expected)
    assert (cache.hits, cache.misses) == (len(ids), len(ids))


def test_changed_image_is_read_again(tmp_path, paintings):
    ids, images = paintings
    processor = image_processor(32)
    cache = ResizedImageCache(tmp_path / "cache", ids, processor)
    before = cache.get(1, images[1])

    path = images[1]["path"]
    mtime = os.stat(path).st_mtime_ns
    noise(SIZES[1], 100).save(path)
    os.utime(path, ns=(mtime + 10**9, mtime + 10**9))  # a coarse-clock filesystem could keep the old mtime
    after = cache.get(1, images[1])
    assert cache.misses == 2 and not np.array_equal(before, after)
    assert torch.equal(cache.pixel_values([1], [images[1]]), on_the_fly(processor, [images[1]]))

    with open(path, "rb") as file:
        embedded = {"path": None, "bytes": file.read()}  # same image, now embedded: keyed by its bytes
    assert np.array_equal(cache.get(1, embedded), after) and cache.misses == 3


def test_later_run_reuses_rows(tmp_path, paintings, monkeypatch):
    ids, images = paintings
    processor = image_processor(32)
    first = ResizedImageCache(tmp_path / "cache", ids, processor)
    arrays = [first.get(row, image) for row, image in enumerate(images)]

    no_decoding(monkeypatch)
    later = ResizedImageCache(tmp_path / "cache", ids, image_processor(32))
    assert later.directory == first.directory
    assert all(np.array_equal(later.get(row, image), arrays[row]) for row, image in enumerate(images))
    assert (later.hits, later.misses) == (len(ids), 0)


def test_size_and_painting_list_key_the_folder(tmp_path, paintings):
    ids, _ = paintings
    cache = ResizedImageCache(tmp_path, ids, image_processor(32))
    assert ResizedImageCache(tmp_path, ids, image_processor(32)).directory == cache.directory
    others = [
        ResizedImageCache(tmp_path, ids, image_processor(16)),
        ResizedImageCache(tmp_path, ids[:-1], image_processor(32)),
        ResizedImageCache(tmp_path, ids[::-1], image_processor(32)),
    ]
    assert len({cache.directory, *(other.directory for other in others)}) == 4
    description = json.loads((cache.directory / "cache.json").read_text())
    assert description == {
        "format_version": 1,
        "size": 32,
        "resample": "BILINEAR",
        "backend": description["backend"],
        "num_paintings": len(ids),
    }
    assert np.load(cache.directory / "pixels.npy", mmap_mode="r").shape == (len(ids), 32, 32, 3)
    assert np.load(cache.directory / "fingerprints.npy", mmap_mode="r").dtype == np.uint64


class CachedImages(Dataset):
    def __init__(self, cache, images):
        self.cache, self.images = cache, images

    def __len__(self):
        return len(self.images)

    def __getitem__(self, row):
        return self.cache.get(row, self.images[row]), os.getpid()


def test_workers_share_the_cache(tmp_path, paintings, monkeypatch):
    ids, images = paintings
    processor = image_processor(32)
    reference = ResizedImageCache(tmp_path / "reference", ids, processor)
    expected = [reference.resize(datasets.Image().decode_example(image)) for image in images]
    cache = ResizedImageCache(tmp_path / "cache", ids, processor)
    cache.get(0, images[0])  # the main process maps the files before the workers fork

    loaded = list(DataLoader(CachedImages(cache, images), batch_size=None, num_workers=2))
    assert {pid for _, pid in loaded} - {os.getpid()} and os.getpid() not in {pid for _, pid in loaded}
    assert all(np.array_equal(array.numpy(), expected[row]) for row, (array, _) in enumerate(loaded))

    no_decoding(monkeypatch)
    assert all(np.array_equal(cache.get(row, image), expected[row]) for row, image in enumerate(images))
    assert (cache.hits, cache.misses) == (len(ids), 1)
    sent = copy.copy(cache)  # what a spawned worker receives: the paths, no open maps
    assert sent._pixels is None and np.array_equal(sent.get(2, images[2]), expected[2]) and sent.hits == 1


def test_bad_inputs(tmp_path, paintings):
    ids, images = paintings
    cache = ResizedImageCache(tmp_path, ids, image_processor(32))
    with pytest.raises(IndexError, match=f"row {len(ids)} is out of range"):
        cache.get(len(ids), images[0])
    with pytest.raises(IndexError, match="row -1 is out of range"):
        cache.get(-1, images[0])
    with pytest.raises(ValueError, match="image for row 0 .* 'path' or 'bytes'"):
        cache.get(0, {"path": None, "bytes": None})
    with pytest.raises(ValueError, match="image for row 1 must be an undecoded dict"):
        cache.get(1, noise((8, 8), 0))
    with pytest.raises(ValueError, match="painting_ids is empty"):
        ResizedImageCache(tmp_path, [], image_processor(32))
    with pytest.raises(FileNotFoundError, match="missing.jpg"):
        cache.get(0, {"path": str(tmp_path / "missing.jpg"), "bytes": None})


def test_decoding_where_the_model_runs_matches_the_processor(paintings):
    """`--decode_on_device`: torchvision's decoder and antialiased resize (here on the CPU; nvJPEG on a GPU) give
    nearly the processor's pixel values, for JPEG files, a greyscale one, embedded bytes and a PNG."""
    from artemis_hf.data.image_cache import decoded_pixel_values, read_image_bytes

    _, images = paintings
    buffer = io.BytesIO()
    noise((50, 42), 11).save(buffer, format="PNG")
    images = [*images, {"path": None, "bytes": buffer.getvalue()}]
    processor = image_processor(32)
    files = [np.frombuffer(read_image_bytes(image), dtype=np.uint8) for image in images]
    decoded = decoded_pixel_values(processor, files, torch.device("cpu"))
    expected = on_the_fly(processor, images)
    assert decoded.shape == expected.shape == (len(images), 3, 32, 32)
    # Noise images are the hardest case for two resize implementations; the mean stays within 2% of the range.
    assert (decoded - expected).abs().mean() < 0.04 and torch.corrcoef(
        torch.stack([decoded.flatten(), expected.flatten()])
    )[0, 1] > 0.95


def test_a_speaker_trains_with_images_decoded_where_it_runs(synthetic_release, tmp_path):
    from artemis_hf.data.sources import ReleaseArguments
    from artemis_hf.quickstart import TINY_SPEAKER
    from artemis_hf.training.arguments import SpeakerArguments, SpeakerTrainingArguments
    from artemis_hf.training.speaker import training_function

    settings = {**TINY_SPEAKER, "cache_features": False, "decode_on_device": True, "eval_max_paintings": 0}
    with pytest.raises(ValueError, match="--decode_on_device decodes the images every epoch"):
        SpeakerArguments(**{**settings, "image_cache_dir": str(tmp_path / "cache")})
    release = ReleaseArguments(csv=str(synthetic_release.csv_path), images_dir=str(synthetic_release.images_dir))
    training = SpeakerTrainingArguments(
        output_dir=str(tmp_path / "speaker"), num_epochs=2, per_device_batch_size=64, learning_rate=3e-3,
        lr_scheduler="constant", early_stopping_patience=None, cpu=True, mixed_precision="no",
    )  # fmt: skip
    training_function(release, SpeakerArguments(**settings), training)
    history = json.loads((tmp_path / "speaker" / "log_history.json").read_text())
    assert [record["epoch"] for record in history] == [1, 2]
    assert history[1]["train_loss"] < history[0]["train_loss"]
