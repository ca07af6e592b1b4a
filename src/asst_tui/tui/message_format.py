"""Turn an Assistants message object into what the chat pane shows: Markdown body, footnotes, files."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .text import visible


@dataclass(frozen=True)
class FileRef:
    """A file the message points at (image content or a file_path annotation) that can be saved."""

    file_id: str
    label: str


@dataclass(frozen=True)
class RenderedMessage:
    markdown: str
    files: list[FileRef] = field(default_factory=list)


def message_text(message: dict[str, Any]) -> str:
    """The plain text of every text part of a message, joined (no footnotes)."""
    parts = [part["text"].get("value", "") for part in message.get("content") or [] if part.get("type") == "text"]
    return "\n\n".join(parts)


def render_message(message: dict[str, Any]) -> RenderedMessage:
    """Markdown for a message: annotations replaced by footnote marks, footnotes appended, files listed."""
    chunks: list[str] = []
    footnotes: list[str] = []
    files: list[FileRef] = []
    for part in message.get("content") or []:
        kind = part.get("type")
        if kind == "text":
            text = part.get("text") or {}
            chunks.append(_with_footnote_marks(text.get("value", ""), text.get("annotations") or [], footnotes, files))
        elif kind == "image_file":
            file_id = (part.get("image_file") or {}).get("file_id", "")
            if file_id:
                files.append(FileRef(file_id, f"image {file_id}"))
        elif kind == "image_url":
            url = (part.get("image_url") or {}).get("url", "")
            chunks.append(f"`image: {url}`")
    markdown = visible("\n\n".join(chunk for chunk in chunks if chunk))
    if footnotes:
        markdown += "\n\n---\n" + "\n".join(f"{n}. {visible(note)}" for n, note in enumerate(footnotes, 1))
    return RenderedMessage(markdown, files)


def _with_footnote_marks(
    value: str, annotations: list[dict[str, Any]], footnotes: list[str], files: list[FileRef]
) -> str:
    """Replace each annotated span by a footnote mark like `[1]`, collecting the footnote texts."""
    ordered = sorted(
        (a for a in annotations if isinstance(a.get("start_index"), int) and isinstance(a.get("end_index"), int)),
        key=lambda a: a["start_index"],
    )
    out: list[str] = []
    cursor = 0
    for note in ordered:
        start, end = note["start_index"], note["end_index"]
        if start < cursor or end > len(value) or start > end:
            continue
        out.append(value[cursor:start])
        number = len(footnotes) + 1
        footnotes.append(_footnote_text(note))
        out.append(f" [{number}]")
        cursor = end
        if note.get("type") == "file_path":
            file_id = (note.get("file_path") or {}).get("file_id", "")
            if file_id:
                files.append(FileRef(file_id, f"file {file_id} ({note.get('text', '')})"))
    out.append(value[cursor:])
    return "".join(out)


def _footnote_text(note: dict[str, Any]) -> str:
    kind = note.get("type")
    if kind == "file_citation":
        file_id = (note.get("file_citation") or {}).get("file_id", "?")
        return f"cited from file `{file_id}` ({note.get('text', '')})"
    if kind == "file_path":
        file_id = (note.get("file_path") or {}).get("file_id", "?")
        return f"file `{file_id}` ({note.get('text', '')})"
    return f"{kind}: {note.get('text', '')}"
