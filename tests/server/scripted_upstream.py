"""A scripted Chat Completions server for tests and benchmarks: real HTTP/1.1 and SSE on loopback.

Replies are queued per model (`script(model, reply, ...)`) and replayed in order, one per request; a
model with nothing queued gets a 404 like a real server's unknown model. Every request is recorded
with its JSON body and headers, and with events saying when its reply was fully sent or when the
client went away first. Runs its own event loop in a daemon thread.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error"}


@dataclass
class Reply:
    """One scripted response: an SSE stream of `chunks`, or an error `status` with a JSON `body`."""

    chunks: list[dict[str, Any] | str] = field(default_factory=list)  # a str is sent as the data line verbatim
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    done: bool = True  # end the stream with `data: [DONE]`
    delay: float = 0.0  # seconds before each chunk
    hold: threading.Event | None = None  # after `hold_after` chunks, wait until this is set
    hold_after: int = 1
    stall: float = 0.0  # seconds of silence after the chunks
    cut: bool = False  # drop the connection after the chunks, mid-body


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    finished: threading.Event = field(default_factory=threading.Event)  # the whole reply was sent
    disconnected: threading.Event = field(default_factory=threading.Event)  # the client left before that


class ScriptedUpstream:
    def __init__(self) -> None:
        self._replies: dict[str, deque[Reply]] = defaultdict(deque)
        self.requests: list[Request] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="scripted-upstream", daemon=True)
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> ScriptedUpstream:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(asyncio.start_server(self._handle, "127.0.0.1", 0), self._loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()
            for task in asyncio.all_tasks() - {asyncio.current_task()}:
                task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def script(self, model: str, *replies: Reply) -> None:
        self._replies[model].extend(replies)

    def requests_for(self, model: str) -> list[Request]:
        return [r for r in self.requests if r.body.get("model") == model]

    # ---- serving ------------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            raw = await reader.readexactly(int(headers.get("content-length", "0")))
            request = Request(path, headers, json.loads(raw or b"{}"))
            self.requests.append(request)
            queue = self._replies.get(request.body.get("model", ""))
            reply = queue.popleft() if queue else Reply(status=404, body=_error(f"The model `{request.body.get('model')}` does not exist.", "model_not_found"))
            if reply.status != 200:
                await _send_error(writer, reply)
                request.finished.set()
            elif await self._stream(reader, writer, reply):
                request.finished.set()
            else:
                request.disconnected.set()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _stream(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, reply: Reply) -> bool:
        """Send the reply's SSE stream chunked; False if the client went away first."""
        eof = asyncio.ensure_future(reader.read(1))
        try:
            head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            writer.write(head.encode())
            events = [f"data: {c if isinstance(c, str) else json.dumps(c)}\n\n" for c in reply.chunks]
            for i, event in enumerate(events):
                if i == reply.hold_after and reply.hold is not None and not await _hold(reply.hold, eof):
                    return False
                if reply.delay and not await _pause(reply.delay, eof):
                    return False
                if not await _send_chunk(writer, event, eof):
                    return False
            if reply.stall and not await _pause(reply.stall, eof):
                return False
            if reply.cut:
                writer.transport.abort()
                return True
            if reply.done and not await _send_chunk(writer, "data: [DONE]\n\n", eof):
                return False
            writer.write(b"0\r\n\r\n")
            await writer.drain()
            return True
        finally:
            eof.cancel()


async def _send_error(writer: asyncio.StreamWriter, reply: Reply) -> None:
    payload = json.dumps(reply.body).encode() if not isinstance(reply.body, str) else reply.body.encode()
    extra = "".join(f"{k}: {v}\r\n" for k, v in reply.headers.items())
    reason = REASONS.get(reply.status, "Error")
    writer.write(
        f"HTTP/1.1 {reply.status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n{extra}Connection: close\r\n\r\n".encode()
        + payload
    )
    await writer.drain()


async def _send_chunk(writer: asyncio.StreamWriter, text: str, eof: asyncio.Future[bytes]) -> bool:
    if eof.done():
        return False
    data = text.encode()
    writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
    await writer.drain()
    return True


async def _pause(seconds: float, eof: asyncio.Future[bytes]) -> bool:
    """Sleep, unless the client goes away first (then False)."""
    done, _ = await asyncio.wait({eof}, timeout=seconds)
    return not done


async def _hold(event: threading.Event, eof: asyncio.Future[bytes]) -> bool:
    while not event.is_set():
        if not await _pause(0.005, eof):
            return False
    return True


def _error(message: str, code: str, kind: str = "invalid_request_error") -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


# ---- building replies --------------------------------------------------------------------------


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, usage: dict[str, int] | None = None) -> dict[str, Any]:
    """One chat.completion.chunk; `delta=None` makes the usage-only chunk (no choices)."""
    choices = [] if delta is None else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]
    return {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 0, "model": "scripted", "choices": choices, "usage": usage}


def usage(prompt: int, completion: int) -> dict[str, int]:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def text_reply(*pieces: str, finish: str = "stop", tokens: tuple[int, int] | None = (11, 7), **options: Any) -> Reply:
    """A streamed answer: the role, each piece as a content delta, the finish reason, then usage."""
    chunks = [chunk({"role": "assistant", "content": ""})]
    chunks += [chunk({"content": p}) for p in pieces]
    chunks.append(chunk({}, finish))
    if tokens:
        chunks.append(chunk(None, usage=usage(*tokens)))
    return Reply(chunks=chunks, **options)


def tool_reply(*calls: tuple[str, list[str]], text: str = "", tokens: tuple[int, int] | None = (20, 9), **options: Any) -> Reply:
    """Tool calls with their arguments streamed in the given fragments (several calls = parallel calls)."""
    chunks = [chunk({"role": "assistant", "content": text or None})]
    for index, (name, fragments) in enumerate(calls):
        head = {"index": index, "id": f"call_up{index}", "type": "function", "function": {"name": name, "arguments": ""}}
        chunks.append(chunk({"tool_calls": [head]}))
        chunks += [chunk({"tool_calls": [{"index": index, "function": {"arguments": f}}]}) for f in fragments]
    chunks.append(chunk({}, "tool_calls"))
    if tokens:
        chunks.append(chunk(None, usage=usage(*tokens)))
    return Reply(chunks=chunks, **options)


def error_reply(status: int, message: str, code: str | None = None, **options: Any) -> Reply:
    return Reply(status=status, body=_error(message, code or str(status), "server_error" if status >= 500 else "invalid_request_error"), **options)
