"""What every upload and download shares: the error an upload raises, the size cap, the
file as text, and user-provided text made safe to show (cut, escaped, named)."""

from __future__ import annotations

import json
import re

MAX_UPLOAD_MB = 1  # .streamlit/config.toml [server] maxUploadSize (a test keeps them equal)
SHOW = 80  # at most this many characters of a bad value appear in a message


class UploadError(ValueError):
    """An upload that cannot be used; ``str(err)`` is the message for the user (plain
    text, user-provided parts already truncated to :data:`SHOW` characters)."""


def float_text(v) -> str:
    """A float64 as the shortest text that reads back to the same bits."""
    return repr(float(v))


def cut(s: str) -> str:
    """User-provided text for a message: one line, at most SHOW characters."""
    s = s.replace("\n", " ").replace("\r", " ")
    return s if len(s) <= SHOW else s[:SHOW - 1] + "…"


def quoted(v) -> str:
    """A user-provided JSON value for a message, as JSON text (cut to SHOW characters)."""
    try:
        return cut(json.dumps(v, ensure_ascii=False))
    except (TypeError, ValueError):
        return cut(repr(v))


def md_escape(text: str) -> str:
    """Backslash before every ASCII punctuation character: Streamlit's markdown (and its
    :emoji:, :color[…] and $math$ extensions) then shows the text literally."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)


def safe_name(name: str, limit: int = 40) -> str:
    """An uploaded file's name reduced to letters, digits, ``._-`` and spaces (at most
    ``limit`` characters): safe to show anywhere without escaping."""
    s = re.sub(r"[^A-Za-z0-9._\- ]", "_", str(name or ""))[:limit].strip()
    return s or "upload"


def upload_bytes_limit(max_mb: float = MAX_UPLOAD_MB) -> int:
    """The size cap in bytes: Streamlit's MB are 2²⁰ bytes."""
    return int(max_mb * 1024 * 1024)


def upload_text(raw: bytes, max_bytes: int, what: str) -> str:
    """The upload as text: size cap, not empty, UTF-8 (a UTF-8 BOM is allowed)."""
    if not isinstance(raw, (bytes, bytearray)):
        raise UploadError(f"The {what} must be given as bytes, got {type(raw).__name__}.")
    if len(raw) > max_bytes:
        raise UploadError(f"The {what} is {len(raw):,} bytes; the limit is {max_bytes:,} "
                          f"bytes ({max_bytes / 2**20:g} MB, server.maxUploadSize).")
    if not raw.strip():
        raise UploadError(f"The {what} is empty.")
    try:
        text = bytes(raw).decode("utf-8-sig")
    except UnicodeDecodeError as e:
        hint = " (it looks like UTF-16)" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise UploadError(f"The {what} is not UTF-8 text{hint}: byte {e.start} cannot be "
                          "read. Save it as UTF-8.") from None
    if "\x00" in text:
        raise UploadError(f"The {what} contains NUL characters: it is not a text file.")
    return text
