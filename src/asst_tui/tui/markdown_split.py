"""Cut long Markdown into segments at blank lines outside code fences.

A message is shown as several Markdown widgets of bounded size, so appending to the tail of a long
reply only lays out the tail, and segments scrolled out of view are skipped by the compositor.
"""

from __future__ import annotations

import re

SEGMENT_BLOCKS = 16  # about this many blocks (paragraphs, list items, fences) per Markdown widget

_FENCE = re.compile(r"^ {0,3}(```|~~~)", re.MULTILINE)
_BLANK_LINE = re.compile(r"\n\n+(?=\S)")  # a blank line followed by unindented text


def open_fence(source: str) -> bool:
    """Whether `source` ends inside a fenced code block."""
    return len(_FENCE.findall(source)) % 2 == 1


def split_markdown(source: str, blocks: int = SEGMENT_BLOCKS) -> list[str]:
    """Split a whole document into segments of roughly `blocks` blank-line separated blocks each."""
    segments: list[str] = []
    start = 0
    count = 0
    for match in _BLANK_LINE.finditer(source):
        count += 1
        if count >= blocks and not open_fence(source[start : match.end()]):
            segments.append(source[start : match.end()])
            start = match.end()
            count = 0
    segments.append(source[start:])
    return segments
