"""Run the embedded server in a child process (server/child.py), so the TUI keeps a GIL of its own.

Only the standard library is imported here: uvicorn, Starlette and the app load in the child.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

from .config import ServerConfig
from .start_error import ServerStartError

CHILD_MODULE = "asst_tui.server.child"
LOG_NAME = "server.log"
TERMINATE_GRACE = 3.0  # seconds a child that ignored EOF gets after SIGTERM, before SIGKILL
FAILED_START_GRACE = 2.0  # seconds a child that failed to start gets to exit by itself


class ChildServer:
    """A server in a child process; `base_url` ends in /v1, `stop()` shuts it down cleanly."""

    def __init__(self, process: subprocess.Popen[bytes], base_url: str, log_path: Path, sandbox_label: str = "") -> None:
        self._process = process
        self.base_url = base_url
        self.log_path = log_path
        self.sandbox_label = sandbox_label  # which code interpreter sandbox it runs, and why

    @property
    def pid(self) -> int:
        return self._process.pid

    def stop(self, timeout: float = 10.0) -> None:
        """Close the child's stdin (it ends its runs and exits), wait up to `timeout` s, then terminate it."""
        _close(self._process.stdin)
        _reap(self._process, timeout)


def spawn_server(config: ServerConfig, ready_timeout: float = 20.0) -> ChildServer:
    """Start `python -m asst_tui.server.child` and wait until it accepts requests (else ServerStartError)."""
    log_path = config.data_dir / LOG_NAME
    try:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(log_path, "ab")  # appended to: the child truncates it once it holds the data dir
    except OSError as exc:
        raise ServerStartError(f"Can't write the server log {log_path}: {exc.strerror or exc}") from None
    with log:
        process = subprocess.Popen(
            [sys.executable, "-m", CHILD_MODULE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            start_new_session=True,  # no signals from the TUI's terminal, and no way to write to it
        )
    try:
        answer = _handshake(process, config, ready_timeout, log_path)
    except BaseException:
        _close(process.stdin)
        _reap(process, FAILED_START_GRACE)
        raise
    finally:
        _close(process.stdout)
    return ChildServer(process, answer["base_url"], log_path, answer.get("sandbox", ""))


def _handshake(process: subprocess.Popen[bytes], config: ServerConfig, timeout: float, log_path: Path) -> dict[str, Any]:
    """Send the settings on stdin (never argv: `ps` shows that) and read the child's one-line answer."""
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(config.to_json().encode() + b"\n")
        process.stdin.flush()
    except BrokenPipeError:
        pass  # it exited already: its stdout ends without an answer
    try:
        line = _read_line(process.stdout, time.monotonic() + timeout)
    except TimeoutError:
        raise ServerStartError(f"The embedded server did not start within {timeout:g} s (its log: {log_path}).") from None
    try:
        answer = json.loads(line)
    except ValueError:
        _reap(process, FAILED_START_GRACE)
        raise ServerStartError(
            f"The embedded server exited while starting (status {process.returncode}; its log: {log_path})."
        ) from None
    if "error" in answer:
        raise ServerStartError(answer["error"])
    return answer


def _read_line(stream: IO[bytes], deadline: float) -> bytes:
    """One line from a pipe, or what came before EOF; TimeoutError once `deadline` (monotonic) passes."""
    poller = select.poll()
    poller.register(stream.fileno(), select.POLLIN)
    data = b""
    while b"\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0 or not poller.poll(left * 1000):
            raise TimeoutError
        chunk = os.read(stream.fileno(), 4096)
        if not chunk:
            break
        data += chunk
    return data.partition(b"\n")[0]


def _close(stream: IO[bytes] | None) -> None:
    if stream is not None:
        try:
            stream.close()
        except OSError:  # a dead child's pipe: nothing left to flush to
            pass


def _reap(process: subprocess.Popen[bytes], timeout: float) -> None:
    """Wait for the child to exit; SIGTERM after `timeout` s, SIGKILL if that is ignored too."""
    try:
        process.wait(timeout)
        return
    except subprocess.TimeoutExpired:
        process.terminate()
    try:
        process.wait(TERMINATE_GRACE)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
