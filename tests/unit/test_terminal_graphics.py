"""Asking a real pseudo-terminal whether it draws Kitty graphics or Sixel, answered as terminals do."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time

import pytest

from asst_tui.tui.terminal_graphics import DA1_QUERY, KITTY_QUERY

PROBE = (
    "import time; from asst_tui.tui.terminal_graphics import pixel_graphics, cell_pixels; "
    "t = time.monotonic(); found = pixel_graphics(); "
    "print(found, cell_pixels(), round((time.monotonic() - t) * 1000), flush=True)"
)


def ask(reply: bytes | None, pixels: tuple[int, int] = (0, 0)) -> tuple[str, str, int]:
    """Run the probe on a pty; when it asks, answer with `reply` (None: stay silent)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, *pixels))
    process = subprocess.Popen([sys.executable, "-c", PROBE], stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    seen, output = b"", b""
    deadline = time.monotonic() + 20
    try:
        while time.monotonic() < deadline:
            if not select.select([master], [], [], 0.05)[0]:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            seen += chunk
            if reply is not None and KITTY_QUERY + DA1_QUERY in seen:
                os.write(master, reply)
                reply = None
            output = seen.replace(KITTY_QUERY + DA1_QUERY, b"")
    finally:
        process.wait(10)
        os.close(master)
    found, _, rest = output.decode().strip().partition(" ")
    cells, _, ms = rest.rpartition(" ")
    return found, cells, int(ms)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (b"\x1b_Gi=31;OK\x1b\\\x1b[?62;22c", "kitty"),  # kitty answers its graphics query before DA1
        (b"\x1b[?62;4;22c", "sixel"),  # attribute 4: sixel graphics
        (b"\x1b[?62;22c", "None"),  # an xterm without sixel: only DA1, and no waiting
    ],
)
def test_the_answer_decides(reply: bytes, expected: str) -> None:
    found, _, ms = ask(reply)
    assert found == expected
    assert ms < 200  # the DA1 answer ends the wait; the 250 ms timeout is only for silent terminals


def test_a_silent_terminal_is_given_up_on() -> None:
    found, _, ms = ask(None)
    assert found == "None" and ms >= 240


def test_cell_pixels_come_from_the_terminal_size_report() -> None:
    assert ask(b"\x1b[?62;22c", pixels=(1200, 800))[1] == "(10, 20)"
    assert ask(b"\x1b[?62;22c", pixels=(960, 760))[1] == "(8, 19)"
    assert ask(b"\x1b[?62;22c")[1] == "(10, 20)"  # no pixel size reported: the common default
