"""One code-interpreter worker: runs cells of Python for a single thread, keeping their variables.

Started by `sandbox.Sandbox` as `python -I sandbox_worker.py SETTINGS [--check]` (SETTINGS: JSON of its
limits and, under a root server, the uid to drop to; --check: apply them, print "ok" and exit); standard
library only, and it must not import asst_tui. Protocol: frames of a 4-byte big-endian length and JSON.
The manager sends {"call", "code", "limit"} on stdin; the worker answers on stdout with {"call", "out":
text} frames while the cell runs, then {"call", "done": true, "traceback": str, "omitted": int}. User
code never sees those pipes through fds 0 and 1, which then point at /dev/null, and sys.stdout and
sys.stderr become frame writers. The manager still trusts nothing it reads (sandbox_protocol.py).

The requests pipe is also the worker's lifeline: when it closes (the server stopped or died, even by
kill -9) the worker kills every process it started, whichever session they moved to, then itself.
"""

from __future__ import annotations

import ast
import io
import json
import linecache
import os
import queue
import signal
import sys
import threading
import traceback
import types
from typing import Any, BinaryIO

CELL_PREFIX = "<cell-"
CPU_GRACE_S = 5


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
        self.start_cell("", 0)

    def start_cell(self, call: str, limit: int) -> None:
        with self._lock:
            self._call = call
            self._limit = self._room = limit
            self.omitted = 0

    def output(self, text: str) -> None:
        with self._lock:
            shown = text[: self._room]
            self._room -= len(shown)
            self.omitted += len(text) - len(shown)
            if shown:
                write_frame(self._pipe, {"call": self._call, "out": shown})

    def finish(self, error: str) -> None:
        """End the cell; of its traceback only the end fits (the manager keeps no more, and bounds frames)."""
        with self._lock:
            tail = error[max(len(error) - self._limit, 0) :]
            write_frame(self._pipe, {"call": self._call, "done": True, "traceback": tail, "omitted": self.omitted})


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


def apply_limits(settings: dict[str, Any]) -> None:
    """rlimits for this process, inherited by all it starts: memory, processes, file size, CPU time, no core dumps."""
    try:
        import resource
    except ImportError:  # not POSIX
        return
    wanted = {
        resource.RLIMIT_AS: settings["memory_mb"] * 1024 * 1024,
        resource.RLIMIT_FSIZE: settings["file_bytes"],
        resource.RLIMIT_CPU: settings["cpu_s"],
        resource.RLIMIT_CORE: 0,
    }
    if settings.get("processes") is not None:
        wanted[resource.RLIMIT_NPROC] = settings["processes"]
    for kind, limit in wanted.items():
        hard = resource.getrlimit(kind)[1]
        limit = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        # Hard limits: nothing in the sandbox can raise them again. CPU time gets SIGXCPU (which says
        # why) a few seconds before the SIGKILL of its hard limit.
        ceiling = limit + CPU_GRACE_S if kind == resource.RLIMIT_CPU and hard == resource.RLIM_INFINITY else limit
        resource.setrlimit(kind, (limit, ceiling))


def drop_privileges(uid: int | None) -> None:
    """Under a root server the sandbox starts as its user namespace's root: become `uid` for good, losing every capability."""
    if uid is None or os.getuid() != 0:
        return
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    try:
        os.setuid(0)
    except PermissionError:
        return
    raise SystemExit("the sandbox could get its root back after dropping it")


def end_everything() -> None:
    """Kill every process this worker started (those in new sessions too, where /proc shows them), then the worker."""
    for pid in reversed(descendants(os.getpid())):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    os.killpg(0, signal.SIGKILL)


def descendants(root: int) -> list[int]:
    found = [root]
    for pid in found:
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    found.extend(int(child) for child in children.read().split() if int(child) not in found)
            except OSError:
                pass
    return found[1:]


def read_requests(pipe: BinaryIO, requests: queue.Queue[dict[str, Any]]) -> None:
    """Queue the manager's requests; when the pipe closes, nobody is left to read the output: end everything."""
    try:
        while (request := read_frame(pipe)) is not None:
            requests.put(request)
    finally:
        end_everything()


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
    settings = json.loads(sys.argv[1])
    apply_limits(settings)
    drop_privileges(settings.get("uid"))
    if sys.argv[2:] == ["--check"]:
        print("ok")
        return
    pipe, replies = take_protocol_pipes()
    requests: queue.Queue[dict[str, Any]] = queue.Queue()
    threading.Thread(target=read_requests, args=(pipe, requests), name="lifeline", daemon=True).start()
    channel = Channel(replies)
    stdin = sys.stdin  # reads fd 0, now /dev/null: input() gets EOFError
    main_module = types.ModuleType("__main__")  # so pickle finds classes defined in cells
    sys.modules["__main__"] = main_module
    sys.path.insert(0, "")  # like a notebook: modules written to the working dir are importable
    count = 0
    while True:
        request = requests.get()
        count += 1
        channel.start_cell(request["call"], request["limit"])
        sys.stdin, sys.stdout, sys.stderr = stdin, TextOutput(channel), TextOutput(channel)
        error = run_cell(request["code"], f"{CELL_PREFIX}{count}>", main_module.__dict__)
        channel.finish(error)


if __name__ == "__main__":
    main()
