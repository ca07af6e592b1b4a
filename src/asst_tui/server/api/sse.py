"""The SSE response of a streamed run: its bus queue's chunks, batched, then `event: done`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from starlette.responses import StreamingResponse

from ..runs.events import DONE, EventBus


def sse_response(bus: EventBus, run_id: str, queue: asyncio.Queue[str | None]) -> StreamingResponse:
    async def body() -> AsyncIterator[str]:
        try:
            while True:
                chunk = await queue.get()
                if chunk is None:
                    break
                batch = [chunk]
                while not queue.empty() and len(batch) < 256:
                    more = queue.get_nowait()
                    if more is None:
                        yield "".join(batch)
                        yield DONE
                        return
                    batch.append(more)
                yield "".join(batch)
            yield DONE
        finally:
            bus.unsubscribe(run_id, queue)

    return StreamingResponse(body(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
