"""Helpers for the sandbox tests: running code through the SDK and the demo engine, watching host processes."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import openai
import pytest

from asst_tui.server.tools import sandbox_modes
from asst_tui.server.tools.sandbox import Sandbox

from .conftest import MODEL


def require_isolation() -> None:
    """Skip where bubblewrap can't run (not Linux, no user namespaces): there is no isolated sandbox to test."""
    found = sandbox_modes.probe()
    if not isinstance(found, tuple):
        pytest.skip(f"bubblewrap can't run here: {found}")


def make_sandbox(root: Path, mode: str, **options: Any) -> Sandbox:
    """A Sandbox in `mode`, chosen as a server chooses it."""
    return Sandbox(root, isolation=sandbox_modes.choose(mode, loopback=True, allow_unisolated=False), **options)


class Coder:
    """One assistant with code_interpreter; `run(code)` sends code to a thread and returns its logs."""

    def __init__(self, client: openai.OpenAI) -> None:
        self.client = client
        self.assistant = client.beta.assistants.create(model=MODEL, tools=[{"type": "code_interpreter"}])

    def thread(self) -> str:
        return self.client.beta.threads.create().id

    def run(self, code: str, thread_id: str | None = None) -> str:
        thread_id = thread_id or self.thread()
        self.client.beta.threads.messages.create(thread_id, role="user", content=f"```python\n{code}\n```")
        run = self.client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=self.assistant.id, poll_interval_ms=20)
        assert run.status == "completed", (run.status, run.last_error)
        steps = self.client.beta.threads.runs.steps.list(run.id, thread_id=thread_id, order="asc").data
        calls = steps[0].step_details.tool_calls  # type: ignore[union-attr]
        return "".join(o.logs for c in calls for o in c.code_interpreter.outputs if o.type == "logs")


def alive(pid: int) -> bool:
    """Whether pid runs (a zombie doesn't)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def all_gone(pids: set[int] | list[int], within_s: float = 5.0) -> bool:
    deadline = time.monotonic() + within_s
    while any(alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
