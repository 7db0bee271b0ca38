"""The ArtEmis data layer: release CSV + images -> validated, split, tokenized `datasets` tables.

Names load on first use, so that light modules (`sources`, `options`) import without datasets or pandas.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "builder": ["ArtEmis", "ArtEmisBuild", "ArtEmisConfig", "build_artemis", "features_for", "load_artemis"],
        "options": ["PreprocessOptions"],
        "paintings": ["load_speaker_data", "paintings_of"],
        "release": ["ReleaseFormatError", "read_release"],
        "sources": ["CONFIG_NAMES", "ReleaseArguments", "results_dataset_name", "synthetic_default_release"],
        "splits": ["split_paintings"],
        "text": ["SIMILE_PHRASES", "build_tokenizer", "load_tokenizer"],
    },
)
