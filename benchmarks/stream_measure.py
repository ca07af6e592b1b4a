"""One streamed reply watched frame by frame: deltas read, what the screen shows, the figures of benchmark 1.

Definitions (per run):
- read rate: deltas / time from the first to the last delta the consumer read from its stream;
- absorbed rate: deltas / time from the first delta read to the first frame that shows all the text
  at the bottom of the view (the settled frame), so a UI that reads fast but paints late is not flattered;
- settle: time from the last delta read to the settled frame;
- frame gaps: intervals between painted frames from the first delta to the settled frame;
- loop lag: lateness of a 10 ms asyncio sleep over the same span.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from textual.app import App

from .probes import FrameClock, LoopLag
from .report import p95


@dataclass
class StreamWatch:
    """Snapshots (time, characters shown, view at its end) at every painted frame of `app`."""

    app: App[Any]
    shown: Callable[[], int]
    at_end: Callable[[], bool]
    deltas: list[float] = field(default_factory=list)  # read times
    snaps: list[tuple[float, int, bool]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.clock = FrameClock(self.app, self._frame)
        self.lag = LoopLag().start()

    def _frame(self, now: float) -> None:
        self.snaps.append((now, self.shown(), self.at_end()))

    def delta_read(self) -> None:
        self.deltas.append(time.perf_counter())

    def result(self, chars: int) -> dict[str, float]:
        """The run's figures, once the stream has ended and the view has had time to settle."""
        self.lag.stop()
        first, last = self.deltas[0], self.deltas[-1]
        settled = next((t for t, shown, end in self.snaps if t >= last and shown >= chars and end), None)
        if settled is None:
            raise RuntimeError(f"the view never showed all {chars} characters at its end")
        gaps = self.clock.gaps_ms(first, settled)
        lags = self.lag.between(first, settled) or [0.0]
        return {
            "deltas": len(self.deltas),
            "chars": chars,
            "read_rate": (len(self.deltas) - 1) / (last - first),
            "absorbed_rate": len(self.deltas) / (settled - first),
            "settle_ms": (settled - last) * 1000,
            "gap_p95_ms": p95(gaps),
            "gap_max_ms": max(gaps),
            "lag_p95_ms": p95(lags),
            "lag_max_ms": max(lags),
            "frames": len(gaps) - 1,
        }
