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
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # file id -> file object (cited, attached, images)
    images: dict[str, bytes] = field(default_factory=dict)  # image file id -> its bytes, saved beside a transcript


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


def image_file_ids(messages: list[dict[str, Any]], steps: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The images the thread shows (message image_file parts, code-interpreter image outputs), in order, once each."""
    found: dict[str, None] = {}
    for message in messages:
        for part in message.get("content") or ():
            if part.get("type") == "image_file":
                found[(part.get("image_file") or {}).get("file_id") or ""] = None
    for run_steps in steps.values():
        for step in run_steps:
            for call in (step.get("step_details") or {}).get("tool_calls") or ():
                for output in (call.get("code_interpreter") or {}).get("outputs") or ():
                    if output.get("type") == "image":
                        found[(output.get("image") or {}).get("file_id") or ""] = None
    found.pop("", None)
    return list(found)


def attached_file_ids(messages: list[dict[str, Any]]) -> set[str]:
    """The files attached to the messages (for the code interpreter or file search)."""
    return {a["file_id"] for message in messages for a in message.get("attachments") or () if a.get("file_id")}
