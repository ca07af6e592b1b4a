"""The app's actions on the layout: the threads sidebar, shown or hidden by a key and hidden on narrow
terminals, and the keys that move the focus into it (a mixin of AsstApp)."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.widgets import Input, TextArea

NARROW = 100  # below this many columns the sidebar hides itself (unless the user showed it)


class ViewActions:
    """Needs the AsstApp attributes: sidebar, keys (keymap.Keymap), size, focused, screen and screen_stack.

    `sidebar_wanted` is the user's choice (the sidebar key); None follows the width.
    """

    sidebar_wanted: bool | None = None

    def fit_sidebar(self, width: int | None = None) -> None:
        """Show the sidebar as the user chose, or as the width allows (the terminal's, or `width` when it is changing)."""
        wanted = self.sidebar_wanted
        self.sidebar.display = ((width or self.size.width) >= NARROW) if wanted is None else wanted

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "focus_filter":  # a priority key, so typed text after it can't overtake it
            return not (self.screen is self.screen_stack[0] and self._focused_wants(self.keys.keys["focus_filter"]))
        return super().check_action(action, parameters)

    def _focused_wants(self, keys: tuple[str, ...]) -> bool:
        """Whether the focused widget takes one of `keys` itself: types it (a field) or binds it (the chat's find)."""
        focused = self.focused
        if focused is None:
            return False
        if isinstance(focused, (Input, TextArea)):
            return True
        for node in focused.ancestors_with_self:
            if node is self.screen:
                break
            for binding in getattr(type(node), "BINDINGS", []):
                bound = binding.key if isinstance(binding, Binding) else binding[0]
                if any(key.strip() in keys for key in bound.split(",")):
                    return True
        return False

    def on_resize(self, event: events.Resize) -> None:
        self.fit_sidebar(event.size.width)  # this runs before App's own handler: `self.size` is still the old size

    def action_toggle_sidebar(self) -> None:
        self.sidebar_wanted = not self.sidebar.display
        self.fit_sidebar()
        if not self.sidebar.display and self.sidebar.has_focus_within:
            self.prompt.focus()

    def action_focus_threads(self) -> None:
        self._focus_in_sidebar("#thread-list")

    def action_focus_filter(self) -> None:
        self._focus_in_sidebar("#thread-filter")

    def _focus_in_sidebar(self, selector: str) -> None:
        """Show the sidebar (for now: choosing a thread fits it again) and focus at once, not after a refresh
        as Widget.focus() does: the keys typed right after the focus key go there, none to the old widget."""
        self.sidebar.display = True
        self.screen.set_focus(self.query_one(selector))

    def on_sidebar_left(self) -> None:
        self.fit_sidebar()

    def sidebar_used(self) -> None:
        """A thread was chosen in the sidebar: hide it again if it was only shown to choose one."""
        self.fit_sidebar()
