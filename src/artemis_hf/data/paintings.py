"""What a speaker learns from and captions: a release's deep-nets build with its images, and one row per painting."""

from __future__ import annotations

from .builder import ArtEmisBuild, build_artemis
from .sources import ReleaseArguments


def load_speaker_data(release: ReleaseArguments) -> ArtEmisBuild:
    """The deep-nets build (utterances, painting images, tokenizer) of the release the arguments name."""
    csv_path, images_dir = release.resolve()
    if images_dir is None:
        raise ValueError(f"A speaker learns from the paintings: pass --images_dir for the release {csv_path}")
    return build_artemis(csv_path, images_dir, "deep-nets", cache_dir=release.cache_dir)


def paintings_of(split):
    """One row per painting (its first utterance's), in order of first appearance."""
    first_rows = {}
    for index, painting_id in enumerate(split["painting_id"]):
        first_rows.setdefault(painting_id, index)
    return split.select(list(first_rows.values()))
