"""Per-frame CPU time of the chat pane (this thread's CPU, not wall clock), and cProfile of the dearest frames.

    python -m benchmarks.frame_cpu stream 20000 [--profile]   # /lorem N streamed in-process, headless
    python -m benchmarks.frame_cpu scroll 400 [--profile-between]  # PageUp held to the top of an N-message thread

A frame's CPU is `time.thread_time()` spent in the pane's streamed flush and its settling (after a scroll, say) plus the screen's compositor
refresh (layout, render_lines, the update App._display is given); *between* is the CPU from one painted
frame to the next, everything included (the stream reader's turns, keys, timers). Wall-clock figures
swing with the machine's load; these do far less. With --profile, the frames are profiled one by one
and the slowest five's profiles are added up and printed; with --profile-between, everything from one
painted frame to the next is profiled instead (the slowest five intervals).
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import pstats
import sys
import time
from typing import Any

from textual.screen import Screen

from asst_tui.tui.textual_compat import after_each_frame
from asst_tui.tui.widgets.chat import ChatView

from .fixtures import SIZE, adopt, bench_home, idle, make_app, press, ready, sdk_client, submit, wait_until
from .history import make_thread
from .report import p95

KEEP = 5  # slowest frames whose profiles are printed (profiled in CPU time: a loaded machine does not blur them)
WRAPPED = ((ChatView, "_flush_once"), (ChatView, "_settle"), (Screen, "_compositor_refresh"), (Screen, "_refresh_layout"))


class FrameCpu:
    """Wraps the frame's work (flush, compositor refresh) with thread_time and, optionally, a profiler per frame."""

    def __init__(self, app: Any, profile: str = "") -> None:
        self.profile = profile == "work"
        self.profile_between = profile == "between"
        self.work: list[float] = []  # CPU per painted frame: flushes and refreshes since the previous frame
        self.between: list[float] = []
        self.gaps: list[float] = []  # wall clock between painted frames (noisy: for reference)
        self.slowest: list[tuple[float, cProfile.Profile]] = []
        self._work = 0.0
        self._last = time.thread_time()
        self._last_wall = time.perf_counter()
        self._profiler: cProfile.Profile | None = None
        self._depth = 0
        self._shown = False
        self.active = False
        self._saved = [(owner, name, getattr(owner, name)) for owner, name in WRAPPED]
        for owner, name, method in self._saved:
            setattr(owner, name, self._timed(method))
        after_each_frame(app, self._painted)

    def restore(self) -> None:
        if self.profile_between and self._profiler is not None:
            self._profiler.disable()
        for owner, name, method in self._saved:
            setattr(owner, name, method)

    def _timed(self, method: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if not self.active or self._depth:
                return method(*args, **kwargs)
            self._depth += 1
            profiler = None
            if self.profile:
                profiler = self._profiler = self._profiler or cProfile.Profile(time.thread_time)
                profiler.enable()
            started = time.thread_time()
            try:
                return method(*args, **kwargs)
            finally:
                self._work += time.thread_time() - started
                if profiler is not None:
                    profiler.disable()
                self._depth -= 1
                if self._shown:  # the frame was painted inside this call: it is complete now
                    self._frame_done()
        return timed

    def _painted(self, screen: Any) -> None:
        self._shown = True
        if not self._depth:
            self._frame_done()

    def _frame_done(self) -> None:
        self._shown = False
        now, wall = time.thread_time(), time.perf_counter()
        if self.active:
            self.work.append(self._work * 1000)
            self.between.append((now - self._last) * 1000)
            self.gaps.append((wall - self._last_wall) * 1000)
            if self.profile and self._profiler is not None:
                self.slowest.append((self._work, self._profiler))
                self.slowest.sort(key=lambda item: -item[0])
                del self.slowest[KEEP:]
            if self.profile_between and self._profiler is not None:
                self._profiler.disable()
                self.slowest.append(((now - self._last), self._profiler))
                self.slowest.sort(key=lambda item: -item[0])
                del self.slowest[KEEP:]
        self._work = 0.0
        self._profiler = None
        if self.active and self.profile_between:
            self._profiler = cProfile.Profile(time.thread_time)
            self._profiler.enable()
        self._last, self._last_wall = now, wall

    def report(self, title: str) -> str:
        def figures(values: list[float]) -> str:
            if not values:
                return "no frames"
            ordered = sorted(values)
            return (f"median {ordered[len(ordered) // 2]:.1f}  p95 {p95(values):.1f}  max {ordered[-1]:.1f} ms"
                    f"  total {sum(values) / 1000:.2f} s")
        lines = [f"{title}: {len(self.work)} frames",
                 f"  frame work CPU (flush, settle, compositor): {figures(self.work)}",
                 f"  CPU between frames (everything):    {figures(self.between)}",
                 f"  wall clock between frames:          {figures(self.gaps)}"]
        if self.slowest:
            stream = io.StringIO()
            stats = pstats.Stats(self.slowest[0][1], stream=stream)
            for _, profiler in self.slowest[1:]:
                stats.add(profiler)
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(30)
            what = "intervals between frames" if self.profile_between else "frames"
            lines.append(f"  profile of the {len(self.slowest)} slowest {what} "
                         f"({', '.join(f'{work * 1000:.0f}' for work, _ in self.slowest)} ms):")
            lines.append(stream.getvalue())
        return "\n".join(lines)


async def stream(words: int, profile: str) -> str:
    app = make_app()
    async with app.run_test(size=SIZE):
        await ready(app)
        await asyncio.sleep(1.0)
        probe = FrameCpu(app, profile)
        try:
            started = time.perf_counter()
            probe.active = True
            submit(app, f"/lorem {words}")
            await wait_until(lambda: app.flow is not None, what="the run")
            await idle(app)
            await asyncio.sleep(0.3)
            probe.active = False
        finally:
            probe.restore()
        return probe.report(f"/lorem {words:,} streamed (headless {SIZE[0]}x{SIZE[1]}, {time.perf_counter() - started:.1f} s)")


async def scroll(count: int, profile: str) -> str:
    app = make_app()
    async with app.run_test(size=SIZE):
        await ready(app)
        async with sdk_client(app) as client:
            thread_id = await make_thread(client, app.assistant["id"], count, 2, 1)
            first = (await client.beta.threads.messages.list(thread_id, limit=1, order="asc")).data[0].id
        adopt(app, thread_id)
        await app.switch_to(thread_id)
        await asyncio.sleep(1.0)
        chat = app.chat
        chat.focus()
        probe = FrameCpu(app, profile)
        started = time.perf_counter()
        try:
            probe.active = True
            while not (chat.entries and chat.entries[0].message_id == first and chat.scroll_y == 0):
                press(app, "pageup")
                await asyncio.sleep(1 / 30)
                if time.perf_counter() - started > 600:
                    raise TimeoutError("scrolling to the top took over 10 minutes")
            probe.active = False
        finally:
            probe.restore()
        await asyncio.sleep(0.3)
        return probe.report(f"PageUp to the top of {count:,} messages ({time.perf_counter() - started:.1f} s)")


def main(argv: list[str]) -> None:
    kind, size = argv[0], int(argv[1])
    profile = "work" if "--profile" in argv else "between" if "--profile-between" in argv else ""
    with bench_home():
        print(asyncio.run((stream if kind == "stream" else scroll)(size, profile)))


if __name__ == "__main__":
    main(sys.argv[1:])
