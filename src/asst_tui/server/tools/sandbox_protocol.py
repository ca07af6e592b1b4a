"""The server's side of the worker protocol, which treats every byte from the worker as hostile.

Frames are a 4-byte big-endian length and a JSON object. The server sends {"call", "code", "limit"};
the worker answers {"call", "out": text} while the cell runs, then {"call", "done": true,
"traceback": str, "omitted": int}. User code shares the worker's process, so it can write frames of
its own: a frame that is too big or not exactly one of those shapes is a `ProtocolError` (the worker
is then replaced), and a frame naming another call than the current one is dropped, so nothing a
cell writes, forged or not, ever lands in a later call.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass
from typing import Any

_HEADER = 4
_ENVELOPE = 1024  # bytes of a frame beyond its text: keys, call id, omitted count
_BYTES_PER_CHAR = 12  # a character outside the BMP is two \\uXXXX escapes in ASCII JSON


class ProtocolError(Exception):
    """The worker sent something the protocol doesn't allow; the message says what."""


@dataclass
class Done:
    traceback: str
    omitted: int


def new_call_id() -> str:
    """A fresh id per call, unguessable before the call starts."""
    return secrets.token_hex(8)


def max_frame_bytes(max_chars: int) -> int:
    """The largest frame an honest worker sends for a cell whose output is limited to max_chars."""
    return max_chars * _BYTES_PER_CHAR + _ENVELOPE


async def send_call(stream: asyncio.StreamWriter, call_id: str, code: str, limit: int) -> None:
    data = json.dumps({"call": call_id, "code": code, "limit": limit}).encode()
    stream.write(len(data).to_bytes(_HEADER, "big") + data)
    await stream.drain()


async def receive(stream: asyncio.StreamReader, call_id: str, max_bytes: int) -> str | Done | None:
    """The next frame: text of call_id's output, its Done, or None for a stale frame of an earlier call."""
    size = int.from_bytes(await stream.readexactly(_HEADER), "big")
    if size > max_bytes:
        raise ProtocolError(f"a frame of {size:,} bytes, over the {max_bytes:,}-byte limit")
    frame = _parse(await stream.readexactly(size))
    if frame.get("call") != call_id:
        if not isinstance(frame.get("call"), str):
            raise ProtocolError("a frame without a call id")
        return None
    if set(frame) == {"call", "out"} and isinstance(frame["out"], str):
        return frame["out"]
    if set(frame) == {"call", "done", "traceback", "omitted"} and frame["done"] is True and isinstance(frame["traceback"], str):
        omitted = frame["omitted"]
        if type(omitted) is int and omitted >= 0:
            return Done(frame["traceback"], omitted)
    raise ProtocolError(f"a frame of an unknown shape (keys {', '.join(sorted(map(str, frame)))})")


def _parse(data: bytes) -> dict[str, Any]:
    try:
        frame = json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
        raise ProtocolError("a frame that isn't valid JSON") from None
    if not isinstance(frame, dict):
        raise ProtocolError("a frame that isn't a JSON object")
    return frame
