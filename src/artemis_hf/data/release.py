"""Read and validate the ArtEmis release CSV (art_style, painting, emotion, utterance, repetition)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..emotions import EMOTION_TO_ID

logger = logging.getLogger(__name__)

RELEASE_COLUMNS = ("art_style", "painting", "emotion", "utterance", "repetition")
MAX_ERRORS_SHOWN = 5
EXPECTED_CSV = f"the ArtEmis release CSV (UTF-8, comma-separated, header {','.join(RELEASE_COLUMNS)})"
# Files mistaken for the CSV, named by their first bytes; any other file with NUL bytes is "binary data".
FILE_SIGNATURES = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"PK\x03\x04": "a ZIP file (an Excel workbook?)",
}


class ReleaseFormatError(ValueError):
    """The release CSV is not a UTF-8, comma-separated CSV, or has a missing column, invalid rows or no rows at all;
    the message names the file (and the rows and values) and says what to do."""


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


def _read_csv(csv_path: str | os.PathLike) -> pd.DataFrame:
    """All cells as strings; a file that is not a UTF-8, comma-separated CSV raises `ReleaseFormatError` in one line
    naming the file and what to do, rather than a pandas or codec error that names neither."""
    with open(csv_path, "rb") as file:
        head = file.read(4096)
    if not head.strip():
        raise ReleaseFormatError(f"{csv_path}: the file is empty; expected {EXPECTED_CSV}")
    kind = next((name for magic, name in FILE_SIGNATURES.items() if head.startswith(magic)), None)
    if kind or b"\0" in head:
        raise ReleaseFormatError(
            f"{csv_path}: this is {kind or 'binary data'}, not a CSV text file; expected {EXPECTED_CSV}"
        )
    header = head.splitlines()[0]
    separator = next((sep for sep in (";", "\t") if sep.encode() in header and b"," not in header), None)
    if separator:
        raise ReleaseFormatError(
            f"{csv_path}: columns are separated by {separator!r}, not commas; re-save it comma-separated, e.g. "
            f"pandas.read_csv(path, sep={separator!r}, dtype=str).to_csv(new_path, index=False)"
        )
    try:
        return pd.read_csv(csv_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise _not_utf8_error(csv_path) from None
    except pd.errors.ParserError as error:
        detail = str(error).split("C error: ")[-1].strip()  # e.g. "Expected 5 fields in line 4, saw 6"
        raise ReleaseFormatError(
            f"{csv_path}: {detail}; a field that contains a comma must be in double quotes: fix that line, or "
            "re-save the file with a CSV writer"
        ) from None


def _not_utf8_error(csv_path: str | os.PathLike) -> ReleaseFormatError:
    """Where the file stops being UTF-8 (pandas' error counts from the start of its buffer, not of the file).

    Such a file is refused rather than read in a guessed encoding: Latin-1, Windows-1252 and Mac Roman all decode any
    byte, and a wrong guess silently renames paintings, which then match no image and change the split."""
    data = Path(csv_path).read_bytes()
    try:
        data.decode("utf-8")
        where = ""
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        where = f" (byte 0x{data[error.start]:02x} on line {line})"
    name = Path(csv_path).name
    return ReleaseFormatError(
        f"{csv_path}: not UTF-8{where}, the encoding of the release. If it was saved as Latin-1 or Windows-1252, "
        f"convert it: iconv -f WINDOWS-1252 -t UTF-8 {name} > utf8-{name}"
    )


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
    frame = _read_csv(csv_path)
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
