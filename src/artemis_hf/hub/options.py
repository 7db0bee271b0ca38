"""Where and how a push lands on the Hub: the options that `artemis-hf push` and `artemis-hf dataset push` share.

Imports nothing heavy, so that `--help` stays instant.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .client import check_revision


@dataclass
class PushOptions:
    private: bool = field(default=False, metadata={"help": "Create the repo as private (an existing one must be)."})
    revision: str | None = field(
        default=None,
        metadata={"help": "Branch to push to, created from main when missing; or refs/pr/N, an open pull request."},
    )
    create_pr: bool = field(
        default=False, metadata={"help": "Open a pull request (against --revision, or main) instead of committing."}
    )
    commit_message: str | None = field(
        default=None, metadata={"help": "The commit's (or pull request's) title. Default: says what was uploaded."}
    )

    def __post_init__(self):
        check_revision(self.revision)
