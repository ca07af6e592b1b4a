"""A note on disk of which processes each running worker is, so that a server started after one that died stops what it left.

One small JSON file per worker in `<sandbox root>/.workers/`: [[pid, start time], ...]. A pid counts
only while /proc shows the same start time, so a number the system gave to another process since is
never killed. Without /proc nothing can be checked, so nothing is reaped.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from . import sandbox_tree


class Leftovers:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._recorded: dict[str, list[int]] = {}

    def record(self, name: str, pids: list[int]) -> None:
        """Note that worker `name` is these processes (written only when they changed)."""
        if self._recorded.get(name) == pids:
            return
        self._recorded[name] = pids
        entries = [[pid, started] for pid in pids if (started := sandbox_tree.start_time(pid)) is not None]
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{name}.json"
        temp = path.with_suffix(".json.tmp")
        temp.write_text(json.dumps(entries))  # no fsync: no process outlives a power cut
        os.replace(temp, path)

    def forget(self, name: str) -> None:
        self._recorded.pop(name, None)
        with contextlib.suppress(FileNotFoundError):
            (self.directory / f"{name}.json").unlink()

    def reap(self) -> int:
        """Kill every process an earlier server's workers left running; how many were found."""
        killed = 0
        for path in sorted(self.directory.glob("*.json*")):
            for pid, started in _entries(path):
                killed += sandbox_tree.kill_if_same(pid, started)
            path.unlink(missing_ok=True)
        return killed


def _entries(path: Path) -> list[tuple[int, int]]:
    """The note's [pid, start time] pairs; a damaged note holds none."""
    try:
        entries = json.loads(path.read_text())
        return [(int(pid), int(started)) for pid, started in entries]
    except (OSError, ValueError, TypeError):
        return []
