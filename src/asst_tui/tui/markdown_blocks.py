"""Cut Markdown into top-level blocks, so a long reply is rendered one block at a time.

A cut falls on a blank line followed by unindented text, outside a code fence, and never between two
items of one list (a loose list rendered in pieces would gain blank lines). Every block keeps the
blank lines after it, so the blocks joined give the text back. Rendering the blocks one by one and
joining them as `markdown_lines.join_blocks` does gives the lines Rich gives for the whole text.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(```|~~~)", re.MULTILINE)
_BLANK_THEN_TEXT = re.compile(r"\n\n+(?=\S)")
_LIST_ITEM = re.compile(r" {0,3}(?:[-+*]|\d{1,9}[.)])(?: |$)")
_UNINDENTED_LINE = re.compile(r"^\S.*$", re.MULTILINE)
_MARKER_CHARS = 11  # the longest list marker and its space ("123456789. "): enough text to tell one


def open_fence(source: str) -> bool:
    """Whether `source` ends inside a fenced code block."""
    return len(_FENCE.findall(source)) % 2 == 1


def _ends_in_list(block: str) -> bool:
    """Whether the last unindented line of `block` is a list item (so a list may go on after it)."""
    last = None
    for last in _UNINDENTED_LINE.finditer(block):
        pass
    return last is not None and _LIST_ITEM.match(last.group()) is not None


def split_blocks(source: str, *, complete: bool = True) -> list[str]:
    """The top-level blocks of `source`; they join back into it.

    While text still streams in (`complete` False), no cut is made before a line too short yet to
    tell whether it starts a list item that continues the list above.
    """
    blocks: list[str] = []
    start = 0
    fences = 0  # fence lines between `start` and `scanned`
    scanned = 0
    for match in _BLANK_THEN_TEXT.finditer(source):
        cut = match.end()
        fences += len(_FENCE.findall(source, scanned, cut))
        scanned = cut
        if fences % 2:
            continue
        if not complete and len(source) - cut < _MARKER_CHARS and "\n" not in source[cut:]:
            continue
        if _LIST_ITEM.match(source, cut) and _ends_in_list(source[start:cut]):
            continue
        blocks.append(source[start:cut])
        start = cut
        fences = 0
    blocks.append(source[start:])
    return blocks


def estimate_lines(source: str, width: int) -> int:
    """A guess at how many lines `source` takes at `width`, for a block not rendered yet."""
    width = max(1, width)
    lines = 0
    for line in source.rstrip("\n").split("\n"):
        lines += max(1, -(-len(line) // width))
    return lines
