"""Links and citations in an assistant's text, found while it streams: the hosted API's message annotations.

`sandbox:/mnt/data/NAME`, NAME a file the run's code interpreter wrote, becomes a `file_path` annotation;
`【i:j†…】`, the j-th result of the run's i-th file_search call, becomes a `file_citation`. Text that may
be the start of either is held back until it is known (at most MAX_HELD characters), so each annotation
travels in the same delta as its text and a client can rewrite the link as soon as it sees it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SANDBOX_PREFIX = "sandbox:/mnt/data/"
CITATION = re.compile(r"【(\d+):(\d+)†[^】\n]*】")
LINK_END = frozenset(" \t\r\n)]}>\"'`")  # what ends a sandbox path
TRAILING_PUNCTUATION = ".,;:!?"  # ends a sentence, not the file name
MAX_HELD = 256

Piece = tuple[str, dict[str, Any] | None]  # text, and the annotation it carries (type and target, no indexes)


@dataclass
class Sources:
    """What annotations can point at: files the code interpreter wrote, the run's file_search results."""

    files: dict[str, str] = field(default_factory=dict)  # file name -> file id
    searches: list[list[str]] = field(default_factory=list)  # per file_search call, its results' file ids

    def resolve_link(self, name: str) -> dict[str, Any] | None:
        file_id = self.files.get(name)
        return {"type": "file_path", "file_path": {"file_id": file_id}} if file_id else None

    def resolve_citation(self, call: int, result: int) -> dict[str, Any] | None:
        if call < len(self.searches) and result < len(self.searches[call]):
            return {"type": "file_citation", "file_citation": {"file_id": self.searches[call][result]}}
        return None


class Annotator:
    """Cuts streamed text into plain and annotated pieces, holding back what may still become a link or citation."""

    def __init__(self, sources: Sources) -> None:
        self.sources = sources
        self._held = ""

    def feed(self, text: str) -> list[Piece]:
        """The pieces that can be sent now, given the next streamed text."""
        if not self._held and "【" not in text and SANDBOX_PREFIX not in text and _partial_prefix(text, 0) is None:
            return [(text, None)] if text else []  # the common case, kept cheap: nothing to look at
        self._held += text
        return self._drain(final=False)

    def flush(self) -> list[Piece]:
        """Everything still held back: the text ended."""
        return self._drain(final=True)

    def _drain(self, final: bool) -> list[Piece]:
        text, pos, pieces = self._held, 0, []
        while (start := self._next_start(text, pos, final)) is not None:
            found = self._match(text, start, final)
            if found is None:  # undecided until more text arrives
                self._held = text[start:]
                return _merged([*pieces, (text[pos:start], None)])
            end, annotation = found
            pieces += [(text[pos:start], None), (text[start:end], annotation)]
            pos = end
        self._held = ""
        return _merged([*pieces, (text[pos:], None)])

    @staticmethod
    def _next_start(text: str, pos: int, final: bool) -> int | None:
        """Where the next possible link or citation starts (a partial `sandbox:` at the very end counts)."""
        starts = [i for i in (text.find("【", pos), text.find(SANDBOX_PREFIX, pos)) if i >= 0]
        partial = None if final else _partial_prefix(text, pos)
        if partial is not None:
            starts.append(partial)
        return min(starts, default=None)

    def _match(self, text: str, start: int, final: bool) -> tuple[int, dict[str, Any] | None] | None:
        """(end, annotation or None) of what starts at `start`; None when only more text can tell."""
        long_enough = final or len(text) - start > MAX_HELD
        if text[start] == "【":
            close = text.find("】", start)
            if close < 0:
                return (start + 1, None) if long_enough or "\n" in text[start:] else None
            citation = CITATION.fullmatch(text, start, close + 1)
            if citation is None:
                return start + 1, None
            return close + 1, self.sources.resolve_citation(int(citation[1]), int(citation[2]))
        if not text.startswith(SANDBOX_PREFIX, start):  # a partial prefix at the end
            return (len(text), None) if final else None
        end = start + len(SANDBOX_PREFIX)
        while end < len(text) and text[end] not in LINK_END:
            end += 1
        if end == len(text) and not long_enough:
            return None
        name = text[start + len(SANDBOX_PREFIX):end].rstrip(TRAILING_PUNCTUATION)
        annotation = self.sources.resolve_link(name) if name else None
        return (start + len(SANDBOX_PREFIX) + len(name), annotation) if annotation else (start + len(SANDBOX_PREFIX), None)


def _partial_prefix(text: str, pos: int) -> int | None:
    """Where text (from `pos`) ends with the start of SANDBOX_PREFIX, which begins with its only "s"."""
    at = text.find("s", max(pos, len(text) - len(SANDBOX_PREFIX) + 1))
    while at >= 0 and not SANDBOX_PREFIX.startswith(text[at:]):
        at = text.find("s", at + 1)
    return None if at < 0 else at


def _merged(pieces: list[Piece]) -> list[Piece]:
    """Adjacent plain pieces joined, empty ones dropped."""
    out: list[Piece] = []
    for text, annotation in pieces:
        if not text:
            continue
        if annotation is None and out and out[-1][1] is None:
            out[-1] = (out[-1][0] + text, None)
        else:
            out.append((text, annotation))
    return out
