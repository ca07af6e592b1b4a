"""A tiny loopback HTTP/1.1 server that answers every request with one scripted response.

For what the embedded server won't do on purpose: cut a stream in half, send `event: error`,
malformed or unknown events. The client under test still uses the real SDK over a real socket.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any


def sse(event: str, data: Any) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data)
    return f"event: {event}\ndata: {payload}\n\n".encode()


DONE = b"event: done\ndata: [DONE]\n\n"


@dataclass
class Script:
    """What to answer: a status and JSON body, or an SSE stream (cut off without its end if `drop`,
    or silent for `stall` seconds before its end)."""

    status: int = 200
    events: list[bytes] = field(default_factory=list)
    json_body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    stall: float = 0.0


@dataclass
class RawServer:
    base_url: str
    requests: list[tuple[str, bytes]] = field(default_factory=list)  # (request line, body)


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return lines[0], body


async def _answer(writer: asyncio.StreamWriter, script: Script) -> None:
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 429: "Too Many Requests"}.get(script.status, "Status")
    head = [f"HTTP/1.1 {script.status} {reason}", "connection: close", *(f"{k}: {v}" for k, v in script.headers.items())]
    if script.json_body is not None:
        body = json.dumps(script.json_body).encode()
        head += ["content-type: application/json", f"content-length: {len(body)}"]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await writer.drain()
        return
    head += ["content-type: text/event-stream", "transfer-encoding: chunked"]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    for chunk in script.events:
        writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        await writer.drain()
    await asyncio.sleep(script.stall)
    if not script.drop:
        writer.write(b"0\r\n\r\n")
        await writer.drain()


@asynccontextmanager
async def raw_server(script: Script) -> AsyncIterator[RawServer]:
    """Serve `script` on 127.0.0.1 (any free port) in the running loop; yields base_url (with /v1)."""
    served = RawServer("")

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            served.requests.append(await _read_request(reader))
            await _answer(writer, script)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    served.base_url = f"http://127.0.0.1:{port}/v1"
    try:
        yield served
    finally:
        server.close()
        await server.wait_closed()
