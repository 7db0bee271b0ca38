"""Shared fixtures: the synthetic release (made once per session) and the local Hub server (tests/hub_fixtures.py)."""

import os
import tempfile

import hub_fixtures  # noqa: F401  (first: it points HF_ENDPOINT and HF_HOME at the local Hub before huggingface_hub is imported)

# Before anything imports huggingface_hub or datasets: keep every cache of the suite out of the user's home.
_session_home = tempfile.mkdtemp(prefix="artemis-hf-tests-")
os.environ.setdefault("ARTEMIS_HF_CACHE", os.path.join(_session_home, "artemis_hf"))
os.environ["HF_DATASETS_CACHE"] = os.path.join(_session_home, "datasets")

import pytest  # noqa: E402

from artemis_hf.data.synthetic import make_synthetic_release  # noqa: E402

pytest_plugins = ["hub_fixtures", "speaker_fixtures", "quickstart_fixtures", "gan_fixtures"]

REAL_SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "artemis-sample")


@pytest.fixture(scope="session")
def synthetic_release(tmp_path_factory):
    """300 synthetic paintings at 32 px, about 1,800 annotations."""
    return make_synthetic_release(tmp_path_factory.mktemp("synthetic"), num_paintings=300, image_size=32, seed=0)


@pytest.fixture(scope="session")
def real_sample():
    """(csv_path, images_dir) of the real ArtEmis sample in ../shared, or skip when it is absent."""
    csv_path = os.path.join(REAL_SAMPLE, "artemis_sample.csv")
    if not os.path.isfile(csv_path):
        pytest.skip("the real ArtEmis sample (../shared/data/artemis-sample) is not here")
    return csv_path, os.path.join(REAL_SAMPLE, "images")
