"""The assistant message a run is writing: its text so far, the annotations found in it, the images before it."""

from __future__ import annotations

from typing import Any

from ..core import objects
from .annotations import Annotator, Piece, Sources


class OpenMessage:
    """One in-progress message and its message_creation step; turns streamed text into delta content parts."""

    def __init__(self, message: dict[str, Any], step: dict[str, Any], images: list[str], sources: Sources) -> None:
        self.message = message
        self.step = step
        self.images = images  # image file ids shown before the text, as the hosted API put them
        self.annotations: list[dict[str, Any]] = []
        self._chunks: list[str] = []
        self._length = 0
        self._annotator = Annotator(sources)

    @classmethod
    def adopt(cls, message: dict[str, Any], step: dict[str, Any]) -> OpenMessage:
        """A stored in-progress message (a dead server process left it open), picked up as it was."""
        content = message.get("content") or []
        opened = cls(message, step, [p["image_file"]["file_id"] for p in content if p.get("type") == "image_file"], Sources())
        for part in content:
            if part.get("type") == "text":
                opened._append(part["text"]["value"])
                opened.annotations += part["text"].get("annotations") or []
        return opened

    def add(self, text: str) -> dict[str, Any] | None:
        """Take streamed text; the delta content part to send now (None while it is all held back)."""
        return self._part(self._annotator.feed(text))

    def flush(self) -> dict[str, Any] | None:
        """The delta content part of whatever text is still held back (the message is ending)."""
        return self._part(self._annotator.flush())

    def text(self) -> str:
        return "".join(self._chunks)

    def sync(self) -> None:
        """Put the images, the text and its annotations into the message object."""
        part = objects.text_part(self.text())
        part["text"]["annotations"] = list(self.annotations)
        images = [{"type": "image_file", "image_file": {"file_id": file_id, "detail": "auto"}} for file_id in self.images]
        self.message["content"] = [*images, part]

    def image_parts(self) -> list[dict[str, Any]]:
        """The delta content parts that show the message's images."""
        return [{"index": index, "type": "image_file", "image_file": {"file_id": file_id}} for index, file_id in enumerate(self.images)]

    def _part(self, pieces: list[Piece]) -> dict[str, Any] | None:
        if not pieces:
            return None
        new: list[dict[str, Any]] = []
        for text, target in pieces:
            if target is not None:
                annotation = {"type": target["type"], "text": text, "start_index": self._length, "end_index": self._length + len(text)}
                annotation[target["type"]] = target[target["type"]]
                new.append({"index": len(self.annotations), **annotation})
                self.annotations.append(annotation)
            self._append(text)
        part: dict[str, Any] = {"index": len(self.images), "type": "text", "text": {"value": "".join(text for text, _ in pieces)}}
        if new:
            part["text"]["annotations"] = new
        return part

    def _append(self, text: str) -> None:
        self._chunks.append(text)
        self._length += len(text)
