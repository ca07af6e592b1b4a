"""The chat pane's messages as one virtual column of lines: where each entry starts, what is at a line.

Entries' heights are kept, asked again only for the entries that changed, and summed lazily from the
first one that changed, so streaming into the last entry costs nothing for the entries above it and
rendering near the top of a long thread costs nothing for the entries below. An anchor names a line by what is on it (the entry, the block
and the line within it), so the pane can find it again after heights above it changed.
"""

from __future__ import annotations

import weakref
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterator
from itertools import accumulate, islice
from dataclasses import dataclass

from .chat_entry import Block, Entry, Render

LINE_BUDGET = 60_000  # rendered lines kept in memory; past it the least recently shown are dropped (not their heights)


@dataclass(frozen=True)
class Anchor:
    entry: Entry
    place: tuple[int, int]  # Entry.anchor()


class EntryList:
    """Entries in order, with their tops at the current width (`width`: the Markdown's width).

    Each entry's height is kept and asked again only once the entry changed; the tops are their running
    sum from the first change, so a block rendered near the top of a 2,000-message thread costs one
    height and a sum over integers, not every entry's height below it.
    """

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.width = 0
        self._heights: list[int] = []
        self._changed: set[int] = set()  # positions whose height must be asked again
        self._tops: list[int] = [0]
        self._valid = 0  # tops up to date up to this position
        self._index: dict[int, int] = {}  # id(entry) -> position

    # --- changes ------------------------------------------------------------------------------

    def insert(self, index: int, entries: list[Entry]) -> None:
        for entry in entries:
            entry.set_width(self.width)
        self.entries[index:index] = entries
        self._heights[index:index] = [0] * len(entries)
        self._changed = {position + len(entries) if position >= index else position for position in self._changed}
        self._changed.update(range(index, index + len(entries)))
        self._moved(index)

    def remove(self, entry: Entry) -> None:
        index = self.index(entry)
        if index is not None:
            del self.entries[index]
            del self._heights[index]
            self._changed = {position - 1 if position > index else position for position in self._changed if position != index}
            self._moved(index)

    def clear(self) -> None:
        self.entries, self._heights, self._changed = [], [], set()
        self._moved(0)

    def changed(self, entry: Entry) -> None:
        """`entry`'s height may have changed."""
        index = self.index(entry)
        if index is not None:
            self._changed.add(index)
            self._valid = min(self._valid, index)

    def set_width(self, width: int) -> None:
        if width != self.width:
            self.width = width
            for entry in self.entries:
                entry.set_width(width)
            self._changed = set(range(len(self.entries)))
            self._valid = 0

    def _moved(self, index: int) -> None:
        """Entries from `index` on moved: their positions and tops are recomputed."""
        self._index = {id(entry): position for position, entry in enumerate(self.entries)}
        self._valid = min(self._valid, index)

    def _layout(self) -> None:
        valid = self._valid
        if valid == len(self.entries) and len(self._tops) == valid + 1:
            return
        heights, entries = self._heights, self.entries
        for position in self._changed:
            heights[position] = entries[position].height
        self._changed.clear()
        del self._tops[valid + 1:]
        self._tops.extend(islice(accumulate(heights[valid:], initial=self._tops[valid]), 1, None))
        self._valid = len(entries)

    # --- geometry -----------------------------------------------------------------------------

    def index(self, entry: Entry) -> int | None:
        """Where `entry` is, or None when it is not (any more) in the list."""
        position = self._index.get(id(entry))
        if position is None or position >= len(self.entries) or self.entries[position] is not entry:
            return None
        return position

    @property
    def total(self) -> int:
        self._layout()
        return self._tops[-1]

    def top(self, position: int) -> int:
        self._layout()
        return self._tops[position]

    def at(self, y: int) -> int:
        """The position of the entry line `y` falls in (clamped to the list)."""
        self._layout()
        return max(0, min(len(self.entries) - 1, bisect_right(self._tops, y) - 1))

    def between(self, first: int, end: int) -> Iterator[tuple[Entry, int]]:
        """(entry, top) for the entries with a line in [first, end), top to bottom."""
        if not self.entries or end <= first:
            return
        position = self.at(first)
        while position < len(self.entries) and self._tops[position] < end:
            yield self.entries[position], self._tops[position]
            position += 1

    def anchor(self, y: int) -> Anchor | None:
        if not self.entries:
            return None
        position = self.at(y)
        entry = self.entries[position]
        return Anchor(entry, entry.anchor(y - self._tops[position]))

    def find(self, anchor: Anchor) -> int | None:
        """The line `anchor` is on now; None when its entry is gone."""
        position = self.index(anchor.entry)
        return None if position is None else self._tops[position] + anchor.entry.find(anchor.place)

    # --- rendering ----------------------------------------------------------------------------

    def fill(self, first: int, end: int, render: Render) -> bool:
        """Render every block still estimated in lines [first, end); True if any was (heights may have changed)."""
        rendered = False
        for entry, top in list(self.between(first, end)):
            if entry.render_range(max(0, first - top), end - top, render):
                rendered = True
                self.changed(entry)
        return rendered

    def nearby(self, first: int, end: int, above: int, below: int) -> Iterator[tuple[Entry, Block]]:
        """Blocks still estimated within `above` lines over [first, end) and `below` under it, nearest first."""
        over = list(self.between(max(0, first - above), first))
        for entry, top in reversed(over):
            blocks = entry.unrendered_between(max(0, first - above - top), first - top)
            yield from ((entry, block) for block in reversed(blocks))
        for entry, top in list(self.between(end, end + below)):
            yield from ((entry, block) for block in entry.unrendered_between(max(0, end - top), end + below - top))


class LineBudget:
    """Keeps at most LINE_BUDGET rendered lines; the blocks shown least recently lose theirs first.

    Blocks are held weakly: one replaced by newer text (the streamed tail) leaves the count when it goes.
    """

    def __init__(self, limit: int = LINE_BUDGET) -> None:
        self.limit = limit
        self.lines = 0
        self._blocks: OrderedDict[int, tuple[weakref.ref[Block], int]] = OrderedDict()

    def rendered(self, block: Block) -> None:
        """`block` has (new) lines."""
        key = id(block)
        known = self._blocks.pop(key, None)
        if known is not None:
            self.lines -= known[1]
        count = len(block.lines or ())
        self._blocks[key] = (weakref.ref(block, lambda _, key=key: self._gone(key)), count)
        self.lines += count

    def _gone(self, key: int) -> None:
        known = self._blocks.pop(key, None)
        if known is not None:
            self.lines -= known[1]

    def touch(self, block: Block) -> None:
        """`block` is on screen."""
        key = id(block)
        if key in self._blocks:
            self._blocks.move_to_end(key)

    def trim(self) -> None:
        """Drop the lines of the least recently shown blocks until within the limit (heights stay known)."""
        while self.lines > self.limit and self._blocks:
            _, (ref, count) = self._blocks.popitem(last=False)
            self.lines -= count
            block = ref()
            if block is not None:
                block.lines = None

    def clear(self) -> None:
        self._blocks.clear()
        self.lines = 0
