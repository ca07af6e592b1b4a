"""What the benchmarks share: a private ASST_TUI_HOME, the real app in it, keys, and SDK-made threads."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import time
import warnings
from argparse import Namespace
from collections.abc import Callable, Iterator
from pathlib import Path

import openai
from textual import events

from asst_tui.config import load_config
from asst_tui.tui.app import AsstApp

SIZE = (120, 40)  # columns, rows of the benchmark terminal
CONFIG = '[profiles.local]\nkind = "local"\ndemo_delay_ms = 0\n'  # the demo engine at full speed

warnings.filterwarnings("ignore", message=".*Assistants API is deprecated.*", category=DeprecationWarning)
warnings.filterwarnings("ignore", message="deprecated$", category=DeprecationWarning)


@contextlib.contextmanager
def bench_home() -> Iterator[Path]:
    """Point ASST_TUI_HOME at a fresh temp dir whose config runs the demo engine at zero delay."""
    saved = os.environ.get("ASST_TUI_HOME")
    with tempfile.TemporaryDirectory(prefix="asst-bench-") as tmp:
        home = Path(tmp)
        write_config(home)
        os.environ["ASST_TUI_HOME"] = tmp
        try:
            yield home
        finally:
            if saved is None:
                os.environ.pop("ASST_TUI_HOME", None)
            else:
                os.environ["ASST_TUI_HOME"] = saved


def write_config(home: Path) -> None:
    path = home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CONFIG, encoding="utf-8")
    path.chmod(0o600)


def make_app() -> AsstApp:
    config, problems = load_config()
    return AsstApp(config, problems, Namespace(profile=None, base_url=None, assistant=None, thread=None, theme=None))


async def wait_until(condition: Callable[[], object], timeout: float = 120.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def ready(app: AsstApp) -> None:
    """Until the app is connected, has a thread open and no run going."""
    await wait_until(lambda: app.ready and app.flow is None, what="startup")


async def idle(app: AsstApp, status: str = "completed") -> None:
    await wait_until(lambda: app.flow is None and app.status_line.status == status, what=f"run {status}")


def press(app: AsstApp, key: str, char: str | None = None) -> None:
    """A key press as the terminal driver delivers it."""
    event = events.Key(key, char)
    event.set_sender(app)
    app.post_message(event)


def submit(app: AsstApp, text: str) -> None:
    """Type `text` into the prompt and press Enter."""
    app.prompt.focus()
    app.prompt.text = text
    press(app, "enter", "\r")


def sdk_client(app: AsstApp) -> openai.AsyncOpenAI:
    """Another client of the app's embedded server."""
    return openai.AsyncOpenAI(base_url=app.connection.server.base_url, api_key="bench", max_retries=0, timeout=600)


def adopt(app: AsstApp, thread_id: str) -> None:
    """Put a thread made elsewhere into the registry and the sidebar, without opening it."""
    app.registry.adopt_thread(app.identity, thread_id, title="benchmark thread")
    app.refresh_sidebar()
