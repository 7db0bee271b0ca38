"""The Hub: model cards filled from a model folder's results, and pushes that upload only what a user needs.

- `write_model_card(model_dir)`: README.md (the card) written or refreshed in a model folder; training commands call
  it at their end, `artemis-hf card` on its own.
- `push_model(model_dir, repo_id, ...)`: card, repo, branch, upload; returns the commit (or pull request) URL.
- `model_card(model_dir)`: the card, unwritten; `read_model_folder(model_dir)`: the checks both make.
- `client`: the Hub calls that the model and dataset pushes share, and their errors as one line.

Names load on first use: `artemis_hf.hub.client` imports nothing of ours and nothing heavy.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "cards": ["model_card", "write_model_card"],
        "families": ["FAMILIES", "Family", "ModelFolder", "read_model_folder"],
        "push": ["push_model", "files_to_upload"],
    },
)
