"""Turn an Assistants message object into what the chat pane shows: Markdown body, footnotes, files."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .file_names import known_name
from .text import visible

QUOTE_CHARS = 100


@dataclass(frozen=True)
class FileRef:
    """A file the message points at (image content or a file_path annotation) that can be saved."""

    file_id: str
    label: str
    image: bool = False  # image content, drawn inline where the terminal can


@dataclass(frozen=True)
class RenderedMessage:
    markdown: str
    files: list[FileRef] = field(default_factory=list)


def message_text(message: dict[str, Any]) -> str:
    """The plain text of every text part of a message, joined (no footnotes)."""
    parts = [part["text"].get("value", "") for part in message.get("content") or [] if part.get("type") == "text"]
    return "\n\n".join(parts)


def cited_file_ids(message: dict[str, Any]) -> list[str]:
    """The files a message's citations point at, so their names can be looked up before it is rendered."""
    return [
        (note.get("file_citation") or {}).get("file_id", "")
        for part in message.get("content") or [] if part.get("type") == "text"
        for note in (part.get("text") or {}).get("annotations") or [] if note.get("type") == "file_citation"
    ]


def named_file_ids(message: dict[str, Any]) -> list[str]:
    """The files a message names (citations, attachments), so their names can be looked up before it is rendered."""
    return cited_file_ids(message) + [file_id for file_id, _ in _attached(message)]


def _attached(message: dict[str, Any]) -> list[tuple[str, str]]:
    """(file id, the tools it went to, in words) for each file attached to the message."""
    found = []
    for attachment in message.get("attachments") or []:
        file_id = attachment.get("file_id") or ""
        tools = [str(tool.get("type", "")).replace("_", " ") for tool in attachment.get("tools") or [] if isinstance(tool, dict)]
        if file_id:
            found.append((file_id, ", ".join(tool for tool in tools if tool)))
    return found


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
                files.append(FileRef(file_id, f"image {file_id}", image=True))
        elif kind == "image_url":
            url = (part.get("image_url") or {}).get("url", "")
            chunks.append(f"`image: {url}`")
    for file_id, tools in _attached(message):
        files.append(FileRef(file_id, f"attached {known_name(file_id) or file_id}" + (f" ({tools})" if tools else "")))
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
        footnotes.append(_footnote_text(note, value[cursor:start]))
        out.append(f" [{number}]")
        cursor = end
        if note.get("type") == "file_path":
            file_id = (note.get("file_path") or {}).get("file_id", "")
            if file_id:
                files.append(FileRef(file_id, f"file {file_id} ({note.get('text', '')})"))
    out.append(value[cursor:])
    return "".join(out)


def _footnote_text(note: dict[str, Any], before: str) -> str:
    kind = note.get("type")
    if kind == "file_citation":
        citation = note.get("file_citation") or {}
        file_id = citation.get("file_id", "?")
        name = known_name(file_id)
        if name is None:
            return f"cited from file `{file_id}` ({note.get('text', '')})"
        quote = _quote(citation.get("quote") or before)
        label = "`" + name.replace("`", "'") + "`"
        return f"{label}: “{quote}”" if quote else label
    if kind == "file_path":
        file_id = (note.get("file_path") or {}).get("file_id", "?")
        return f"file `{file_id}` ({note.get('text', '')})"
    return f"{kind}: {note.get('text', '')}"


def _quote(text: str) -> str:
    """The cited passage: the last “quoted” part of the text before the mark, else its last line, on one line."""
    tail = text.rstrip().rsplit("\n", 1)[-1]
    if "“" in tail and "”" in tail:
        tail = tail[tail.rindex("“") + 1 : tail.rindex("”")]
    tail = " ".join(tail.replace("*", "").split()).strip("“”\" ")
    return tail if len(tail) <= QUOTE_CHARS else tail[: QUOTE_CHARS - 1] + "…"
