"""When full garbage collections run: at idle moments, and whenever the old generation took in BOUND batches.

A full (generation 2) collection walks every object the collector tracks, and the app waits meanwhile
(about 1 µs an object on a loaded machine: 100-250 ms with a long thread's window of messages mounted).
The objects alive once the app is ready (its imported modules, mostly) are frozen out of the collector's
view, CPython's automatic full collections are turned off (the young generations are still collected as
usual), and this policy runs them instead: when no run is going and no input came for IDLE_SECONDS, so
garbage goes while nobody waits; and, whatever the user is doing, once BOUND generation-1 collections have
moved their survivors into generation 2 since the last full one. Collecting at idle moments only grew the
process to 1.8 GB of cyclic garbage while PageUp was held through a 2,000-message thread; the bound keeps
the garbage, and with it each collection's pause, small.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

from textual.app import App
from textual.timer import Timer

IDLE_SECONDS = 3.0  # no run and no input for this long is an idle moment
CHECK_SECONDS = 0.5
BOUND = 10  # generation-1 collections since the last full one (each moves at most ~7,000 objects to generation 2)
NEVER = 1 << 30  # a generation-2 threshold the collector never reaches


class GcPolicy:
    """Runs the full collections of `app`'s process; `busy()` says whether a run is going."""

    def __init__(self, app: App, busy: Callable[[], bool]) -> None:
        self.app = app
        self.busy = busy
        self._input_at = time.monotonic()
        self._idle_collected = False  # one collection per idle moment
        self._thresholds: tuple[int, int, int] | None = None
        self._timer: Timer | None = None

    def start(self) -> None:
        """Freeze what is alive now and take over full collections."""
        gc.freeze()
        self._thresholds = gc.get_threshold()
        young, middle, _ = self._thresholds
        gc.set_threshold(young, middle, NEVER)
        self._timer = self.app.set_interval(CHECK_SECONDS, self._check)

    def stop(self) -> None:
        """Give the process its collector back (a test run, say)."""
        if self._timer is not None:
            self._timer.stop()
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            gc.unfreeze()

    def input_seen(self) -> None:
        self._input_at = time.monotonic()
        self._idle_collected = False

    def _check(self) -> None:
        promoted = gc.get_count()[2]
        if promoted >= BOUND:
            gc.collect()
        elif self.busy():
            self._idle_collected = False
        elif promoted and not self._idle_collected and time.monotonic() - self._input_at >= IDLE_SECONDS:
            gc.collect()
            self._idle_collected = True
