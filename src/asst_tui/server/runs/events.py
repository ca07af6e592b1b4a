"""Fan-out of run events to SSE subscribers: each event is serialised once, only if someone listens."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from typing import Any

DONE = "event: done\ndata: [DONE]\n\n"
END_EVENTS = {
    "thread.run.requires_action",
    "thread.run.completed",
    "thread.run.failed",
    "thread.run.cancelled",
    "thread.run.expired",
    "thread.run.incomplete",
}


def sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


class EventBus:
    """Per-run subscriber queues; a queue receives SSE text chunks and then None when the stream ends."""

    def __init__(self) -> None:
        self._queues: dict[str, list[asyncio.Queue[str | None]]] = defaultdict(list)

    def subscribe(self, run_id: str) -> asyncio.Queue[str | None]:
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._queues[run_id].append(queue)
        return queue

    def attach(self, run_id: str, queue: asyncio.Queue[str | None]) -> None:
        """Move a queue (subscribed before the run had an id) onto a run."""
        self._queues[run_id].append(queue)

    def unsubscribe(self, run_id: str, queue: asyncio.Queue[str | None]) -> None:
        queues = self._queues.get(run_id)
        if queues and queue in queues:
            queues.remove(queue)
            if not queues:
                del self._queues[run_id]

    def has_listeners(self, run_id: str) -> bool:
        return bool(self._queues.get(run_id))

    def publish(self, run_id: str, event: str, data: Any) -> None:
        queues = self._queues.get(run_id)
        if not queues:
            return
        chunk = sse(event, data)
        for queue in queues:
            queue.put_nowait(chunk)
        if event in END_EVENTS:
            self.close(run_id)

    def publish_error(self, run_id: str, message: str) -> None:
        for queue in self._queues.get(run_id, []):
            queue.put_nowait(sse("error", {"error": {"message": message, "type": "server_error", "param": None, "code": "server_error"}}))
        self.close(run_id)

    def close(self, run_id: str) -> None:
        for queue in self._queues.pop(run_id, []):
            queue.put_nowait(None)
