"""Every use of a private Textual internal, in one place, each with what it works around upstream.

Tested with textual 8.2.x (the range pyproject.toml pins): a Textual upgrade checks this module
first. The app uses one (`paint_now`); the tests and benchmarks use the rest, for what Textual offers
no public way to do. One use stays outside: benchmarks/startup_probe.py wraps App._display itself,
because it must import nothing of asst-tui before the app does (that is what it measures).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App
    from textual.events import Event
    from textual.notifications import Notification
    from textual.screen import Screen
    from textual.widget import Widget

__all__ = ["after_each_frame", "key_events", "notifications", "paint_now"]


def key_events(data: str) -> list[Event]:
    """The events Textual's driver makes of `data` as a terminal writes it (keys in tmux or xterm's bytes).

    No upstream issue: Textual has no public parser for terminal input; Pilot presses key names, not bytes.
    """
    from textual._xterm_parser import XTermParser

    parser = XTermParser()
    return [*parser.feed(data), *parser.feed("")]  # "" ends the input: a lone ESC is the Escape key


def notifications(app: App[Any]) -> list[Notification]:
    """The notifications the app shows now (its toasts), oldest first.

    No upstream issue: an app's notifications are kept in the private App._notifications only.
    """
    return list(app._notifications)


def after_each_frame(app: App[Any], on_frame: Callable[[Screen[Any]], None]) -> None:
    """Call `on_frame(screen)` once each frame has been painted (headless too; not inside batch_update()).

    No upstream issue: Textual has no public hook for a painted frame; every screen update goes through
    the private App._display, skipped while App._batch_count is set.
    """
    original = app._display

    def display(screen: Screen[Any], renderable: Any) -> None:
        shown = renderable is not None and not app._batch_count
        original(screen, renderable)
        if shown:
            on_frame(screen)

    app._display = display  # type: ignore[method-assign]


def paint_now(*widgets: Widget) -> None:
    """Paint what `widgets` refreshed now, in this turn of the loop, rather than at the screen's next update tick.

    No upstream issue: Textual paints from the screen's private update timer, on a grid of 1/TEXTUAL_FPS
    (16.7 ms), after the refresh has gone widget -> screen as messages; a frame made between two ticks
    waits for the next one, so frames paced at 33 ms landed 33 or 50 ms apart. Nothing public paints on
    demand. The refresh's own messages still arrive later and find nothing left to paint.
    """
    screen = widgets[0].screen
    if not screen.is_current:
        return
    screen._dirty_widgets.update(widgets)
    screen._on_timer_update()
