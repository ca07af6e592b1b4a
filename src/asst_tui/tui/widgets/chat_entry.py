"""One message of the chat pane as lines: a role line, its Markdown blocks, rows for its files, a blank line.

Lines are counted from the entry's top (its role line is line 0). Blocks are rendered at the pane's
width when first needed and then kept; until then a block's height is an estimate, and the pane
keeps what the user reads in place when the estimate turns exact (see `ChatView`). A block rendered
at another width is rendered again (lazily) when the width changes.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..markdown_blocks import estimate_lines, split_blocks
from ..markdown_lines import RenderedBlock, gap_before, guess_lead

if TYPE_CHECKING:
    from textual.widget import Widget

    from ..message_format import FileRef

Render = Callable[["Block"], None]  # renders a block at the pane's current width (it calls Block.take)

ROLE, BODY, GAP, SLOT, MARGIN = "role", "body", "gap", "slot", "margin"  # what a line of an entry is


class Block:
    """A top-level Markdown block and, once rendered at `width`, its lines (dropped again to save memory)."""

    __slots__ = ("source", "lines", "width", "height", "lead", "gap_after", "__weakref__")

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines: list | None = None
        self.width = 0  # the width `height` (and `lines`, if kept) are exact for; 0: never rendered
        self.height = 0
        self.lead: bool | None = None  # known once rendered (it does not depend on the width)
        self.gap_after: bool | None = True

    def exact(self, width: int) -> bool:
        return self.width == width

    def take(self, rendered: RenderedBlock, width: int) -> None:
        self.lines, self.width, self.height = rendered.lines, width, len(rendered.lines)
        self.lead, self.gap_after = rendered.lead, rendered.gap_after

    def estimate(self, width: int) -> int:
        if self.width == width:
            return self.height
        lead = guess_lead(self.source) if self.lead is None else self.lead
        return estimate_lines(self.source, width) + lead


class Entry:
    """One message in the pane, with its layout at the pane's width."""

    def __init__(self, role: str, markdown: str = "", message_id: str | None = None, created_at: float | None = None,
                 files: list[FileRef] | None = None, severity: str = "", run_id: str | None = None) -> None:
        self.role = role
        self.message_id = message_id
        self.run_id = run_id  # the run that wrote it (an assistant message)
        self.marker = ""  # shown after the time on the role line: how its run ended, if not completed
        self.created_at = created_at
        self.files: list[FileRef] = list(files or [])
        self.severity = severity
        self.source = markdown
        self.blocks = [Block(part) for part in split_blocks(markdown)]
        self.slot_heights: list[int] = []  # one per file widget (a link, an image), set by the pane
        self.widgets: list[Widget] = []  # the file widgets, once mounted
        self.width = 0
        self._gaps: list[int] = []  # the blank line before each block (0 or 1), at `width`
        self._tops: list[int] = [0]  # where each block starts within the body (gap included), at `width`
        self._valid = 0  # blocks whose `_tops` entry is up to date

    # --- the text -----------------------------------------------------------------------------

    def append(self, text: str) -> None:
        """Streamed text: only the last (open) block changes, and new blocks may start after it."""
        self.source += text
        tail = self.blocks.pop()
        index = len(self.blocks)
        parts = split_blocks(tail.source + text, complete=False)
        self.blocks.extend(Block(part) for part in parts)
        self._invalidate(index)

    def replace(self, markdown: str) -> None:
        """The final text: blocks already rendered are kept where the text before them is unchanged."""
        if markdown == self.source:
            return
        old = self.blocks
        new = [Block(part) for part in split_blocks(markdown)]
        same = 0
        while same < min(len(old), len(new)) - 1 and old[same].source == new[same].source:
            new[same] = old[same]
            same += 1
        self.blocks, self.source = new, markdown
        self._invalidate(same)

    def complete(self) -> None:
        """No more text comes: cut the open block where a cut had to wait for more text."""
        tail = self.blocks[-1]
        parts = split_blocks(tail.source)
        if len(parts) > 1:
            self.blocks[-1:] = [Block(part) for part in parts]
            self._invalidate(len(self.blocks) - len(parts))

    # --- the layout ---------------------------------------------------------------------------

    def set_width(self, width: int) -> None:
        if width != self.width:
            self.width = width
            self._invalidate(0)

    def _invalidate(self, index: int) -> None:
        self._valid = min(self._valid, index)

    def _layout(self) -> None:
        """Bring `_tops` and `_gaps` up to date from the first block that changed."""
        valid, blocks, width = self._valid, self.blocks, self.width
        if valid >= len(blocks) and len(self._tops) == len(blocks) + 1:
            return
        del self._tops[valid + 1:]
        del self._gaps[valid:]
        top = self._tops[valid]
        gap_after = True
        for block in reversed(blocks[:valid]):
            if block.gap_after is not None:
                gap_after = block.gap_after
                break
        for index in range(valid, len(blocks)):
            block = blocks[index]
            lead = block.lead if block.lead is not None else guess_lead(block.source)
            gap = gap_before(lead, gap_after) if index else 0
            self._gaps.append(gap)
            top += gap + block.estimate(width)
            self._tops.append(top)
            if block.gap_after is not None:
                gap_after = block.gap_after
        self._valid = len(blocks)

    @property
    def body_height(self) -> int:
        self._layout()
        return max(1, self._tops[-1])  # an empty body still shows its bar

    @property
    def height(self) -> int:
        return 1 + self.body_height + sum(self.slot_heights) + 1

    def slots_top(self) -> int:
        """The line where the file widgets start."""
        return 1 + self.body_height

    def render_range(self, first: int, end: int, render: Render) -> bool:
        """Render the blocks that lines [first, end) fall in, until those lines are all exact; True if any was."""
        rendered = False
        for _ in range(64):  # each pass renders what the previous pass's estimates put in range
            pending = [block for block in self._blocks_between(first - 1, end - 2) if not block.exact(self.width)]
            if not pending:
                break
            for block in pending:
                render(block)
            self._invalidate(self.blocks.index(pending[0]))
            rendered = True
        return rendered

    def _blocks_between(self, first: int, last: int) -> list[Block]:
        """Blocks with a line in body lines [first, last]."""
        self._layout()
        if last < 0 or first >= self._tops[-1]:
            return []
        start = max(0, bisect_right(self._tops, max(0, first)) - 1)
        stop = bisect_right(self._tops, last)
        return self.blocks[start:stop]

    def unrendered_between(self, first: int, end: int) -> list[Block]:
        """Blocks not exact at the current width with a line in entry lines [first, end)."""
        return [block for block in self._blocks_between(first - 1, end - 2) if not block.exact(self.width)]

    def block_rendered(self, block: Block) -> None:
        """`block` was rendered away from the screen (in an idle moment): its height is exact now."""
        try:
            self._invalidate(self.blocks.index(block))
        except ValueError:  # replaced by newer text meanwhile
            pass

    # --- lines --------------------------------------------------------------------------------

    def line(self, y: int, render: Render) -> tuple[str, object]:
        """What line `y` of the entry is: (ROLE, None), (BODY, line), (GAP, None), (SLOT, index), (MARGIN, None)."""
        if y == 0:
            return ROLE, None
        body = self.body_height
        if y <= body:
            return self._body_line(y - 1, render)
        y -= 1 + body
        for index, height in enumerate(self.slot_heights):
            if y < height:
                return SLOT, index
            y -= height
        return MARGIN, None

    def _body_line(self, y: int, render: Render) -> tuple[str, object]:
        self._layout()
        index = bisect_right(self._tops, y) - 1
        if index >= len(self.blocks):
            return GAP, None
        block = self.blocks[index]
        if not block.exact(self.width) or block.lines is None:
            render(block)
            self._invalidate(index)
            self._layout()
        within = y - self._tops[index] - self._gaps[index]
        if 0 <= within < len(block.lines):
            return BODY, block.lines[within]
        return GAP, None

    def anchor(self, y: int) -> tuple[int, int]:
        """Line `y` as (block index, lines into that block), so it can be found again after blocks above change.

        The role line is block -1; the file rows and the blank line are counted back from the end (-2, -3 …).
        """
        if y <= 0:
            return -1, 0
        body = self.body_height
        if y > body:
            return -2, self.height - y
        self._layout()
        index = min(bisect_right(self._tops, y - 1) - 1, len(self.blocks) - 1)
        return index, y - 1 - self._tops[index]

    def find(self, anchor: tuple[int, int]) -> int:
        """The line an `anchor` points at now."""
        index, offset = anchor
        if index == -1:
            return 0
        if index == -2:
            return max(0, self.height - offset)
        self._layout()
        index = min(index, len(self.blocks) - 1)
        return 1 + self._tops[index] + min(offset, max(0, self._tops[index + 1] - self._tops[index] - 1))
