"""Painting-grouped batches: each caption once, a painting's image decoded and encoded once for its captions, the same
per-caption losses as ungrouped batches, and the resized-image cache giving the pixels of decoding on the fly."""

import numpy as np
import pytest
import torch

from artemis_hf.training.arguments import SpeakerArguments, SpeakerTrainingArguments
from artemis_hf.training.caption_groups import CaptionGroups
from artemis_hf.training.speaker import SpeakerTask

pytest_plugins = ["speaker_fixtures"]
pytestmark = pytest.mark.usefixtures("single_thread")

TINY = dict(backbone="test_resnet", feature_layer=2, image_size=32, attention_dim=16, decoder_dim=24)


@pytest.fixture(scope="module")
def task(speaker_release):
    torch.manual_seed(0)
    task = SpeakerTask(speaker_release, SpeakerArguments(emotion_grounding=True, dropout=0.0, **TINY))
    task.build_model().eval()
    return task


def test_batches_are_grouped_where_the_backbone_runs_in_them(task, speaker_release):
    arguments = SpeakerTrainingArguments(output_dir="unused", per_device_batch_size=30, cpu=True)
    train, _ = task.get_dataloaders(arguments)
    assert train.dataset.captions_per_item >= 5 and train.batch_size == round(30 / train.dataset.captions_per_item)
    cached = SpeakerTask(speaker_release, SpeakerArguments(cache_features=True, **TINY))
    cached.build_model()
    train, _ = cached.get_dataloaders(arguments)  # the grids are computed once anyway: one caption per item
    assert train.dataset.captions_per_item == 1 and train.batch_size == 30


def test_every_caption_is_in_one_item_of_its_painting(task):
    split = task.dataset["train"]
    painting_ids = np.array(split["painting_id"])
    for captions_per_painting in (None, 2, 1):
        groups = CaptionGroups(split, captions_per_painting, with_images=False)
        rows = np.concatenate(groups.groups)
        assert sorted(rows) == list(range(len(split)))
        for index, item_rows in enumerate(groups.groups):
            assert set(painting_ids[item_rows]) == {groups[index]["painting_id"]}
    assert len(CaptionGroups(split, None, with_images=False)) == len(set(painting_ids))
    pairs = CaptionGroups(split, 2, with_images=False)
    assert {len(rows) for rows in pairs.groups} == {1, 2}  # an odd painting: 3 captions -> 2 + 1, never 3
    ungrouped = CaptionGroups(split, 1, with_images=False)
    assert np.concatenate(ungrouped.groups).tolist() == list(range(len(split)))  # the split's own order


def test_grouped_batches_give_each_caption_the_loss_of_ungrouped_batches(task):
    split = task.dataset["train"].select(range(40))
    grouped, ungrouped = CaptionGroups(split), CaptionGroups(split, 1)
    grouped_batch = task.collate([grouped[i] for i in range(len(grouped))])
    ungrouped_batch = task.collate([ungrouped[i] for i in range(len(ungrouped))])
    assert len(grouped_batch["pixel_values"]) == len(grouped) < len(ungrouped_batch["pixel_values"]) == 40
    with torch.no_grad():
        grouped_sums, grouped_counts = task.item_losses(task.model, grouped_batch)
        ungrouped_sums, ungrouped_counts = task.item_losses(task.model, ungrouped_batch)
    # Item i of the grouped batch holds rows groups[i]: its sums are theirs.
    for index, rows in enumerate(grouped.groups):
        torch.testing.assert_close(grouped_sums[index], ungrouped_sums[rows].sum())
        assert grouped_counts[index] == ungrouped_counts[rows].sum()


def test_the_image_cache_gives_the_pixels_of_decoding_on_the_fly(task, tmp_path):
    split = task.dataset["validation"]
    processor = task.processor.image_processor
    on_the_fly = CaptionGroups(split)
    cached = CaptionGroups(split, image_cache_dir=str(tmp_path), image_processor=processor)
    items = range(min(len(on_the_fly), 12))
    expected = task.collate([on_the_fly[i] for i in items])["pixel_values"]
    for _ in range(2):  # decoded and stored, then read back
        assert torch.equal(task.collate([cached[i] for i in items])["pixel_values"], expected)
    assert cached.image_cache.misses == len(items) and cached.image_cache.hits == len(items)
