"""A small incremental decoder of server-sent events (text/event-stream) from the raw bytes of a body.

Only what an Assistants stream needs: `event:` and `data:` fields (multi-line data joined with "\\n"),
comments, lines ended by LF, CRLF or CR, and dispatch on a blank line. `id:` and `retry:` are ignored
(the client never reconnects with Last-Event-ID). An event whose blank line never comes is dispatched
when the body ends, but only from lines that were ended: a last line cut short is dropped, never half-read.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator

Event = tuple[str, str]
"""(event name, data); the name is "message" when the event had no `event:` field."""


class SSEDecoder:
    """Feed it the body's chunks as they arrive, split anywhere; it returns the events each one completes."""

    def __init__(self) -> None:
        self._unended: list[bytes] = []  # the bytes of the current line so far, not yet ended
        self._after_cr = False  # the last chunk ended with CR, so an LF opening the next one ends nothing
        self._started = False
        self._name = ""
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[Event]:
        if not chunk:
            return []
        if self._after_cr and chunk[:1] == b"\n":
            chunk = chunk[1:]
        self._after_cr = chunk[-1:] == b"\r"
        if b"\r" in chunk:
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        last = chunk.rfind(b"\n")
        if last < 0:
            if chunk:
                self._unended.append(chunk)
            return []
        ended = chunk[:last]
        if self._unended:  # lines are split on LF bytes only, so no UTF-8 character is ever cut in two
            ended = b"".join((*self._unended, ended))
        self._unended = [chunk[last + 1 :]] if last + 1 < len(chunk) else []
        text = ended.decode("utf-8", "replace")
        if not self._started:
            self._started = True
            text = text.removeprefix("\ufeff")
        return self._lines(text.split("\n"))

    def end(self) -> list[Event]:
        """The body ended: the event still waiting for its blank line, if it has data."""
        self._unended = []
        return self._lines([""])

    def _lines(self, lines: list[str]) -> list[Event]:
        events: list[Event] = []
        for line in lines:
            if not line:
                if self._data:
                    events.append((self._name or "message", "\n".join(self._data)))
                self._name = ""
                self._data = []
            elif line[0] != ":":  # a line starting with a colon is a comment
                field, _, value = line.partition(":")
                if value[:1] == " ":
                    value = value[1:]
                if field == "data":
                    self._data.append(value)
                elif field == "event":
                    self._name = value
        return events


async def sse_events(chunks: AsyncIterable[bytes]) -> AsyncIterator[Event]:
    """The events of a body read as `chunks`, in order, the last one included if the body ends without its blank line."""
    decoder = SSEDecoder()
    async for chunk in chunks:
        for event in decoder.feed(chunk):
            yield event
    for event in decoder.end():
        yield event
