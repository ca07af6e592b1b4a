"""Run a command under a real pseudo-terminal, draining what it writes from a reader thread."""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import sys
import termios
import threading
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CELL = (10, 20)  # pixels of a character cell
# Primary device attributes, as xterm answers them without Sixel: what a program asking "what are you?"
# (textual-image does, to choose how to draw images) gets from nearly every terminal.
DEVICE_ATTRIBUTES_QUERY = b"\x1b[c"
DEVICE_ATTRIBUTES_REPLY = b"\x1b[?62;22c"


@dataclass
class PtyResult:
    returncode: int
    written: int  # bytes the program wrote to the terminal
    tail: bytes  # its last output, for error messages


def run_in_pty(args: list[str], size: tuple[int, int], env: dict[str, str] | None = None, timeout: float = 600) -> PtyResult:
    """Run `python args...` (from the repo root) with a pty of `size` (columns, rows) as its terminal."""
    master, slave = os.openpty()
    columns, rows = size
    # a typical terminal: it reports its size in pixels too (10x20 cells), and answers DA1 below
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, columns * CELL[0], rows * CELL[1]))
    environment = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor", **(env or {})}
    environment.pop("TEXTUAL", None)
    process = subprocess.Popen(
        [sys.executable, *args], stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=environment, start_new_session=True
    )
    os.close(slave)
    counted = [0]
    tail = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # EIO: every holder of the slave side has closed it
                return
            if not chunk:
                return
            counted[0] += len(chunk)
            if DEVICE_ATTRIBUTES_QUERY in tail[-2:] + chunk:
                os.write(master, DEVICE_ATTRIBUTES_REPLY)
            tail[:] = (tail + chunk)[-2000:]

    reader = threading.Thread(target=drain, name="pty-reader", daemon=True)
    reader.start()
    try:
        returncode = process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        returncode = process.wait()
    reader.join(5)
    os.close(master)
    return PtyResult(returncode, counted[0], bytes(tail))
