"""How a reply's run ended, marked on the reply's role line ("⊘ cancelled"), live and when a thread is opened again
(a mixin of ChatView)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .chat_entry import Entry

MARKED = {"cancelled": "cancelled", "incomplete": "incomplete", "expired": "expired", "failed": "failed"}


class RunMarks:
    """Needs ChatView's _list and refresh; `_run_marks` is run id -> marker, for entries loaded later too."""

    _run_marks: dict[str, str]

    def forget_runs(self) -> None:
        """Another thread is shown: its runs are not this one's."""
        self._run_marks = {}

    def mark_runs(self, runs: Iterable[dict[str, Any]]) -> None:
        """Mark the replies of runs that ended other than completed (runs as the API returns them)."""
        for run in runs:
            marker = MARKED.get(run.get("status") or "")
            if marker and run.get("id"):
                self._run_marks[run["id"]] = marker
        self._mark(self._list.entries)
        self.refresh()

    def _mark(self, entries: Iterable[Entry]) -> None:
        for entry in entries:
            if entry.run_id and entry.run_id in self._run_marks:
                entry.marker = self._run_marks[entry.run_id]
