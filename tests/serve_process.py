"""`asst-tui serve` as a real subprocess for the tests and benchmarks: started, waited for, always stopped.

`ServeProcess.start(...)` runs `python -m asst_tui.cli serve --port 0 ...` with this checkout's `src` first on
PYTHONPATH, reads the URL from the line the command prints when it listens, and waits until the API
answers. Its stdout and stderr go to a log file (shown when it fails to start). The `serve_processes`
fixture starts any number and kills every one at teardown, whatever the test did.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
LISTENING = re.compile(r"listening on (http://\S+/v1)")
START_TIMEOUT_S = 30


@dataclass
class ServeProcess:
    """One running `asst-tui serve`: its process, its API's base URL and its log."""

    proc: subprocess.Popen[bytes]
    base_url: str
    log: Path

    @classmethod
    def start(
        cls, data_dir: Path, *, database: str | None = None, files_dir: Path | None = None, demo_delay_ms: int = 0, extra: tuple[str, ...] = ()
    ) -> ServeProcess:
        data_dir.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "asst_tui.cli", "serve", "--port", "0", "--data-dir", str(data_dir), "--demo-delay-ms", str(demo_delay_ms)]
        if database is not None:
            command += ["--database", database]
        if files_dir is not None:
            command += ["--files-dir", str(files_dir)]
        env = {k: v for k, v in os.environ.items() if k not in ("ASST_TUI_SERVER_KEY", "ASST_TUI_DATABASE_URL")}
        env["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, [env.get("PYTHONPATH")])])
        env["PYTHONUNBUFFERED"] = "1"
        log = data_dir / "serve.log"
        with log.open("wb") as out:
            proc = subprocess.Popen([*command, *extra], stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        served = cls(proc, "", log)
        try:
            served.base_url = served._wait_for_url()
            served._wait_until_answering()
        except BaseException:
            served.kill()
            raise
        return served

    def _wait_for_url(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if match := LISTENING.search(self.output()):
                return match.group(1)
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"asst-tui serve did not start (exit code {self.proc.poll()}); its output:\n{self.output()}")

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                urllib.request.urlopen(f"{self.base_url}/assistants", timeout=2).close()
                return
            except urllib.error.HTTPError:  # an answer all the same
                return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise AssertionError(f"asst-tui serve does not answer at {self.base_url}; its output:\n{self.output()}") from None
                time.sleep(0.05)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL: the process dies mid-whatever, as in a crash."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        """SIGINT (the command's Ctrl+C: it ends its runs and stops), then SIGKILL if it hasn't stopped within 10 s."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def serve_processes() -> Iterator[Any]:
    """`start(data_dir, **options)` → a ServeProcess; every one started is stopped at teardown."""
    started: list[ServeProcess] = []

    def start(data_dir: Path, **options: Any) -> ServeProcess:
        served = ServeProcess.start(data_dir, **options)
        started.append(served)
        return served

    yield start
    for served in started:
        served.stop()
