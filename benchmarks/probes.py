"""Instruments for a running Textual app: painted frames, event-loop lag, resident memory.

Frames are timed by textual_compat.after_each_frame (it wraps the app's private `_display`, which every
screen refresh goes through with the compositor's update): once per painted frame, headless or not
(headless, the update is computed and then dropped instead of being written to the terminal). A frame
painted inside `batch_update()` is not shown, so it is not counted.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import App

from asst_tui.tui.textual_compat import after_each_frame

LAG_INTERVAL = 0.01  # seconds between event-loop lag probes


class FrameClock:
    """Timestamps (perf_counter) of the frames `app` paints; `on_frame(now)` runs after each."""

    def __init__(self, app: App[Any], on_frame: Callable[[float], None] | None = None) -> None:
        self.times: list[float] = []
        self.on_frame = on_frame
        after_each_frame(app, self._painted)

    def _painted(self, screen: Any) -> None:
        now = time.perf_counter()
        self.times.append(now)
        if self.on_frame is not None:
            self.on_frame(now)

    def gaps_ms(self, start: float, end: float) -> list[float]:
        """Milliseconds between consecutive frames painted in [start, end] (start and end count as frames)."""
        inside = [start, *(t for t in self.times if start < t < end), end]
        return [(b - a) * 1000 for a, b in zip(inside, inside[1:])]


class LoopLag:
    """A periodic asyncio probe: how late (ms) a 10 ms sleep wakes up, with when it did."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> LoopLag:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(LAG_INTERVAL)
            now = time.perf_counter()
            self.samples.append((now, (now - before - LAG_INTERVAL) * 1000))

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def between(self, start: float, end: float) -> list[float]:
        return [lag for at, lag in self.samples if start <= at <= end]


def rss_mb(pid: int | str = "self") -> float:
    """A process's resident memory now (Linux /proc), in MB; this process's by default."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")

