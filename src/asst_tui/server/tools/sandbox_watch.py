"""Limits on a worker's whole tree, which per-process rlimits can't give: memory of all its processes together, its files on disk.

No cgroup does this here: a server may not own a delegated cgroup v2 with the memory and pids
controllers (this project's CI and dev machines don't), so the watchdog measures instead. Every
tick it adds up the memory of each worker's processes (proportional set size, so copy-on-write
pages of a fork count once) and counts them; every few ticks it adds up the disk its working dir
uses. A worker over a limit is reported to `on_breach`, which stops it. What a tick can't see is
what a tree does between two ticks: it can overshoot for about one tick's worth of allocation.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from . import sandbox_files, sandbox_tree
from .sandbox_launch import Limits, Worker
from .sandbox_leftovers import Leftovers

TICK_S = 0.1
DISK_EVERY = 5  # ticks between two disk scans
MAX_ENTRIES = 100_000  # files and directories a working dir may hold
_OWN_PROCESSES = 3  # bwrap, the sandbox's pid 1 and the worker itself don't count against the limit


@dataclass
class _Watched:
    worker: Worker
    workdir: Path
    name: str
    record: bool  # keep its pids on disk as they change (`process` mode, where nothing else finds them)


def breach_notice(kind: str, limits: Limits) -> str:
    """What the user reads when a worker is stopped for a limit."""
    if kind == "memory":
        return f"The code's processes used more than {limits.memory_mb} MB of memory together"
    if kind == "processes":
        return f"The code started more than {limits.processes} processes"
    if kind == "entries":
        return f"The code made more than {MAX_ENTRIES:,} files and directories"
    return f"The code's files took more than {limits.disk_mb} MB of disk; the files this call wrote were removed"


class Watchdog:
    def __init__(self, limits: Limits, leftovers: Leftovers, on_breach: Callable[[str, str], Awaitable[None]]) -> None:
        self.limits = limits
        self._leftovers = leftovers
        self._on_breach = on_breach
        self._watched: dict[str, _Watched] = {}
        self._task: asyncio.Task[None] | None = None

    def watch(self, key: str, worker: Worker, workdir: Path, name: str, *, record: bool) -> None:
        self._watched[key] = _Watched(worker, workdir, name, record)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._loop(), name="sandbox-watchdog")

    def unwatch(self, key: str) -> None:
        self._watched.pop(key, None)

    def over_disk(self, scan: sandbox_files.Scan) -> str | None:
        """Which disk limit a working dir's scan breaks, if any."""
        if scan.entries > MAX_ENTRIES:
            return "entries"
        return "disk" if scan.bytes_used > self.limits.disk_mb * 1024 * 1024 else None

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        tick = 0
        while self._watched:
            tick += 1
            watched = list(self._watched.items())
            found = await asyncio.to_thread(self._measure_all, watched, tick % DISK_EVERY == 0)
            for (key, one), kind in zip(watched, found):
                if kind is not None and self._watched.get(key) is one:
                    self.unwatch(key)
                    await self._on_breach(key, kind)
            await asyncio.sleep(TICK_S)

    def _measure_all(self, watched: list[tuple[str, _Watched]], disk: bool) -> list[str | None]:
        return [self._measure(one, disk) for _, one in watched]

    def _measure(self, watched: _Watched, disk: bool) -> str | None:
        pids = watched.worker.pids()
        if watched.record:
            self._leftovers.record(watched.name, pids)
        if len(pids) > self.limits.processes + _OWN_PROCESSES:
            return "processes"
        if sandbox_tree.over_memory(pids, self.limits.memory_mb * 1024 * 1024):
            return "memory"
        return self.over_disk(sandbox_files.scan(watched.workdir, MAX_ENTRIES)) if disk else None
