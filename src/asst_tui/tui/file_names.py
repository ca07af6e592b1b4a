"""File names by file ID, looked up once per file through Backend.file_info and kept for the session."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..client.backend import Backend

_names: dict[str, str] = {}  # file IDs are unique across backends in practice; a miss only shows the ID


def known_name(file_id: str) -> str | None:
    return _names.get(file_id)


def remember_name(file_id: str, name: str) -> None:
    if file_id and name:
        _names[file_id] = name


async def fetch_names(backend: Backend, file_ids: Iterable[str]) -> dict[str, str]:
    """The names of `file_ids`, asking the backend for the ones not known yet (a failed look-up is skipped)."""
    from ..client.errors import BackendError

    for file_id in dict.fromkeys(file_ids):
        if file_id and file_id not in _names:
            try:
                remember_name(file_id, (await backend.file_info(file_id)).get("filename") or "")
            except BackendError:
                continue
    return {file_id: _names[file_id] for file_id in file_ids if file_id in _names}
