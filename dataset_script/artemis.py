"""The ArtEmis `datasets` builder, re-exported from the artemis_hf package.

datasets >= 4 no longer runs loading scripts (`load_dataset("path/to/artemis.py")` raises), so use the builder by
import, or load the Parquet export that `artemis-hf dataset export` writes:

    from artemis import ArtEmis            # with this folder on sys.path, or `from artemis_hf.data import ArtEmis`
    builder = ArtEmis(config_name="deep-nets", csv_path="artemis_dataset_release_v0.csv", images_dir="wikiart/")
    builder.download_and_prepare()
    ds = builder.as_dataset()
"""

from artemis_hf.data.builder import CONFIG_NAMES, ArtEmis, ArtEmisConfig

__all__ = ["CONFIG_NAMES", "ArtEmis", "ArtEmisConfig"]
