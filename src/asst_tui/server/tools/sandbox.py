"""The code interpreter: one persistent Python worker process per thread, like a notebook kernel.

Each key (a thread id) gets a working directory under `root` and a worker subprocess
(`sandbox_worker.py`) that keeps its variables between calls. Workers get a minimal environment (no
secrets of the server), a memory cap, their own session (so a kill takes their children too) and a
wall-time limit per call. User code that fails, hangs or crashes produces an `ExecResult`, never an
exception. POSIX only.
"""

from __future__ import annotations

import asyncio
import filecmp
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

WORKER = Path(__file__).with_name("sandbox_worker.py")
_UNSAFE_KEY = re.compile(r"[^A-Za-z0-9_-]")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class ExecResult:
    logs: str  # output in order, then a traceback or notice; truncated to about max_log_chars
    files: list[Path]  # files created or modified in the working dir by this call, sorted
    error: bool = False  # the code raised; the traceback ends the logs
    timed_out: bool = False  # the worker was killed at the time limit; the next call gets a fresh one
    crashed: bool = False  # the worker died; the next call gets a fresh one


class Sandbox:
    """Runs code for many threads, each in its own persistent worker process."""

    def __init__(
        self,
        root: Path,
        *,
        timeout_s: float = 30.0,
        memory_mb: int = 1024,
        max_log_chars: int = 20_000,
        max_workers: int = 8,
    ) -> None:
        self.root = root.absolute()
        self.max_workers = max_workers  # past this, the least recently used idle worker is stopped
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.max_log_chars = max_log_chars
        self._workers: dict[str, asyncio.subprocess.Process] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def workdir(self, key: str) -> Path:
        """root/<key>, created on demand; a key that isn't a plain id gets a hash suffix."""
        safe = _UNSAFE_KEY.sub("_", key)[:100]
        if safe != key or not key:
            safe += "-" + hashlib.sha256(key.encode()).hexdigest()[:12]
        path = self.root / safe
        (path / ".tmp").mkdir(parents=True, exist_ok=True)
        return path

    async def execute(self, key: str, code: str, files: Mapping[str, Path] | None = None) -> ExecResult:
        """Run code in key's worker after copying `files` ({name: source}) into its working dir."""
        async with self._locks.setdefault(key, asyncio.Lock()):
            workdir = self.workdir(key)
            await asyncio.to_thread(_copy_inputs, workdir, files or {})
            before = await asyncio.to_thread(_snapshot, workdir)
            result = await self._run(key, workdir, code)
            after = await asyncio.to_thread(_snapshot, workdir)
            result.files = sorted(path for path, sig in after.items() if before.get(path) != sig)
            return result

    async def release(self, key: str) -> None:
        """Stop key's worker (its thread was deleted); its variables are gone."""
        proc = self._workers.get(key)
        if proc is not None:
            await self._discard(key, proc)

    async def close(self) -> None:
        """Kill every worker."""
        for key, proc in list(self._workers.items()):
            await self._discard(key, proc)

    async def _run(self, key: str, workdir: Path, code: str) -> ExecResult:
        proc = self._workers.pop(key, None)
        if proc is None:
            await self._evict_idle()
            proc = await self._spawn(workdir)
        self._workers[key] = proc  # most recently used last
        out: list[str] = []
        try:
            async with asyncio.timeout(self.timeout_s):
                await _send(proc, {"code": code, "limit": self.max_log_chars})
                while "done" not in (frame := await _receive(proc)):
                    out.append(frame["out"])
        except TimeoutError:
            await self._discard(key, proc)
            notice = (
                f"Execution timed out after {self.timeout_s:g} s; "
                "the interpreter was restarted and its variables were lost."
            )
            return ExecResult(self._logs(out, 0, notice), [], timed_out=True)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            returncode = await self._discard(key, proc)
            notice = (
                f"The code interpreter process exited unexpectedly ({_describe_exit(returncode)}); "
                "its variables were lost."
            )
            return ExecResult(self._logs(out, 0, notice), [], crashed=True)
        except asyncio.CancelledError:
            self._workers.pop(key, None)
            _kill_session(proc)  # stop the work now; asyncio reaps the process
            raise
        error = frame["traceback"]
        return ExecResult(self._logs(out, frame["omitted"], error), [], error=bool(error))

    async def _evict_idle(self) -> None:
        """Keep at most max_workers - 1 workers before a new one starts: stop the least recently used idle ones."""
        for key in list(self._workers):
            if len(self._workers) < self.max_workers:
                return
            lock = self._locks.get(key)
            if lock is None or not lock.locked():
                await self._discard(key, self._workers[key])

    async def _spawn(self, workdir: Path) -> asyncio.subprocess.Process:
        # The memory cap is set by the worker itself: preexec_fn is unsafe in a threaded server.
        return await asyncio.create_subprocess_exec(
            sys.executable, "-I", str(WORKER), str(self.memory_mb),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            cwd=workdir,
            env=_environment(workdir),
            start_new_session=True,
        )

    async def _discard(self, key: str, proc: asyncio.subprocess.Process) -> int:
        """Kill key's worker and its children; return the worker's exit code."""
        self._workers.pop(key, None)  # close() may have been first
        _kill_session(proc)
        return await proc.wait()

    def _logs(self, out: list[str], omitted: int, tail: str) -> str:
        """Output then tail (a traceback or notice, whose end is always kept), within max_log_chars."""
        limit = self.max_log_chars
        tail = tail[max(len(tail) - limit // 2, 0) :]
        text = "".join(out)
        room = max(limit - len(tail), 0)
        omitted += max(len(text) - room, 0)
        text = text[:room]
        if omitted:
            text += f"\n[... output truncated: {omitted} characters omitted]\n"
        if tail and text and not text.endswith("\n"):
            text += "\n"
        # Lone surrogates (from surrogateescape'd bytes) could not be stored or sent as UTF-8.
        return (text + tail).encode("utf-8", "backslashreplace").decode("utf-8")


def _environment(workdir: Path) -> dict[str, str]:
    """An allow-list: no variable of the server (API keys, tokens…) reaches user code."""
    return {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(workdir),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "TMPDIR": str(workdir / ".tmp"),
        "MPLBACKEND": "Agg",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONUNBUFFERED": "1",
        "MALLOC_ARENA_MAX": "2",  # per-thread malloc arenas would eat the RLIMIT_AS budget
    }


async def _send(proc: asyncio.subprocess.Process, frame: dict[str, Any]) -> None:
    assert proc.stdin is not None
    data = json.dumps(frame).encode()
    proc.stdin.write(len(data).to_bytes(4, "big") + data)
    await proc.stdin.drain()


async def _receive(proc: asyncio.subprocess.Process) -> dict[str, Any]:
    assert proc.stdout is not None
    size = int.from_bytes(await proc.stdout.readexactly(4), "big")
    return json.loads(await proc.stdout.readexactly(size))


def _kill_session(proc: asyncio.subprocess.Process) -> None:
    """SIGKILL the worker's whole session (its pid is the process group id)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by signal {signal.Signals(-returncode).name}"
        except ValueError:
            pass
    return f"exit code {returncode}"


def _safe_name(name: str) -> str:
    """A plain file name from an untrusted one: no directories, no leading dots, no control characters."""
    base = PurePosixPath(name.replace("\\", "/")).name.lstrip(".")
    return _UNSAFE_NAME.sub("_", base) or "file"


def _copy_inputs(workdir: Path, files: Mapping[str, Path]) -> None:
    for name, source in files.items():
        target = workdir / _safe_name(name)
        if not (target.is_file() and filecmp.cmp(source, target, shallow=True)):
            shutil.copy2(source, target)


def _snapshot(root: Path) -> dict[Path, tuple[int, int]]:
    """{path: (mtime_ns, size)} of the regular files under root, skipping hidden ones and __pycache__."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != "__pycache__"]
        for name in filenames:
            path = Path(dirpath, name)
            try:
                info = path.lstat()
            except OSError:  # deleted meanwhile by a background process
                continue
            if stat.S_ISREG(info.st_mode) and not name.startswith("."):
                found[path] = (info.st_mtime_ns, info.st_size)
    return found
