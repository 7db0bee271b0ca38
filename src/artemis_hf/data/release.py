"""Read and validate the ArtEmis release CSV (art_style, painting, emotion, utterance, repetition)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ..emotions import EMOTION_TO_ID

logger = logging.getLogger(__name__)

RELEASE_COLUMNS = ("art_style", "painting", "emotion", "utterance", "repetition")
MAX_ERRORS_SHOWN = 5


class ReleaseFormatError(ValueError):
    """The release CSV has a missing column or invalid rows; the message names the file, the rows and the values."""


@dataclass
class FilterStep:
    """One step that removed rows, as the reference preprocessing log lists them."""

    step: str
    reason: str
    removed: int
    rows: list[int] = field(default_factory=list)  # CSV row numbers (1 = first data row) when rows were skipped


@dataclass
class Report:
    """Every row in is accounted for: rows_out = rows_in - sum(removed), per split where splits exist."""

    rows_in: int = 0
    steps: list[FilterStep] = field(default_factory=list)
    notes: dict[str, object] = field(default_factory=dict)

    def add(self, step: str, reason: str, removed: int, rows: list[int] | None = None) -> None:
        self.steps.append(FilterStep(step, reason, int(removed), rows or []))
        logger.info("%s: removed %d rows (%s)", step, removed, reason)

    @property
    def removed(self) -> int:
        return sum(s.removed for s in self.steps)

    def to_dict(self) -> dict:
        return {
            "rows_in": self.rows_in,
            "rows_removed": self.removed,
            "rows_out": self.rows_in - self.removed,
            "steps": [vars(s) for s in self.steps],
            **self.notes,
        }


def read_release(
    csv_path: str | os.PathLike, on_bad_row: Literal["error", "skip"] = "error", report: Report | None = None
) -> pd.DataFrame:
    """Load the release CSV into a validated DataFrame with `painting_id` (NFC) and integer `emotion` columns.

    Invalid rows (unknown emotion, empty utterance, empty art_style/painting, repetition not a positive integer) raise
    `ReleaseFormatError` naming them, or with `on_bad_row="skip"` are dropped and counted in `report` with their row
    numbers. A BOM and quoted newlines are read as the CSV standard says.
    """
    if on_bad_row not in ("error", "skip"):
        raise ValueError(f"on_bad_row must be 'error' or 'skip', got {on_bad_row!r}")
    if not os.path.isfile(csv_path):
        raise FileNotFoundError(f"Release CSV not found: {csv_path}")
    report = report if report is not None else Report()
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [str(column).strip() for column in frame.columns]
    missing = [column for column in RELEASE_COLUMNS if column not in frame.columns]
    if missing:
        raise ReleaseFormatError(
            f"{csv_path}: missing column(s) {missing}; found {list(frame.columns)}, expected {list(RELEASE_COLUMNS)}"
        )
    frame = frame[list(RELEASE_COLUMNS)]
    report.rows_in = len(frame)
    row_numbers = np.arange(1, len(frame) + 1)

    emotion_key = frame["emotion"].str.strip().str.lower().str.replace("_", " ", regex=False)
    emotion = emotion_key.map(EMOTION_TO_ID)
    repetition = pd.to_numeric(frame["repetition"].str.strip(), errors="coerce")
    checks = {
        "unknown emotion": ("emotion", emotion.isna()),
        "empty utterance": ("utterance", frame["utterance"].str.strip() == ""),
        "empty art_style or painting": (
            "painting",
            (frame["art_style"].str.strip() == "") | (frame["painting"].str.strip() == ""),
        ),
        "repetition is not a positive integer": (
            "repetition",
            ~((repetition >= 1) & (repetition == repetition.round())),
        ),
    }
    bad_any = np.zeros(len(frame), dtype=bool)
    for reason, (column, mask) in checks.items():
        mask = mask.to_numpy() & ~bad_any  # a row is counted under its first problem only
        if mask.any() and on_bad_row == "error":
            shown = ", ".join(
                f"row {row} ({column}={frame[column].iloc[row - 1]!r})" for row in row_numbers[mask][:MAX_ERRORS_SHOWN]
            )
            more = f" and {mask.sum() - MAX_ERRORS_SHOWN} more" if mask.sum() > MAX_ERRORS_SHOWN else ""
            raise ReleaseFormatError(
                f"{csv_path}: {mask.sum()} row(s) with {reason}: {shown}{more}. "
                "Fix the file, or pass on_bad_row='skip' (--on-bad-row skip) to drop and count them."
            )
        if mask.any():
            report.add("validate", reason, mask.sum(), row_numbers[mask].tolist())
        bad_any |= mask

    frame = frame.assign(emotion=emotion, repetition=repetition, row_number=row_numbers)[~bad_any]
    frame = frame.astype({"emotion": "int64", "repetition": "int64"})
    frame["art_style"] = frame["art_style"].str.strip().str.normalize("NFC")
    frame["painting"] = frame["painting"].str.strip().str.normalize("NFC")
    frame["painting_id"] = frame["art_style"] + "/" + frame["painting"]
    return frame.reset_index(drop=True)
