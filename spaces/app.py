"""The ArtEmis Space: the app of `artemis-hf demo`, configured by the Space's variables.

ARTEMIS_SPEAKERS (comma-separated), ARTEMIS_IMAGE_CLASSIFIER, ARTEMIS_TEXT_CLASSIFIER: model repos or folders
(default: the project's models on the Hub); ARTEMIS_GAN: the art GAN of the Generate tab (default: none, no tab);
ARTEMIS_DATASET, ARTEMIS_IMAGES_DIR: the Turing test's release (default: the synthetic one);
ARTEMIS_VOTES_DB: where votes are kept (a persistent-storage Space: /data/turing_test.sqlite3).
"""

from artemis_hf.demo import serve
from artemis_hf.demo_arguments import DemoArguments

if __name__ == "__main__":
    serve(DemoArguments())  # the settings come from the environment; Spaces sets GRADIO_SERVER_NAME and its port
