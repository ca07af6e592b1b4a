"""User code shares the worker's process, so it can write frames on the worker's pipe: the server must not believe them.

A forged frame can't grow the server, can't fail anything but the call it came from, and never shows
up in a later call. In both sandbox modes: the protocol doesn't rely on isolation.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from asst_tui.server.tools.sandbox import Sandbox

from .sandbox_support import make_sandbox

KEY = "thread_forger"
FORGE = (  # what a cell needs to write raw frames on the replies pipe, with its own call id or any other
    "import json, sys\nchannel = sys.stdout._channel\n"
    "def forge(frame, raw=None):\n"
    "    data = raw if raw is not None else json.dumps(frame).encode()\n"
    "    channel._pipe.write(len(data).to_bytes(4, 'big') + data)\n"
    "    channel._pipe.flush()\n"
)


@pytest.fixture
async def sandbox(tmp_path: Path, sandbox_mode: str) -> AsyncIterator[Sandbox]:
    box = make_sandbox(tmp_path / "sandbox", sandbox_mode, timeout_s=20)
    await box.execute(KEY, FORGE)
    yield box
    await box.close()


@contextmanager
def peak_rss_growth() -> Iterator[list[int]]:
    """The most this process's resident memory grew (bytes) while the block ran, sampled every 5 ms."""
    def rss() -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    start, peak, done = rss(), [0], threading.Event()

    def sample() -> None:
        while not done.wait(0.005):
            peak[0] = max(peak[0], rss() - start)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()


async def test_a_forged_300_mb_frame_is_refused_without_reading_it(sandbox: Sandbox) -> None:
    code = "pipe = channel._pipe\npipe.write((300 << 20).to_bytes(4, 'big'))\nfor _ in range(300):\n    pipe.write(b'x' * (1 << 20))\npipe.flush()"
    with peak_rss_growth() as growth:
        result = await sandbox.execute(KEY, FORGE + code)
    assert result.crashed and "broke its protocol with the server (a frame of 314,572,800 bytes" in result.logs
    assert growth[0] < 50 << 20, f"the server grew by {growth[0] >> 20} MB"
    assert (await sandbox.execute(KEY, "print('fresh')")).logs == "fresh\n"


@pytest.mark.parametrize(
    "forged",
    [
        "forge(None, raw=b'{not json')",
        "forge(None, raw=b'[' * 100_000 + b']' * 100_000)",  # deeper than the JSON parser recurses
        "forge([1, 2, 3])",
        "forge({'out': 'no call id'})",
        "forge({'call': channel._call, 'out': 42})",
        "forge({'call': channel._call, 'done': True, 'traceback': '', 'omitted': 'many'})",
        "forge({'call': channel._call, 'done': True, 'traceback': '', 'omitted': 0, 'extra': 1})",
    ],
)
async def test_a_malformed_frame_ends_the_worker_and_the_call_says_so(sandbox: Sandbox, forged: str) -> None:
    await sandbox.execute(KEY, "x = 1")
    result = await sandbox.execute(KEY, f"print('before')\n{forged}\nimport time\ntime.sleep(5)")
    assert result.crashed and not result.timed_out
    assert result.logs.startswith("before\nThe code interpreter broke its protocol with the server (a frame ")
    assert result.logs.endswith("the interpreter was restarted and its variables were lost.")
    assert (await sandbox.execute(KEY, "print('x' in globals())")).logs == "False\n"


async def test_a_forged_done_never_reaches_into_a_later_call(sandbox: Sandbox) -> None:
    early = await sandbox.execute(KEY, FORGE + "channel.finish('')\nprint('late output of call one')")
    assert early.logs == ""  # the cell ended its own call early: its business
    second = await sandbox.execute(KEY, "import time\ntime.sleep(0.3)\nprint('two')")
    assert second.logs == "two\n"  # call one's late output and real end were dropped, not taken as call two's
    plant = (
        FORGE + "import threading, time\nmine = channel._call\n"
        "def later():\n    time.sleep(0.5)\n"
        "    forge({'call': mine, 'done': True, 'traceback': '', 'omitted': 0})\n"
        "    forge({'call': mine, 'out': 'leaked from call three'})\n"
        "threading.Thread(target=later).start()"
    )
    assert (await sandbox.execute(KEY, plant)).logs == ""
    fourth = await sandbox.execute(KEY, "time.sleep(1.2)\nprint('four')")
    assert fourth.logs == "four\n" and not fourth.crashed  # a stale done can't end it, stale output can't join it


async def test_a_forged_flood_of_output_is_capped(tmp_path: Path, sandbox_mode: str) -> None:
    box = make_sandbox(tmp_path / "sandbox", sandbox_mode, max_log_chars=20_000, timeout_s=20)
    try:  # frames of 200,000 characters each fit the frame limit; their sum is 7,500 times the output limit
        code = FORGE + "frame = {'call': channel._call, 'out': 'y' * 200_000}\nfor _ in range(750):\n    forge(frame)"
        with peak_rss_growth() as growth:
            result = await box.execute(KEY, code)
        assert not result.crashed and result.logs.startswith("y" * 20_000 + "\n[... output truncated: 149980000 characters")
        assert len(result.logs) < 20_100
        assert growth[0] < 50 << 20, f"the server grew by {growth[0] >> 20} MB for 150 MB of forged output"
    finally:
        await box.close()

