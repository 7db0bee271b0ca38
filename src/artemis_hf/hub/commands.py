"""`artemis-hf push` and `artemis-hf card`: their argument dataclasses and the functions the CLI hands them to.

Each function imports what it runs, so that `--help` stays instant.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .options import PushOptions

MODEL_DIR_HELP = "A model folder: the output folder of `artemis-hf train ...` (not one of its checkpoints)."
OVERWRITE_CARD_HELP = "Replace a README.md that artemis-hf did not write (a generated card is always refreshed)."


@dataclass
class PushArguments:
    model_dir: str = field(metadata={"help": MODEL_DIR_HELP})
    repo_id: str = field(metadata={"help": "Hub model repo, e.g. org/artemis-text-emotion; created if needed."})
    overwrite_card: bool = field(default=False, metadata={"help": OVERWRITE_CARD_HELP})


def push(args: PushArguments, options: PushOptions) -> str:
    from .push import push_model

    quiet_http_logs()

    # PushOptions' fields are push_model's (and push_artemis') keyword arguments.
    url = push_model(args.model_dir, args.repo_id, overwrite_card=args.overwrite_card, **asdict(options))
    print(f"Pushed {args.model_dir} to {args.repo_id}: {url}")
    return url


def quiet_http_logs() -> None:
    """The CLI logs at INFO: without this, one line per HTTP request of the upload."""
    for name in ("httpx", "httpx2"):
        logging.getLogger(name).setLevel(logging.WARNING)


@dataclass
class CardArguments:
    model_dir: str = field(metadata={"help": MODEL_DIR_HELP})
    repo_id: str | None = field(
        default=None, metadata={"help": "The Hub repo the usage examples load from. Default: a placeholder."}
    )
    overwrite_card: bool = field(default=False, metadata={"help": OVERWRITE_CARD_HELP})


def card(args: CardArguments) -> Path:
    from .cards import write_model_card

    path = write_model_card(args.model_dir, args.repo_id, overwrite=args.overwrite_card)
    print(f"Wrote {path}")
    return path
