"""The dataset CSV: a strict reading of an uploaded file (header x1,x2,label, two classes,
numbers in plain or scientific notation), and making it the training data."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

from nncore import datasets

from ..numbers import how_to_write, strict_float
from ..state import Data, Lab, use_data
from .text import UploadError, cut, quoted, safe_name, upload_bytes_limit, upload_text

MIN_ROWS, MAX_ROWS = 10, 5000
MAX_ABS_X = 5.0  # the built-in sets live in [-1, 1]²; farther points saturate tanh at once
CSV_HEADER = ("x1", "x2", "label")

# ---------------------------------------------------------------- dataset upload
@dataclass(frozen=True)
class DatasetFile:
    """A checked dataset: X (n, 2) finite inputs in [-MAX_ABS_X, MAX_ABS_X]²; labels (n,)
    in {0, 1} (class 1, class 2); classes: the file's two label texts, class 1's first."""

    X: np.ndarray
    labels: np.ndarray
    classes: tuple[str, str]

    @property
    def Y(self) -> np.ndarray:
        """One-hot targets (n, 2) as nncore.datasets makes them: 0 → [1, 0], 1 → [0, 1]."""
        Y = np.zeros((self.labels.size, 2))
        Y[np.arange(self.labels.size), self.labels] = 1.0
        return Y


def _finite(s: str, line: int, col: str) -> float:
    """x1 or x2 of a row: a strict number (:func:`lab.numbers.strict_float`), finite, in
    range; else the message names the line, the column and how to write it."""
    v = strict_float(s)
    if v is None:
        raise UploadError(f"Line {line}: {col} must be a number, got {quoted(s)}; "
                          f"{how_to_write(s)}.")
    if not math.isfinite(v):  # 1e999
        raise UploadError(f"Line {line}: {col} must be a finite number, got {quoted(s)}.")
    if abs(v) > MAX_ABS_X:
        raise UploadError(f"Line {line}: {col} = {cut(s)} lies outside [−{MAX_ABS_X:g}, "
                          f"{MAX_ABS_X:g}]. The built-in sets live in [−1, 1]²: rescale "
                          "x1 and x2 (e.g. divide by the largest |x|).")
    return v


def _class_order(values: list[str]) -> tuple[str, str]:
    """The two distinct labels, class 1 first: numeric order when both are finite strict
    numbers ("0" < "1", "-1" < "1", "9" < "10"), else text order ("cat" < "dog")."""
    nums = {s: strict_float(s) for s in values}
    if all(v is not None and math.isfinite(v) for v in nums.values()) and \
            len(set(nums.values())) == 2:
        return tuple(sorted(values, key=nums.get))
    return tuple(sorted(values))


def parse_dataset(raw: bytes, max_bytes: int | None = None) -> DatasetFile:
    """Check a dataset CSV strictly; return its arrays or raise :class:`UploadError`.

    Format: UTF-8, a header ``x1,x2,label`` (case and spaces around names ignored), then
    MIN_ROWS … MAX_ROWS rows of two finite numbers in [−MAX_ABS_X, MAX_ABS_X], written in
    plain decimal or scientific notation in ASCII (:mod:`lab.numbers`), and a label with
    exactly two distinct values (blank lines are skipped).
    """
    text = upload_text(raw, upload_bytes_limit() if max_bytes is None else max_bytes,
                 "dataset file")
    rows = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        header = None
        for rec in reader:
            if not any(c.strip() for c in rec):
                continue
            if header is None:
                header = [c.strip().lower() for c in rec]
                if tuple(header) != CSV_HEADER:
                    raise UploadError("The first line must be the header x1,x2,label, got "
                                      f"{quoted(','.join(rec))}.")
                continue
            n = reader.line_num
            if len(rows) >= MAX_ROWS:
                raise UploadError(f"The file has more than {MAX_ROWS} rows; the limit is "
                                  f"{MAX_ROWS}.")
            if len(rec) != 3:
                raise UploadError(f"Line {n} must have 3 values (x1, x2, label), got "
                                  f"{len(rec)}: {quoted(','.join(rec))}.")
            label = rec[2].strip()
            if not label:
                raise UploadError(f"Line {n}: the label is empty.")
            rows.append((_finite(rec[0], n, "x1"), _finite(rec[1], n, "x2"), cut(label)))
    except csv.Error as e:
        raise UploadError(f"The file is not valid CSV: {cut(str(e))}.") from None
    if len(rows) < MIN_ROWS:
        raise UploadError(f"The file has {len(rows)} data rows; at least {MIN_ROWS} are "
                          "needed.")
    values = sorted({r[2] for r in rows})
    if len(values) != 2:
        shown = ", ".join(quoted(v) for v in values[:5]) + (", …" if len(values) > 5 else "")
        what = "only one class" if len(values) == 1 else f"{len(values)} classes"
        raise UploadError(f"The label column has {what} ({cut(shown)}); the network has 2 "
                          "outputs: exactly two classes are needed.")
    classes = _class_order(values)
    X = np.array([r[:2] for r in rows], dtype=np.float64)
    labels = np.array([classes.index(r[2]) for r in rows], dtype=np.int64)
    return DatasetFile(X=X, labels=labels, classes=classes)


def load_dataset(lab: Lab, df: DatasetFile, name: str = "upload.csv") -> str:
    """Make the file the training data: split it like the built-in sets (test_fraction
    and data_seed from the settings), reset training; returns (and sets) the notice.
    The file stays in ``lab.uploaded`` (safe name, file) after a built-in set replaces it,
    so that :func:`use_upload` can bring it back."""
    lab.uploaded = (safe_name(name), df)
    return use_upload(lab)


def use_upload(lab: Lab) -> str:
    """Train on the last uploaded dataset again (split with the current test fraction and
    data seed); a new run. Returns (and sets) the notice."""
    name, df = lab.uploaded
    (Xtr, Ytr), (Xte, Yte) = datasets.split(df.X, df.Y,
                                            test_fraction=lab.settings.test_fraction,
                                            seed=lab.settings.data_seed)
    use_data(lab, Data(Xtr, Ytr, Xte, Yte), upload=True)
    lab.notice = (f"Loaded {df.X.shape[0]} points from {name} ({Xtr.shape[0]} for "
                  f"training, {Xte.shape[0]} for testing), label {safe_name(df.classes[0], 20)} is "
                  f"class 1 (orange), label {safe_name(df.classes[1], 20)} class 2 (blue); "
                  "training was reset.")
    return lab.notice
