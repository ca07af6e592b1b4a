"""Every use of a private Textual internal, in one place, each with what it works around upstream.

Tested with textual 8.2.x (the range pyproject.toml pins): a Textual upgrade checks this module
first. The app uses StylesCache; the tests and benchmarks use the rest, for what Textual offers no
public way to do. One use stays outside: benchmarks/startup_probe.py wraps App._display itself,
because it must import nothing of asst-tui before the app does (that is what it measures).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

# textual#6665: StylesCache.get_inner_outer, a method, is cached with lru_cache(1024), which keeps the
# styles caches of the last 1,024 widgets (and every line they painted) alive after they are removed.
# widgets/chat.py clears that cache when it unmounts messages.
from textual._styles_cache import StylesCache

if TYPE_CHECKING:
    from textual.app import App
    from textual.events import Event
    from textual.geometry import Region
    from textual.notifications import Notification
    from textual.screen import Screen
    from textual.widget import Widget

__all__ = ["StylesCache", "after_each_frame", "key_events", "notifications", "visible_widgets"]


def key_events(data: str) -> list[Event]:
    """The events Textual's driver makes of `data` as a terminal writes it (keys in tmux or xterm's bytes).

    No upstream issue: Textual has no public parser for terminal input; Pilot presses key names, not bytes.
    """
    from textual._xterm_parser import XTermParser

    return list(XTermParser().feed(data))


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


def visible_widgets(screen: Screen[Any]) -> Mapping[Widget, tuple[Region, Region]]:
    """The widgets the screen's last frame shows, each with its region and clip.

    No upstream issue: only the private Screen._compositor knows where each widget was painted.
    """
    return screen._compositor.visible_widgets
