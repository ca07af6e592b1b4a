"""One code-interpreter worker: runs cells of Python for a single thread, keeping their variables.

Started by `sandbox.Sandbox` as `python -I sandbox_worker.py MEMORY_MB`; standard library only, and it
must not import asst_tui. Protocol: frames of a 4-byte big-endian length and JSON. The manager sends
{"code", "limit"} on stdin; the worker answers on stdout with {"out": text} frames while the cell runs,
then {"done": true, "traceback": str, "omitted": int}. User code never sees those pipes: they are moved
off fds 0 and 1, which then point at /dev/null, and sys.stdout/sys.stderr become frame writers.
"""

from __future__ import annotations

import ast
import io
import json
import linecache
import os
import sys
import threading
import traceback
import types
from typing import Any, BinaryIO

CELL_PREFIX = "<cell-"


def read_frame(pipe: BinaryIO) -> Any:
    """The next JSON frame, or None when the manager has closed the pipe."""
    header = pipe.read(4)
    if len(header) < 4:
        return None
    return json.loads(pipe.read(int.from_bytes(header, "big")))


def write_frame(pipe: BinaryIO, frame: dict[str, Any]) -> None:
    data = json.dumps(frame).encode("ascii")
    pipe.write(len(data).to_bytes(4, "big") + data)
    pipe.flush()


class Channel:
    """The replies pipe, shared by every thread of user code; output beyond the limit is only counted."""

    def __init__(self, pipe: BinaryIO) -> None:
        self._pipe = pipe
        self._lock = threading.Lock()
        self.start_cell(0)

    def start_cell(self, limit: int) -> None:
        self._room = limit
        self.omitted = 0

    def output(self, text: str) -> None:
        with self._lock:
            shown = text[: self._room]
            self._room -= len(shown)
            self.omitted += len(text) - len(shown)
            if shown:
                write_frame(self._pipe, {"out": shown})

    def send(self, frame: dict[str, Any]) -> None:
        with self._lock:
            write_frame(self._pipe, frame)


class TextOutput(io.TextIOBase):
    """sys.stdout / sys.stderr of user code."""

    encoding = "utf-8"

    def __init__(self, channel: Channel) -> None:
        self._channel = channel
        self.buffer = BinaryOutput(channel)

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._channel.output(text)
        return len(text)


class BinaryOutput(io.RawIOBase):
    """sys.stdout.buffer of user code: bytes are shown as UTF-8 text."""

    def __init__(self, channel: Channel) -> None:
        self._channel = channel

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        data = bytes(data)
        self._channel.output(data.decode("utf-8", "replace"))
        return len(data)


def limit_memory(megabytes: int) -> None:
    """Cap the address space of this process and its children (Linux; a no-op where unsupported)."""
    try:
        import resource

        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass


def take_protocol_pipes() -> tuple[BinaryIO, BinaryIO]:
    """Move the protocol pipes off fds 0 and 1 so user code and its subprocesses cannot touch them."""
    requests = os.fdopen(os.dup(0), "rb")  # os.dup makes non-inheritable copies
    replies = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    return requests, replies


def format_error(exc: BaseException) -> str:
    """The traceback of exc, starting at the user's cell (the worker's own frames are noise)."""
    tb = exc.__traceback__
    while tb is not None and not tb.tb_frame.f_code.co_filename.startswith(CELL_PREFIX):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def run_cell(code: str, filename: str, namespace: dict[str, Any]) -> str:
    """Run code as a notebook cell (a final bare expression's repr is printed); return its traceback or ""."""
    linecache.cache[filename] = (len(code), None, code.splitlines(keepends=True), filename)
    try:
        tree = ast.parse(code, filename)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, filename, "exec"), namespace)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), filename, "eval"), namespace)
            if value is not None:
                print(repr(value))
    except BaseException as exc:  # SystemExit and KeyboardInterrupt too: the worker lives on
        return format_error(exc)
    return ""


def main() -> None:
    limit_memory(int(sys.argv[1]))
    requests, replies = take_protocol_pipes()
    channel = Channel(replies)
    stdin = sys.stdin  # reads fd 0, now /dev/null: input() gets EOFError
    main_module = types.ModuleType("__main__")  # so pickle finds classes defined in cells
    sys.modules["__main__"] = main_module
    sys.path.insert(0, "")  # like a notebook: modules written to the working dir are importable
    count = 0
    while (request := read_frame(requests)) is not None:
        count += 1
        channel.start_cell(request["limit"])
        sys.stdin, sys.stdout, sys.stderr = stdin, TextOutput(channel), TextOutput(channel)
        error = run_cell(request["code"], f"{CELL_PREFIX}{count}>", main_module.__dict__)
        channel.send({"done": True, "traceback": error, "omitted": channel.omitted})


if __name__ == "__main__":
    main()
