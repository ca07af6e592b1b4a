"""`asst-tui send` while the TUI runs the embedded server: the command uses that server (issue 12)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from .helpers import SIZE, make_app, ready, wait_for

SRC = Path(__file__).resolve().parents[2] / "src"


def _send(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ASST_TUI_HOME": str(home), "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-m", "asst_tui.cli", "send", *args], env=env, capture_output=True,
                          text=True, timeout=120)


async def test_send_while_the_tui_is_open_uses_its_server(home: Path) -> None:
    app = make_app(fresh_server=True)  # the app's own embedded server, on the user data dir, as in real use
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        done = await asyncio.to_thread(_send, home, app.thread_id, "/lorem 5")
        assert done.returncode == 0, done.stderr
        assert len(done.stdout.split()) >= 5 and "in use" not in done.stderr
        messages, _ = await app.connection.backend.list_messages(app.thread_id)  # the TUI's server has the turn
        assert [m["role"] for m in messages] == ["user", "assistant"]
        await wait_for(pilot, lambda: app.connection is not None, what="the app still connected")
        assert (await app.connection.backend.list_assistants())  # and its server still runs


def test_send_with_an_unknown_profile_is_a_configuration_problem(home: Path) -> None:
    done = _send(home, "--profile", "nope", "--new", "hi")
    assert done.returncode == 2 and "no profile named 'nope'" in done.stderr
