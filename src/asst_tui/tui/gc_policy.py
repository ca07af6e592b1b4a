"""When full garbage collections run: never while a run streams or a key is held, unless memory passed
a bound; at idle moments, over everything.

A full (generation 2) collection walks every object the collector tracks, and the app waits meanwhile
(about 1-2 µs an object on a loaded machine). The objects alive once the app is ready (its imported
modules, mostly) are frozen out of the collector's view, CPython's automatic full collections are
turned off (the young generations are still collected as usual), and this policy runs them instead:

- while nobody waits (no run, no input for INPUT_HELD seconds), once BOUND generation-1 collections
  moved their survivors into generation 2 since the last full one; its survivors are frozen after it,
  so the next walks only what came since;
- while a run streams or a key is held, once BUSY_BOUND generation-1 collections filled the old
  generation, only that is collected (everything older is frozen, so the pause is bounded by what came
  since: a few thousand objects, some milliseconds) and what survives is frozen too. It used to be frozen
  uncollected, and after DEFERRED_LIMIT such batches everything was unfrozen and collected while the key
  was still held: PageUp held through 2,000 messages paused 1.0 s for 436,000 garbage objects;
- only after DEFERRED_LIMIT busy batches does a collection over everything run anyway, so garbage frozen
  while alive and dropped since stays bounded (with no bound at all a long scroll through a thread once
  grew the process to 1.8 GB);
- when no run is going and no input came for IDLE_SECONDS, everything is unfrozen and collected once,
  while nobody waits, and what survives is frozen again: garbage frozen meanwhile goes then.

Before all that, `asst-tui` holds full collections from its first import of Textual to its first frame
(`hold_for_startup`, `end_startup_hold`): one ran there, walking the freshly imported modules, before the
first frame of every start (a bare Textual app imports too little to reach it).
"""

from __future__ import annotations

import functools
import gc
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # not imported with the module: the launcher holds collections before Textual is imported
    from textual.app import App
    from textual.timer import Timer

IDLE_SECONDS = 3.0  # no run and no input for this long is an idle moment
INPUT_HELD = 0.5  # input this recent means a key is held (or being typed): no collection unless bound
CHECK_SECONDS = 0.5
BOUND = 10  # generation-1 collections since the last full one (each moves at most ~7,000 objects to generation 2)
BUSY_BOUND = 40  # the same while a run streams or a key is held: then only the old generation is collected
DEFERRED_LIMIT = 400  # busy batches before a collection over everything runs even while busy (one per ~2 s of PageUp held)
NEVER = 1 << 30  # a generation-2 threshold the collector never reaches

_held: tuple[int, int, int] | None = None  # the thresholds hold_for_startup() replaced


def hold_for_startup() -> None:
    """No automatic full collection until end_startup_hold() (the young generations are collected as usual)."""
    global _held
    if _held is None:
        _held = gc.get_threshold()
        gc.set_threshold(_held[0], _held[1], NEVER)


def end_startup_hold() -> None:
    """Give back the thresholds hold_for_startup() replaced (nothing when it did not run)."""
    global _held
    if _held is not None:
        gc.set_threshold(*_held)
        _held = None


class GcPolicy:
    """Runs the full collections of `app`'s process; `busy()` says whether a run is going."""

    def __init__(self, app: App, busy: Callable[[], bool]) -> None:
        self.app = app
        self.busy = busy
        self.input_at = time.monotonic()  # when the last input event came (the chat pane reads it too)
        self._frozen_since_idle = False  # objects were frozen since the last idle collection
        self._deferred = 0  # batches frozen uncollected while busy, since the last collection over everything
        self._idle_collected = False  # one collection per idle moment
        self._thresholds: tuple[int, int, int] | None = None
        self._timer: Timer | None = None

    def start(self) -> None:
        """Freeze what is alive now and take over full collections."""
        end_startup_hold()
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
        self.input_at = time.monotonic()
        self._idle_collected = False

    def _check(self) -> None:
        promoted = gc.get_count()[2]
        quiet = time.monotonic() - self.input_at
        busy = self.busy() or quiet < INPUT_HELD
        if busy:
            self._idle_collected = False
            if promoted >= BUSY_BOUND:
                self._deferred += 1
                if self._deferred >= DEFERRED_LIMIT:
                    self._collect_all()
                else:
                    gc.collect()  # what came since the last batch: everything older is frozen
                    gc.freeze()
                    self._frozen_since_idle = True
        elif promoted >= BOUND:
            gc.collect()
            gc.freeze()  # the next full collection walks only what survives from now on
            self._frozen_since_idle = True
        elif not self._idle_collected and quiet >= IDLE_SECONDS and (promoted or self._frozen_since_idle):
            self._collect_all()
            self._idle_collected = True

    def _collect_all(self) -> None:
        """One collection over everything, frozen or not; what survives is frozen again."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self._frozen_since_idle = False
        self._deferred = 0
        return_free_memory()


def return_free_memory() -> None:
    """Give the C heap's free pages back to the system (glibc's malloc_trim; elsewhere nothing): after a long
    reply the text freed in the middle of the heap otherwise stays in the process's resident memory."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """libc's malloc_trim, looked up once (find_library may run ldconfig)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None
