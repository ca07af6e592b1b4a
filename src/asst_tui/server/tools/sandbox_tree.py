"""A worker's process tree as /proc shows it (Linux): its processes, their memory, their identity, and stopping them all.

Elsewhere (no /proc) a tree is just its root process, memory is unknown (0) and identities can't be checked.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

PROC = Path("/proc")
HAVE_PROC = (PROC / "self" / "task").is_dir()
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_FREEZE_ROUNDS = 50  # a fork bomb gets this many sweeps of SIGSTOP before the tree is killed as it is


def children(pid: int) -> list[int]:
    """The direct children of pid (of every one of its threads); [] once it is gone."""
    found: list[int] = []
    tasks = f"/proc/{pid}/task/"  # plain strings and reads: the watchdog calls this ten times a second per process
    try:
        names = os.listdir(tasks)
    except OSError:
        return found
    for task in names:
        try:
            with open(f"{tasks}{task}/children", "rb") as listing:
                found.extend(map(int, listing.read().split()))
        except OSError:
            continue
    return found


def tree(root: int) -> list[int]:
    """root and every process descending from it, parents before children."""
    if not HAVE_PROC:
        return [root]
    order, seen = [root], {root}
    for pid in order:  # grows while it is walked: breadth first
        for child in children(pid):
            if child not in seen:
                seen.add(child)
                order.append(child)
    return order


def start_time(pid: int) -> int | None:
    """When pid started (clock ticks since boot): with the pid, it names one process even after pids are reused."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    return int(fields[19]) if len(fields) > 19 else None  # field 22 of stat; the first two precede ")"


def memory_bytes(pid: int) -> int:
    """Memory pid holds that only it or its tree can give back: proportional anonymous and shared-memory pages.

    Pages a fork shares between parent and child are split between them (PSS), so a tree is not
    counted twice for copy-on-write memory; file-backed pages (libraries) are not counted at all.
    """
    try:
        text = (PROC / str(pid) / "smaps_rollup").read_text()
    except OSError:
        return _resident_bytes(pid)
    fields = {}
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if value.strip().endswith("kB"):
            fields[name] = int(value.split()[0]) * 1024
    if "Pss_Anon" in fields:
        return fields["Pss_Anon"] + fields.get("Pss_Shmem", 0)
    return fields.get("Pss", 0)


def _resident_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def over_memory(pids: list[int], limit: int) -> bool:
    """Whether the processes together hold more than `limit` bytes (memory_bytes). Resident size, which is
    never less and much cheaper to read, is summed first: the proportional count runs only when it is over."""
    return sum(_resident_bytes(pid) for pid in pids) > limit and sum(memory_bytes(pid) for pid in pids) > limit


def kill_tree(root: int) -> None:
    """SIGKILL root and all its descendants: stopped first, sweep after sweep, so none can fork meanwhile."""
    stopped: set[int] = set()
    for _ in range(_FREEZE_ROUNDS):
        fresh = [pid for pid in tree(root) if pid not in stopped]
        if not fresh:
            break
        for pid in fresh:
            _signal(pid, signal.SIGSTOP)
        stopped.update(fresh)
    for pid in [root, *stopped]:
        _signal(pid, signal.SIGKILL)


def kill_if_same(pid: int, started: int | None) -> bool:
    """SIGKILL pid if it is still the process that started at `started`; whether it was killed."""
    if not HAVE_PROC or started is None or start_time(pid) != started:
        return False
    kill_tree(pid)
    return True


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)
