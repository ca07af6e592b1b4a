"""The files a thread's messages carry beyond its tool resources: attached for the code interpreter, or written by it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .file_names import fetch_names

if TYPE_CHECKING:
    from ..client.backend import Backend

ATTACHED = "attached to a message (code_interpreter)"
WRITTEN = "written by the code interpreter"


def carried_files(messages: list[dict[str, Any]]) -> dict[str, str]:
    """file id -> where it comes from, oldest first: code-interpreter attachments, then what replies show."""
    found: dict[str, str] = {}
    for message in messages:
        for attachment in message.get("attachments") or []:
            tools = {tool.get("type") for tool in attachment.get("tools") or [] if isinstance(tool, dict)}
            if attachment.get("file_id") and "code_interpreter" in tools:
                found.setdefault(attachment["file_id"], ATTACHED)
        if message.get("role") != "assistant":
            continue
        for part in message.get("content") or []:
            if part.get("type") == "image_file":
                found.setdefault((part.get("image_file") or {}).get("file_id") or "", WRITTEN)
            for note in (part.get("text") or {}).get("annotations") or [] if part.get("type") == "text" else []:
                if note.get("type") == "file_path":
                    found.setdefault((note.get("file_path") or {}).get("file_id") or "", WRITTEN)
    found.pop("", None)
    return found


async def message_files(backend: Backend, thread_id: str) -> list[tuple[str, str, str]]:
    """(file id, where it comes from, its name) for each file the thread's messages carry."""
    carried = carried_files(await backend.all_messages(thread_id))
    names = await fetch_names(backend, list(carried))
    return [(file_id, where, names.get(file_id, file_id)) for file_id, where in carried.items()]
