"""A thread dump: everything one thread holds, as plain dicts; the model that transcripts are rendered from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ThreadDump:
    thread: dict[str, Any]
    messages: list[dict[str, Any]]  # chronological
    runs: list[dict[str, Any]]  # chronological
    steps: dict[str, list[dict[str, Any]]]  # run id -> its steps, chronological
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # cited file id -> file object


def annotations(part: dict[str, Any]) -> list[dict[str, Any]]:
    """The citations (file_citation, file_path) of one content part of a message."""
    if part.get("type") != "text":
        return []
    notes = (part.get("text") or {}).get("annotations") or ()
    return [n for n in notes if n.get("type") in ("file_citation", "file_path")]


def cited_file_ids(messages: list[dict[str, Any]]) -> set[str]:
    """The ids of every file the messages cite."""
    found = set()
    for message in messages:
        for part in message.get("content") or ():
            for note in annotations(part):
                file_id = (note.get(note["type"]) or {}).get("file_id")
                if file_id:
                    found.add(file_id)
    return found
