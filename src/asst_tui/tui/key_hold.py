"""Keys typed right after a key that opens a dialog go to the dialog (a mixin of AsstApp).

A dialog is pushed by a worker and composed on a later turn of the event loop, so a quick F7 Tab Tab 300
had its Tabs handled by the main screen and its digits typed into the dialog's first field. From the
dialog key on, keys are held until the dialog is up with its focus set (or HOLD_SECONDS pass, when it
didn't open, or its worker ended without one: then they go to the main screen), and then handled in the
order they were typed.
"""

from __future__ import annotations

import time

from textual import events

HOLD_SECONDS = 1.5  # the longest a key waits for a dialog that is opening (one that loads data first)
CHECK_SECONDS = 0.01
DIALOG_GROUP = "dialog"  # the worker group of the actions that open dialogs: while one works, a dialog may come


class KeyHold:
    """Needs the App: is_running, screen_stack, screen, focused, workers, set_timer and post_message."""

    _held: list[events.Key] | None = None
    _hold_depth = 0
    _hold_since = 0.0

    def hold_keys(self) -> None:
        """Hold the keys that follow until a new screen is up (called when a dialog key is handled)."""
        if self._held is None:
            self._held = []
            self._hold_depth = len(self.screen_stack)
            self._hold_since = time.monotonic()
            self.set_timer(CHECK_SECONDS, self._release_when_ready)

    def held(self, event: events.Event) -> bool:
        """Whether `event` is a key kept for the dialog that is opening (the caller then drops it)."""
        if self._held is not None and isinstance(event, events.Key):
            self._held.append(event)
            return True
        return False

    def _release_when_ready(self) -> None:
        if not self.is_running or not self.screen_stack:  # the app is closing: the keys go with it
            self._held = None
            return
        screen = self.screen
        opened = len(self.screen_stack) > self._hold_depth and screen.is_mounted and (
            self.focused is not None and self.focused.screen is screen
        )
        opening = len(self.screen_stack) > self._hold_depth or any(
            worker.group == DIALOG_GROUP and not worker.is_finished for worker in self.workers
        )
        if not opened and opening and time.monotonic() - self._hold_since < HOLD_SECONDS:
            self.set_timer(CHECK_SECONDS, self._release_when_ready)
            return
        keys, self._held = self._held or [], None
        for key in keys:
            self.post_message(key)
