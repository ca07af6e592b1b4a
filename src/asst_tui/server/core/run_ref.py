"""Where a run is: the few facts the server processes sharing a storage tell each other about it."""

from __future__ import annotations

from typing import NamedTuple


class RunRef(NamedTuple):
    """A run's id, its thread (for the thread lock) and its project."""

    run_id: str
    thread_id: str
    project: str
