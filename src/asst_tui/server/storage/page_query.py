"""A list endpoint's page as SQL, the same for every store: its cursor bounds, its order, and the page it gives."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass
class PageBounds:
    """The `seq` conditions (with `mark`, the driver's placeholder) and the order that select one page."""

    clauses: list[str]
    args: list[Any]
    ascending: bool
    reverse: bool  # read backwards from `before` and turned around, so the page ends just before it


def page_bounds(desc: bool, after_seq: int | None, before_seq: int | None, *, after_given: bool, mark: str) -> PageBounds:
    """Bounds for `after`/`before` cursors found at these insertion seqs (None: no such object, so no bound)."""
    bounds = PageBounds([], [], ascending=not desc, reverse=False)
    for seq, is_after in ((after_seq, True), (before_seq, False)):
        if seq is None:
            continue
        newer = is_after != desc
        bounds.clauses.append(f"seq > {mark}" if newer else f"seq < {mark}")
        bounds.args.append(seq)
        if not is_after and not after_given:
            bounds.reverse = True
    bounds.ascending = (not desc) != bounds.reverse
    return bounds


def page_of(rows: list[Any], limit: int, reverse: bool) -> tuple[list[dict[str, Any]], bool]:
    """(items, has_more) from up to `limit + 1` rows whose first column is an object's JSON."""
    items = [json.loads(row[0]) for row in rows[:limit]]
    if reverse:
        items.reverse()
    return items, len(rows) > limit
