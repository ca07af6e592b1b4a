"""What the server processes sharing one database agree on about runs, and its in-process implementation.

The run manager asks a `Coordination` four things: hold a thread's lock while it checks for an active run
and changes the thread (`thread_guard`); say which process drives a run (`claim`/`release`, `driven`,
`orphaned_runs` for the runs of processes that are gone); reach the process driving a run to cancel it
(`request_cancel`, heard through the `on_cancel` given to `start`); and know which runs wait for tool
outputs, until when (`wait`/`unwait`/`due`), so that any process may expire them.

`LocalCoordination` is one process alone on its storage (SQLite: the data dir is locked to one process):
locks are asyncio locks, claims and waits live in memory, and no other process can drive a run. The
PostgreSQL one is `storage.pg_coordination.PgCoordination`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Protocol

from ..core.run_ref import RunRef
from .thread_locks import ThreadLocks


class Coordination(Protocol):
    """The run facts every server process on one storage shares."""

    async def start(self, on_cancel: Callable[[str], None]) -> None:
        """Join: from now on this process is alive to the others, and `on_cancel(run_id)` hears cancel requests."""

    async def stop(self) -> None:
        """Leave: the runs this process still claims become orphans to the others."""

    def thread_guard(self, thread_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold the thread's lock (across processes) while a run's status or the thread's contents change."""

    async def claim(self, ref: RunRef) -> None:
        """This process drives the run (from before it is stored queued until its end is stored)."""

    async def release(self, run_id: str) -> None:
        """No process drives the run any more (it ended, waits for tool outputs, or was failed as an orphan)."""

    async def driven(self, run_ids: Iterable[str]) -> set[str]:
        """Those of the runs a live process (this one included) claims."""

    async def orphaned_runs(self) -> list[RunRef]:
        """Runs claimed by processes that are gone: a survivor fails them, then releases them."""

    async def request_cancel(self, run_id: str) -> None:
        """Ask the process driving the run to cancel its task (its `on_cancel` hears the run id)."""

    async def wait(self, ref: RunRef, expires_at: int) -> None:
        """The run waits for tool outputs and expires at `expires_at` unless it gets them first."""

    async def unwait(self, run_id: str) -> bool:
        """The run no longer waits; whether it did (only one process gets True for a run)."""

    async def due(self, now: float) -> list[RunRef]:
        """The waiting runs whose time is up at `now`."""


class LocalCoordination:
    """One process alone on its storage: asyncio locks per thread (thread_locks.py), claims and waits in memory."""

    def __init__(self) -> None:
        self._locks = ThreadLocks()
        self._claims: set[str] = set()
        self._waits: dict[str, tuple[RunRef, int]] = {}
        self._on_cancel: Callable[[str], None] = lambda run_id: None

    async def start(self, on_cancel: Callable[[str], None]) -> None:
        """Nothing to join: every run this storage has is this process's."""
        self._on_cancel = on_cancel

    async def stop(self) -> None:
        """Nothing to leave."""

    def thread_guard(self, thread_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        return self._locks.hold(thread_id)

    async def claim(self, ref: RunRef) -> None:
        self._claims.add(ref.run_id)

    async def release(self, run_id: str) -> None:
        self._claims.discard(run_id)

    async def driven(self, run_ids: Iterable[str]) -> set[str]:
        return self._claims.intersection(run_ids)

    async def orphaned_runs(self) -> list[RunRef]:
        return []  # the only process is alive

    async def request_cancel(self, run_id: str) -> None:
        self._on_cancel(run_id)  # the driving process is this one

    async def wait(self, ref: RunRef, expires_at: int) -> None:
        self._waits[ref.run_id] = (ref, expires_at)

    async def unwait(self, run_id: str) -> bool:
        return self._waits.pop(run_id, None) is not None

    async def due(self, now: float) -> list[RunRef]:
        return [ref for ref, expires_at in self._waits.values() if expires_at <= now]
