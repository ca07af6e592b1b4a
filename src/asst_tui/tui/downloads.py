"""Save a file fetched from the backend into the downloads dir, never overwriting one."""

from __future__ import annotations

import re
from pathlib import Path

from ..atomic import write_bytes_atomic

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f/\\:]+")


def safe_name(name: str) -> str:
    """A file name from untrusted data: no directories, no control characters, never empty or hidden."""
    cleaned = _UNSAFE.sub("_", Path(name.replace("\\", "/")).name).strip(" .")
    return cleaned or "download"


def free_path(directory: Path, name: str) -> Path:
    """`directory/name`, or `name (2)`, `name (3)`… when it already exists."""
    candidate = directory / name
    stem, suffix = candidate.stem, candidate.suffix
    number = 2
    while candidate.exists():
        candidate = directory / f"{stem} ({number}){suffix}"
        number += 1
    return candidate


def save_download(directory: Path, name: str, data: bytes) -> Path:
    path = free_path(directory, safe_name(name))
    write_bytes_atomic(path, data)
    return path
