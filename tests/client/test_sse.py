"""The SSE decoder on awkward input: chunks split anywhere (inside UTF-8 characters and CRLFs), CR/CRLF line
ends, multi-line data, comments, fields it ignores, and bodies that end without their blank line."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from asst_tui.client.sse import SSEDecoder, sse_events


def decode(*chunks: bytes) -> list[tuple[str, str]]:
    decoder = SSEDecoder()
    events = [event for chunk in chunks for event in decoder.feed(chunk)]
    return events + decoder.end()


def every_split(body: bytes) -> list[list[bytes]]:
    """The body in one piece, byte by byte, and cut in two at every position."""
    return [[body], [body[i : i + 1] for i in range(len(body))], *([body[:i], body[i:]] for i in range(1, len(body)))]


BODY = (
    "\ufeff: a comment, then an event split over lines\r\n"
    "event: thread.message.delta\r\n"
    'data: {"v": "héllo ✓ 🎉"}\r\n'
    "\r\n"
    "event: multi\r"
    "data: first\r"
    "data:second, no space\r"
    "data:  two spaces keep one\r"
    "id: 7\r"
    "retry: 100\r"
    "unknown: field\r"
    "\r"
    ": keep-alive\n"
    "\n"
    "data: no event name\n"
    "\n"
    "event: done\n"
    "data: [DONE]\n"
    "\n"
).encode()

EXPECTED = [
    ("thread.message.delta", '{"v": "héllo ✓ 🎉"}'),
    ("multi", "first\nsecond, no space\n two spaces keep one"),
    ("message", "no event name"),
    ("done", "[DONE]"),
]


def test_every_split_of_a_mixed_body_gives_the_same_events() -> None:
    for chunks in every_split(BODY):
        assert decode(*chunks) == EXPECTED, chunks


def test_utf8_characters_cut_between_chunks() -> None:
    body = 'event: e\ndata: {"t": "日本語 ✓ 🎉"}\n\n'.encode()
    cut = body.index("🎉".encode()) + 2  # two of its four bytes in each chunk
    assert decode(body[:cut], body[cut:]) == [("e", '{"t": "日本語 ✓ 🎉"}')]


def test_crlf_cut_between_chunks_ends_one_line_not_two() -> None:
    # were the LF after a chunk's CR read as a line of its own, it would dispatch "a" without its name
    assert decode(b"event: x\r", b"\ndata: a\r", b"\n\r", b"\n") == [("x", "a")]


def test_empty_data_and_events_without_data() -> None:
    assert decode(b"data:\n\n") == [("message", "")]
    assert decode(b"data\n\n") == [("message", "")]  # a field name alone: an empty value
    assert decode(b"event: nothing\n\n: only a comment\n\n\n\n") == []  # no data: nothing dispatched
    assert decode(b"data: a\n\nevent: b\n\ndata: c\n\n") == [("message", "a"), ("message", "c")]  # names don't leak


def test_final_event_without_its_blank_line() -> None:
    assert decode(b"data: a\n\nevent: last\ndata: b\n") == [("message", "a"), ("last", "b")]
    assert decode(b"event: last\r\ndata: b\r\n") == [("last", "b")]
    assert decode(b"event: last\ndata: b\r") == [("last", "b")]


def test_a_last_line_cut_short_is_dropped() -> None:
    # the body ended mid-line: the line may be incomplete, so it is not read (nor its event, with no data left)
    assert decode(b"data: a\n\nevent: x\ndata: {\"id\": \"msg_1\", \"del") == [("message", "a")]
    assert decode(b"event: x\ndata: one\ndata: tw") == [("x", "one")]


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    assert decode(b"data: a\xff\xfeb\n\n") == [("message", "a\ufffd\ufffdb")]


def test_a_bom_is_dropped_only_at_the_start() -> None:
    assert decode("\ufeffdata: a\n\n".encode()) == [("message", "a")]
    assert decode("data: a\n\n\ufeffdata: b\n\n".encode()) == [("message", "a")]  # "\ufeffdata" is another field


def test_a_long_line_in_many_chunks() -> None:
    value = "x" * 100_000
    body = f"data: {value}\n\n".encode()
    assert decode(*(body[i : i + 7] for i in range(0, len(body), 7))) == [("message", value)]


@pytest.mark.parametrize("size", [1, 5, 64])
async def test_sse_events_over_an_async_body(size: int) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(BODY), size):
            yield BODY[i : i + size]

    assert [event async for event in sse_events(chunks())] == EXPECTED
