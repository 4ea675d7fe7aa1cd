"""Export and import: the bytes of every download and the strict parsing of every upload.

No Streamlit here (numpy, json, csv, io and the standard library), so every byte a user
downloads and every check an upload goes through is unit-tested directly. One module per
kind of file: ``weights`` (the weights JSON, save and load), ``dataset`` (the CSV upload),
``exports`` (history CSV, equations, the NumPy script); ``text`` holds what they share.
Uploads: a parse function turns bytes into checked arrays or raises :class:`UploadError`
with one message naming the problem; the load function then changes the session, and only
then: a bad file changes nothing.
"""

from .dataset import (
    CSV_HEADER,
    MAX_ABS_X,
    MAX_ROWS,
    MIN_ROWS,
    DatasetFile,
    load_dataset,
    parse_dataset,
    use_upload,
)
from .exports import SCRIPT_X, equations_markdown, forward_script, history_csv
from .text import MAX_UPLOAD_MB, SHOW, UploadError, md_escape, safe_name, upload_bytes_limit
from .weights import (
    FORMAT,
    MAX_COUNT,
    MAX_WEIGHT,
    VERSION,
    WeightsFile,
    load_weights,
    parse_weights,
    weights_json,
)

__all__ = ["CSV_HEADER", "FORMAT", "MAX_ABS_X", "MAX_COUNT", "MAX_ROWS", "MAX_UPLOAD_MB",
           "MAX_WEIGHT", "MIN_ROWS", "SCRIPT_X", "SHOW", "VERSION", "DatasetFile",
           "UploadError", "WeightsFile", "equations_markdown", "forward_script",
           "history_csv", "load_dataset", "load_weights", "md_escape", "parse_dataset",
           "parse_weights", "safe_name", "upload_bytes_limit", "use_upload", "weights_json"]
