"""A vertical scroll view whose content never moves under the reader's eyes when widgets change above it.

Textual lays children out from the top: a widget mounted or removed above the view pushes what the
user reads down or up, and text added at the end is hidden below it. Correcting the offset after the
frame (`call_after_refresh`) paints one frame at the old offset, and a second frame. Here the offset is
corrected inside the layout pass that moved the content (`arrange`, which the compositor calls before it
places the children by the scroll offset), so each change costs one frame painted at the right offset.
"""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.layout import DockArrangeResult
from textual.widget import Widget


class AnchoredScroll(VerticalScroll):
    """Keeps the end in view while `following`; otherwise keeps the first child in view at the same row."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.following = True
        self.arranged: DockArrangeResult | None = None  # the children's last layout
        self.viewport_height = 0

    def arrange(self, size: Size, optimal: bool = False) -> DockArrangeResult:
        previous, result = self.arranged, super().arrange(size, optimal)
        if optimal or result is previous:
            return result
        self.arranged, self.viewport_height = result, size.height
        if self.following:
            self._move_to(max(0, result.total_region.bottom - size.height), relative=False)
        elif previous is not None:
            self._move_to(self._shift(previous, result), relative=True)
        return result

    def _shift(self, previous: DockArrangeResult, result: DockArrangeResult) -> int:
        """How far the first child in view moved between two layouts."""
        top = self.scroll_y
        anchor = next((p for p in previous.placements if p.region.bottom > top), None)
        if anchor is None:
            return 0
        moved = next((p for p in result.placements if p.widget is anchor.widget), None)
        return 0 if moved is None else moved.region.y - anchor.region.y

    def _move_to(self, y: float, *, relative: bool) -> None:
        """Set the offset for the layout in progress (`y` rows further when `relative`).

        The reactive is set without validation: the virtual size is updated only after this layout. A
        scroll animation in progress is ended where it was going first, or it would pull the view back.
        """
        if relative and not y or not relative and y == self.scroll_y:
            return
        animator = self.app.animator
        if animator.is_being_animated(self, "scroll_y"):
            animator.force_stop_animation(self, "scroll_y")
        if relative:
            y += self.scroll_y
        self.set_reactive(Widget.scroll_y, y)
        self.set_reactive(Widget.scroll_target_y, y)
        self.vertical_scrollbar.position = y
