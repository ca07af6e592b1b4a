"""Ask the terminal, before the app starts, whether it draws pixel graphics (Kitty graphics or Sixel).

One round trip: a Kitty graphics query followed by a primary device attributes (DA1) request. Every
terminal answers DA1; one that knows Kitty graphics answers the query first, and a DA1 answer that lists
attribute 4 means Sixel. Asking only the graphics query would leave a terminal without it silent, and a
program waiting for it (textual-image waits 100 ms) would start that much later.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import sys
import termios
import time
import tty

KITTY_QUERY = b"\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"
DA1_QUERY = b"\x1b[c"
DA1_ANSWER = re.compile(rb"\x1b\[\?([0-9;]*)c")
KITTY_OK = re.compile(rb"\x1b_Gi=31;OK\x1b\\")
TIMEOUT_S = 0.25  # for the rare terminal that answers nothing at all
DEFAULT_CELL_PIXELS = (10, 20)


def pixel_graphics() -> str | None:
    """"kitty", "sixel", or None (no pixel graphics, or not a terminal)."""
    stdin, stdout = sys.__stdin__, sys.__stdout__
    if stdin is None or stdout is None or not (stdin.isatty() and stdout.isatty()):
        return None
    answer = _ask(stdin.fileno(), stdout.fileno(), KITTY_QUERY + DA1_QUERY)
    if KITTY_OK.search(answer):
        return "kitty"
    attributes = DA1_ANSWER.search(answer)
    if attributes and b"4" in attributes.group(1).split(b";"):
        return "sixel"
    return None


def _ask(stdin: int, stdout: int, query: bytes) -> bytes:
    """Write `query` with the terminal in raw mode and read until the DA1 answer (or the timeout)."""
    saved = termios.tcgetattr(stdin)
    answer = b""
    try:
        tty.setraw(stdin, termios.TCSANOW)
        os.write(stdout, query)
        deadline = time.monotonic() + TIMEOUT_S
        while not DA1_ANSWER.search(answer):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([stdin], [], [], left)[0]:
                break
            answer += os.read(stdin, 1024)
    except OSError:
        pass
    finally:
        termios.tcsetattr(stdin, termios.TCSANOW, saved)
    return answer


def cell_pixels() -> tuple[int, int]:
    """A character cell's size in pixels, as the terminal reports it (a common 10x20 when it doesn't)."""
    stdout = sys.__stdout__
    try:
        rows, columns, width, height = struct.unpack("HHHH", fcntl.ioctl(stdout.fileno(), termios.TIOCGWINSZ, b"\0" * 8))
    except (AttributeError, OSError, ValueError):
        return DEFAULT_CELL_PIXELS
    if not (rows and columns and width and height):
        return DEFAULT_CELL_PIXELS
    return width // columns or DEFAULT_CELL_PIXELS[0], height // rows or DEFAULT_CELL_PIXELS[1]
