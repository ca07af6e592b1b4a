"""The files a message offers, as real widgets on rows the chat pane keeps for them (a mixin of ChatView).

A link that saves and an image preview are ordinary widgets, so focus, Enter, clicks and the pixel
images of Kitty and Sixel terminals work as anywhere else; `arrange` places them where their rows are.
They are mounted once their message comes near the view (an image is fetched once it is mounted).
"""

from __future__ import annotations

from textual.geometry import Offset, Region, Size, Spacing
from textual.layout import DockArrangeResult, WidgetPlacement

from ..inline_images import ImagePreview
from .chat_entry import Entry
from .chat_message import file_widgets

WIDGET_SCREENS = 1  # mount the file widgets of messages this close to the view


class FileRows:
    """Needs ChatView's _list, _placed, _viewport, _top_pad, _anchor and _settle."""

    def _place_widgets(self) -> bool:
        """Mount the file widgets of messages near the view (an image is fetched once it is mounted); True if any."""
        height = self._viewport.height
        top = round(self.scroll_y)
        mounted = False
        for entry, _ in self._list.between(max(0, top - WIDGET_SCREENS * height), top + (1 + WIDGET_SCREENS) * height):
            if entry.files and not entry.widgets and entry.slot_heights:
                entry.widgets = [widget for ref in entry.files for widget in file_widgets(ref)]
                self._placed.append(entry)
                self.mount_all(entry.widgets)
                self._measure_widgets(entry)
                mounted = True
        return mounted

    def arrange(self, size: Size, optimal: bool = False) -> DockArrangeResult:
        placements = []
        pad = self._top_pad()
        for entry in self._placed:
            position = self._list.index(entry)
            if position is None:
                continue
            y = pad + self._list.top(position) + entry.slots_top()
            for widget, rows in zip(entry.widgets, entry.slot_heights):
                placements.append(WidgetPlacement(Region(0, y, size.width, rows), Offset(), Spacing(), widget))
                y += rows
        return DockArrangeResult(placements, {placement.widget for placement in placements}, Spacing())

    def on_image_preview_drawn(self, event: ImagePreview.Drawn) -> None:
        """An image (or why there is none) replaced its note: give it the rows it needs."""
        entry = next((entry for entry in self._placed if event.preview in entry.widgets), None)
        if entry is not None:
            anchor = self._anchor()
            self._measure_widgets(entry)
            self._settle(anchor)

    async def _unplace(self, entries: list[Entry]) -> None:
        widgets = [widget for entry in entries for widget in entry.widgets]
        for entry in entries:
            entry.widgets = []
            if entry in self._placed:
                self._placed.remove(entry)
        if widgets:
            await self.remove_children(widgets)

